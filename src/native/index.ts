/**
 * The typed wrapper over the native core — the only module that loads the .node file. It checks
 * arguments before they cross (every field set, numbers in range), and turns native failures into
 * one error class with a string code. Knows nodes, chunks and slots, not jobs.
 */
import { call, asNativeError, checkCount, loadAddon, NativeError, type RawTopology } from './addon.js';

export type Arrangement = 'free' | 'pack' | 'scatter' | 'vscatter';
export type Sharing = 'shared' | 'excl' | 'exclhost';
export type CapacityKind = 'any' | 'spot' | 'ondemand';

/** A node as the core sees it. Every field is set (no optional fields cross the boundary). */
export interface NativeNode {
  name: string;
  ncpus: number; free_ncpus: number;
  mem_bytes: number; free_mem_bytes: number;
  ngpus: number; free_ngpus: number;
  efa: number;
  njobs: number;
  exclusive: boolean;
  up: boolean;
  spot: boolean;
  instance_type: string;
  az: string;
  placement_group: string;
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
  slots: NativeSlot[];
  /** 0 = one bottom network node … 3 = across the cluster. */
  level: number;
  stranded: number;
  diagnosis: { never: boolean; text: string; nodes: Record<string, number> };
}

const ARRANGEMENT: Record<Arrangement, number> = { free: 0, pack: 1, scatter: 2, vscatter: 3 };
const SHARING: Record<Sharing, number> = { shared: 0, excl: 1, exclhost: 2 };
const CAPACITY: Record<CapacityKind, number> = { any: 0, spot: 1, ondemand: 2 };

function checkNode(n: NativeNode, i: number): void {
  for (const k of ['ncpus', 'free_ncpus', 'ngpus', 'free_ngpus', 'efa', 'njobs'] as const) checkCount(`nodes[${i}].${k}`, n[k]);
  for (const k of ['mem_bytes', 'free_mem_bytes'] as const) checkCount(`nodes[${i}].${k}`, n[k], Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(n.network_nodes) || n.network_nodes.length !== 3) throw new NativeError('EINVAL', `nodes[${i}].network_nodes: three layers are required`);
}

function toRaw(r: NativeRequest): unknown {
  if (r.chunks.length === 0) throw new NativeError('EINVAL', 'request.chunks: at least one chunk is required');
  r.chunks.forEach((c, i) => {
    for (const k of ['count', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`chunks[${i}].${k}`, c[k]);
    checkCount(`chunks[${i}].mem_bytes`, c.mem_bytes, Number.MAX_SAFE_INTEGER);
    if (c.count < 1) throw new NativeError('EINVAL', `chunks[${i}].count: at least 1`);
  });
  return { chunks: r.chunks.map((c) => ({ ...c, capacity: CAPACITY[c.capacity] })), arrangement: ARRANGEMENT[r.arrangement], sharing: SHARING[r.sharing], same_group: r.same_group };
}

/** Nodes as columns: typed arrays per field and strings interned once, so a snapshot crosses cheaply. */
function toColumns(nodes: readonly NativeNode[]): Record<string, unknown> {
  const n = nodes.length;
  const ids = new Map<string, number>();
  const id = (s: string): number => { if (s === '') return -1; let v = ids.get(s); if (v === undefined) { v = ids.size; ids.set(s, v); } return v; };
  const u32 = (): Uint32Array => new Uint32Array(n);
  const c = {
    names: nodes.map((x) => x.name), ncpus: u32(), free_ncpus: u32(), ngpus: u32(), free_ngpus: u32(), efa: u32(), njobs: u32(),
    mem: new Float64Array(n), free_mem: new Float64Array(n), flags: new Uint8Array(n),
    instance_type: new Int32Array(n), az: new Int32Array(n), placement_group: new Int32Array(n), network_nodes: new Int32Array(3 * n),
  };
  nodes.forEach((x, i) => {
    c.ncpus[i] = x.ncpus; c.free_ncpus[i] = x.free_ncpus; c.ngpus[i] = x.ngpus; c.free_ngpus[i] = x.free_ngpus;
    c.efa[i] = x.efa; c.njobs[i] = x.njobs; c.mem[i] = x.mem_bytes; c.free_mem[i] = x.free_mem_bytes;
    c.flags[i] = (x.up ? 1 : 0) | (x.spot ? 2 : 0) | (x.exclusive ? 4 : 0);
    c.instance_type[i] = id(x.instance_type); c.az[i] = id(x.az); c.placement_group[i] = id(x.placement_group);
    for (let l = 0; l < 3; l++) c.network_nodes[3 * i + l] = id(x.network_nodes[l] ?? '');
  });
  return { ...c, strings: [...ids.keys()] };
}

/** A snapshot of the cluster in the native core; places requests against it. */
export class NativeTopology {
  /** For src/native's other modules (ranks, backfill): the addon object behind this snapshot. */
  readonly raw: RawTopology;
  readonly names: readonly string[];

  constructor(nodes: readonly NativeNode[]) {
    nodes.forEach(checkNode);
    const Topology = loadAddon().Topology;
    this.raw = call(() => new Topology(toColumns(nodes)));
    this.names = nodes.map((n) => n.name);
  }

  get size(): number { return this.raw.size; }

  /** Places synchronously (for small clusters and tests). Same inputs, same answer. */
  place(r: NativeRequest): NativePlacement { const raw = toRaw(r); return call(() => this.raw.place(raw) as NativePlacement); }

  /** Places off the event loop, on an immutable copy of this snapshot. */
  async placeAsync(r: NativeRequest): Promise<NativePlacement> {
    const raw = toRaw(r);
    try { return await call(() => this.raw.placeAsync(raw)) as NativePlacement; } catch (e) { throw asNativeError(e); }
  }

  /** Takes resources on a node as a job starts; false (changing nothing) when it would over-commit. */
  allocate(node: number, ncpus: number, mem_bytes: number, ngpus: number): boolean { return call(() => this.raw.allocate(node, ncpus, mem_bytes, ngpus)); }
  release(node: number, ncpus: number, mem_bytes: number, ngpus: number): boolean { return call(() => this.raw.release(node, ncpus, mem_bytes, ngpus)); }
}

export { NativeError } from './addon.js';
export { rankFiles, type LauncherFiles, type RankOrder } from './ranks.js';
