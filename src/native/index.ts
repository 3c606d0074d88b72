/**
 * The typed wrapper over the native core — the only module that loads the .node file. It checks
 * arguments before they cross (every field set, numbers in range), and turns native failures into
 * one error class with a string code. Knows nodes, chunks and slots, not jobs.
 */
import { call, asNativeError, checkCount, loadAddon, NativeError, type RawTopology } from './addon.js';
import { checkRequest, decodePlacement, encodedLength, encodeRequest, placementLength } from './wire.js';

export type Arrangement = 'free' | 'pack' | 'scatter' | 'vscatter';
export type Sharing = 'shared' | 'excl' | 'exclhost';
export type CapacityKind = 'any' | 'spot' | 'ondemand';
/** An EC2 placement group's strategy; '' when the node is in none, or it is not known. */
export type PgStrategy = '' | 'cluster' | 'partition' | 'spread';

/** A node as the core sees it. Every field is set (no optional fields cross the boundary). */
export interface NativeNode {
  name: string;
  /** vCPUs (hardware threads): what chunks' ncpus count. */
  ncpus: number; free_ncpus: number;
  /** Physical cores, at most ncpus; 0 = unknown (taken as ncpus). */
  cores: number;
  /** NUMA domains, at least 1 (the rank layout's default shape). */
  numa: number;
  mem_bytes: number; free_mem_bytes: number;
  ngpus: number; free_ngpus: number;
  /** EFA devices; 0 = ENA only. */
  efa: number;
  /** ENA bandwidth in Gbit/s (12.5 for "up to 12.5 Gigabit"); 0 = unknown. */
  ena_gbps: number;
  njobs: number;
  exclusive: boolean;
  up: boolean;
  spot: boolean;
  instance_type: string;
  az: string;
  placement_group: string;
  /** The placement group's strategy ('' = none or unknown); set only with a placement_group. */
  pg_strategy: PgStrategy;
  /** The node's partition of a 'partition' group; -1 = none (the only value for other strategies). */
  pg_partition: number;
  /** EC2 instance topology, top layer first; empty strings when unknown. */
  network_nodes: [string, string, string];
}

export interface NativeChunk {
  count: number; ncpus: number; mem_bytes: number; ngpus: number; mpiprocs: number;
  efa: boolean; instance_type: string; capacity: CapacityKind;
}

export interface NativeRequest { chunks: NativeChunk[]; arrangement: Arrangement; sharing: Sharing; same_group: boolean }

export interface NativeSlot { node: number; chunk: number; ncpus: number; mem_bytes: number; ngpus: number; mpiprocs: number }

export interface NativePlacement {
  ok: boolean;
  /** One per chunk instance, chunk kinds in request order, nodes ascending within a kind (first fit); empty when !ok. */
  slots: NativeSlot[];
  /** 0 = one bottom network node … 3 = across the cluster. */
  level: number;
  /** Free cpus the chosen domain keeps after placing (the comparator's second key). */
  stranded: number;
  /** Lowest node index used (the comparator's third key). */
  first_node: number;
  /** When !ok: nodes per reason (every reason listed, zeros too), and whether waiting can help. */
  diagnosis: { never: boolean; text: string; nodes: Record<string, number> };
}

/** The addon's Topology with the calls this module makes (src/native/addon.ts declares the common part). */
interface RawPlacer {
  place(r: Float64Array, out: Float64Array): string;
  placeAsync(r: Float64Array): Promise<{ v: Float64Array; text: string }>;
  placeMany(r: Float64Array): { v: Float64Array; texts: string[] };
  placeManyAsync(r: Float64Array): Promise<{ v: Float64Array; texts: string[] }>;
  allocate(n: number, c: number, m: number, g: number, exclusive: boolean): boolean;
  setFree(n: number, c: number, m: number, g: number): void;
  readonly bytes: number;
}

const U32_FIELDS = ['ncpus', 'free_ncpus', 'ngpus', 'free_ngpus', 'efa', 'njobs'] as const;
const BYTE_FIELDS = ['mem_bytes', 'free_mem_bytes'] as const;
const STRING_FIELDS = ['instance_type', 'az', 'placement_group'] as const;
const STRATEGIES: readonly PgStrategy[] = ['', 'cluster', 'partition', 'spread'];
/** A strategy as the core's enum (fleetq::PgStrategy: its index in STRATEGIES), -1 when it is none of them. */
function strategyId(s: unknown): number {
  return s === '' ? 0 : s === 'cluster' ? 1 : s === 'partition' ? 2 : s === 'spread' ? 3 : -1;
}

/** The slow path of toColumns' check: throws NativeError EINVAL naming node i's first bad field. */
function checkNode(x: NativeNode, i: number): void {
  const bad = (k: string, want: string): NativeError => new NativeError('EINVAL', `nodes[${i}].${k}: ${want}, got ${JSON.stringify(x[k as keyof NativeNode]) ?? 'undefined'}`);
  for (const k of U32_FIELDS) checkCount(`nodes[${i}].${k}`, x[k]);
  for (const k of BYTE_FIELDS) checkCount(`nodes[${i}].${k}`, x[k], Number.MAX_SAFE_INTEGER);
  if (typeof x.name !== 'string' || x.name.includes('\n')) throw new NativeError('EINVAL', `nodes[${i}].name: a string without newlines is required`);
  for (const k of STRING_FIELDS) if (typeof x[k] !== 'string') throw new NativeError('EINVAL', `nodes[${i}].${k}: a string is required`);
  const net = x.network_nodes as unknown;
  if (!Array.isArray(net) || net.length !== 3 || !net.every((s) => typeof s === 'string')) throw new NativeError('EINVAL', `nodes[${i}].network_nodes: three layers (strings) are required`);
  if (!((x.cores >>> 0) === x.cores && x.cores <= x.ncpus)) throw bad('cores', `a whole number in 0..ncpus (${x.ncpus}) is required`);
  if (!((x.numa >>> 0) === x.numa && x.numa >= 1)) throw bad('numa', 'a whole number of at least 1 is required');
  if (!(typeof x.ena_gbps === 'number' && Number.isFinite(x.ena_gbps) && x.ena_gbps >= 0)) throw bad('ena_gbps', 'a finite number of at least 0 is required');
  if (strategyId(x.pg_strategy) < 0) throw bad('pg_strategy', `one of ${STRATEGIES.map((k) => `'${k}'`).join(', ')} is required`);
  if (x.pg_strategy !== '' && x.placement_group === '') throw bad('pg_strategy', 'a strategy needs a placement_group (it is empty)');
  if (!(Number.isInteger(x.pg_partition) && x.pg_partition >= -1 && x.pg_partition <= 0x7fffffff)) throw bad('pg_partition', 'a whole number in -1..2147483647 is required');
  if (x.pg_partition !== -1 && x.pg_strategy !== 'partition') throw bad('pg_partition', `-1 unless pg_strategy is 'partition' (it is '${x.pg_strategy}')`);
}

/**
 * Interns one column's strings into the snapshot's dictionary ('' is -1). Neighbouring nodes mostly
 * share a type, zone, group and network node, so it remembers the last string and skips the map.
 */
class Interner {
  #last = '';
  #id = -1;
  constructor(readonly ids: Map<string, number>) {}
  id(s: string): number {
    if (s === this.#last) return this.#id;
    this.#last = s;
    let v = s === '' ? -1 : this.ids.get(s);
    if (v === undefined) { v = this.ids.size; this.ids.set(s, v); }
    return (this.#id = v);
  }
}

/** The addon's Topology columns (native/addon/addon.cpp from_columns), one entry per node. */
function newColumns(n: number) {
  return {
    n, names: '', strings: [] as string[],
    ncpus: new Uint32Array(n), free_ncpus: new Uint32Array(n), ngpus: new Uint32Array(n), free_ngpus: new Uint32Array(n),
    efa: new Uint32Array(n), njobs: new Uint32Array(n), mem: new Float64Array(n), free_mem: new Float64Array(n), flags: new Uint8Array(n),
    instance_type: new Int32Array(n), az: new Int32Array(n), placement_group: new Int32Array(n), network_nodes: new Int32Array(3 * n),
    numa: new Uint32Array(n), cores: new Uint32Array(n), ena_gbps: new Float64Array(n), pg_strategy: new Uint8Array(n), pg_partition: new Int32Array(n),
  };
}
type Columns = ReturnType<typeof newColumns>;

/**
 * Checks every node and fills `c` and `names`, in one pass; returns the names joined by newlines.
 * Kept apart from toColumns so that this loop, which runs every cycle over the whole cluster, is
 * all V8 optimizes. Throws NativeError EINVAL naming the first bad field (`nodes[i].x`).
 */
function fill(nodes: readonly NativeNode[], c: Columns, names: string[], ids: Map<string, number>): string {
  const [it, zone, pg, top, mid, bottom] = [new Interner(ids), new Interner(ids), new Interner(ids), new Interner(ids), new Interner(ids), new Interner(ids)];
  let joined = '';
  for (let i = 0; i < nodes.length; i++) {
    const x = nodes[i]!;
    const nn = x.network_nodes;
    const strategy = strategyId(x.pg_strategy);
    // (v >>> 0) === v: a whole number in 0..2^32-1, without a call per field.
    if (!((x.ncpus >>> 0) === x.ncpus && (x.free_ncpus >>> 0) === x.free_ncpus && (x.ngpus >>> 0) === x.ngpus && (x.free_ngpus >>> 0) === x.free_ngpus &&
      (x.efa >>> 0) === x.efa && (x.njobs >>> 0) === x.njobs && Number.isSafeInteger(x.mem_bytes) && x.mem_bytes >= 0 &&
      Number.isSafeInteger(x.free_mem_bytes) && x.free_mem_bytes >= 0 && typeof x.name === 'string' && !x.name.includes('\n') &&
      typeof x.instance_type === 'string' && typeof x.az === 'string' && typeof x.placement_group === 'string' && Array.isArray(nn) && nn.length === 3 &&
      typeof nn[0] === 'string' && typeof nn[1] === 'string' && typeof nn[2] === 'string' &&
      (x.cores >>> 0) === x.cores && x.cores <= x.ncpus && (x.numa >>> 0) === x.numa && x.numa >= 1 &&
      typeof x.ena_gbps === 'number' && x.ena_gbps >= 0 && x.ena_gbps < Infinity &&
      // A strategy only with a group; a partition number (0..2^31-1) only with 'partition'.
      strategy >= 0 && (strategy === 0 || x.placement_group !== '') &&
      (x.pg_partition === -1 || (strategy === 2 && (x.pg_partition | 0) === x.pg_partition && x.pg_partition >= 0)))) checkNode(x, i);
    c.ncpus[i] = x.ncpus; c.free_ncpus[i] = x.free_ncpus; c.ngpus[i] = x.ngpus; c.free_ngpus[i] = x.free_ngpus;
    c.efa[i] = x.efa; c.njobs[i] = x.njobs; c.mem[i] = x.mem_bytes; c.free_mem[i] = x.free_mem_bytes;
    c.flags[i] = (x.up ? 1 : 0) | (x.spot ? 2 : 0) | (x.exclusive ? 4 : 0);
    c.numa[i] = x.numa; c.cores[i] = x.cores; c.ena_gbps[i] = x.ena_gbps; c.pg_strategy[i] = strategy; c.pg_partition[i] = x.pg_partition;
    c.instance_type[i] = it.id(x.instance_type); c.az[i] = zone.id(x.az); c.placement_group[i] = pg.id(x.placement_group);
    c.network_nodes[3 * i] = top.id(nn[0]); c.network_nodes[3 * i + 1] = mid.id(nn[1]); c.network_nodes[3 * i + 2] = bottom.id(nn[2]);
    names[i] = x.name;
    // Appending builds a rope the addon flattens once as it reads it: cheaper than join().
    if (i > 0) joined += '\n';
    joined += x.name;
  }
  return joined;
}

/**
 * The snapshot as the addon's columns: typed arrays per field, names joined by newlines, strings
 * interned into `ids` (filled here) and sent once as `strings`; also the names array.
 */
function toColumns(nodes: readonly NativeNode[], ids: Map<string, number>): { columns: Columns; names: string[] } {
  const columns = newColumns(nodes.length);
  const names: string[] = new Array(nodes.length);
  columns.names = fill(nodes, columns, names, ids);
  columns.strings = [...ids.keys()];
  return { columns, names };
}

/**
 * A snapshot of the cluster in the native core; places requests against it.
 *
 * For the scheduler cycle: `await new NativeTopology(nodes).placeManyAsync(requests)` with the
 * requests sorted by priority returns one NativePlacement per request, in order: each success takes
 * its slots out of a working copy before the next request is placed (one job per node it uses;
 * place=excl/exclhost holds the node exclusively), each failure carries its diagnosis (`never`:
 * it could not fit even with every node up, idle and free). The snapshot itself is not changed.
 * Same snapshot and requests, same answers.
 */
export class NativeTopology {
  /** For src/native's other modules (ranks, backfill): the addon object behind this snapshot. */
  readonly raw: RawTopology;
  readonly names: readonly string[];
  /**
   * For src/native's other modules: the string dictionary the snapshot crossed with (requests name
   * instance types by its ids; see wire.ts).
   */
  readonly ids: ReadonlyMap<string, number>;

  /** Builds the snapshot; throws NativeError EINVAL naming the first bad node field. */
  constructor(nodes: readonly NativeNode[]) {
    const Topology = loadAddon().Topology;
    const ids = new Map<string, number>();
    const { columns, names } = toColumns(nodes, ids);
    this.ids = ids;
    this.raw = call(() => new Topology(columns));
    this.names = names;
  }

  get size(): number { return this.raw.size; }
  /** Approximate bytes the native snapshot holds. */
  get bytes(): number { return this.#placer.bytes; }
  get #placer(): RawPlacer { return this.raw as unknown as RawPlacer; }

  /** Reused by the synchronous place(): the request crosses in `#in`, the answer comes back in `#out`. */
  #in = new Float64Array(64);
  #out = new Float64Array(64);

  #encode(rs: readonly NativeRequest[], batch: boolean, reuse = false): Float64Array {
    rs.forEach((r, i) => checkRequest(r, batch ? `requests[${i}]` : 'request'));
    const length = rs.reduce((n, r) => n + encodedLength(r), batch ? 1 : 0);
    if (reuse && this.#in.length < length) this.#in = new Float64Array(2 * length);
    const out = reuse ? this.#in : new Float64Array(length);
    let at = 0;
    if (batch) out[at++] = rs.length;
    for (const r of rs) at = encodeRequest(r, this.ids, out, at);
    return out;
  }

  /** Places one request synchronously (best fit; see placement.h). Throws NativeError EINVAL on a bad request. */
  place(r: NativeRequest): NativePlacement {
    const enc = this.#encode([r], false, true);
    const length = placementLength(r);
    if (this.#out.length < length) this.#out = new Float64Array(2 * length);
    let text: string;
    try { text = this.#placer.place(enc, this.#out); } catch (e) { throw asNativeError(e); }
    return decodePlacement(this.#out, 0, r, text)[0];
  }

  /** Places one request off the event loop, on an immutable copy of this snapshot. */
  async placeAsync(r: NativeRequest): Promise<NativePlacement> {
    const enc = this.#encode([r], false);
    try {
      const raw = await call(() => this.#placer.placeAsync(enc));
      return decodePlacement(raw.v, 0, r, raw.text)[0];
    } catch (e) { throw asNativeError(e); }
  }

  /** The batch (see the class comment), synchronously. */
  placeMany(rs: readonly NativeRequest[]): NativePlacement[] {
    const enc = this.#encode(rs, true);
    const raw = call(() => this.#placer.placeMany(enc));
    return decodeMany(raw, rs);
  }

  /** The batch off the event loop, on an immutable copy of this snapshot: what the daemon's cycle calls. */
  async placeManyAsync(rs: readonly NativeRequest[]): Promise<NativePlacement[]> {
    const enc = this.#encode(rs, true);
    try {
      return decodeMany(await call(() => this.#placer.placeManyAsync(enc)), rs);
    } catch (e) { throw asNativeError(e); }
  }

  /**
   * Takes resources on a node as a job starts (`exclusive`: the job holds the node, place=excl);
   * false, changing nothing, when it would over-commit.
   */
  allocate(node: number, ncpus: number, mem_bytes: number, ngpus: number, exclusive = false): boolean {
    return call(() => this.#placer.allocate(node, ncpus, mem_bytes, ngpus, exclusive));
  }
  /** Gives a finished job's resources back; false, changing nothing, when it would exceed the node. */
  release(node: number, ncpus: number, mem_bytes: number, ngpus: number): boolean { return call(() => this.raw.release(node, ncpus, mem_bytes, ngpus)); }
  /** Sets a node's free resources outright (clamped to its totals). */
  setFree(node: number, ncpus: number, mem_bytes: number, ngpus: number): void {
    checkCount('node', node, this.size - 1);
    call(() => this.#placer.setFree(node, ncpus, mem_bytes, ngpus));
  }
}

function decodeMany(raw: { v: Float64Array; texts: string[] }, rs: readonly NativeRequest[]): NativePlacement[] {
  const out: NativePlacement[] = [];
  let at = 1;
  rs.forEach((r, i) => { const [p, next] = decodePlacement(raw.v, at, r, raw.texts[i] ?? ''); out.push(p); at = next; });
  return out;
}

export { NativeError } from './addon.js';
export { rankFiles, type LauncherFiles, type RankOrder } from './ranks.js';
