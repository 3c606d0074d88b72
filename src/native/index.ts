/**
 * The typed wrapper over the native core — the only module that loads the .node file. It checks
 * arguments before they cross (every field set, numbers in range), and turns native failures into
 * one error class with a string code. Knows nodes, chunks and slots, not jobs.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** What MPI launchers read, for one placement. */
export interface LauncherFiles { hostfile: string; rankfile: string; machinefile: string; nodefile: string }
export type RankOrder = 'slot' | 'node';

export class NativeError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) { super(message, options); this.name = 'NativeError'; }
}

interface RawTopology { ranks(slots: NativeSlot[], order: number): LauncherFiles; place(r: unknown): NativePlacement; placeAsync(r: unknown): Promise<NativePlacement>; allocate(n: number, c: number, m: number, g: number): boolean; release(n: number, c: number, m: number, g: number): boolean; readonly size: number }
interface Addon { Topology: new (columns: unknown) => RawTopology; abiVersion: number }

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let addon: Addon | undefined;

/**
 * Loads build/Release/fleetq_native.node (built by `npm ci` through cmake-js, or node-gyp), or the
 * file named by FLEETQ_NATIVE_ADDON (a developer's other build directory).
 */
export function loadAddon(): Addon {
  if (addon) return addon;
  const path = process.env['FLEETQ_NATIVE_ADDON'] || join(ROOT, 'build', 'Release', 'fleetq_native.node');
  if (!existsSync(path)) throw new NativeError('ENOADDON', `the native addon is not built (${path}); run npm run build:native`);
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new NativeError('ELOAD', `cannot load ${path}: ${(e as Error).message}`, { cause: e });
  }
  return addon;
}

const ARRANGEMENT: Record<Arrangement, number> = { free: 0, pack: 1, scatter: 2, vscatter: 3 };
const SHARING: Record<Sharing, number> = { shared: 0, excl: 1, exclhost: 2 };
const CAPACITY: Record<CapacityKind, number> = { any: 0, spot: 1, ondemand: 2 };

function checkCount(field: string, v: number, max = 2 ** 32 - 1): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new NativeError('EINVAL', `${field}: ${v} is not a whole number in 0..${max}`);
}

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
  private readonly raw: RawTopology;
  readonly names: readonly string[];

  constructor(nodes: readonly NativeNode[]) {
    nodes.forEach(checkNode);
    this.raw = new (loadAddon().Topology)(toColumns(nodes));
    this.names = nodes.map((n) => n.name);
  }

  get size(): number { return this.raw.size; }

  /** Places synchronously (for small clusters and tests). Same inputs, same answer. */
  place(r: NativeRequest): NativePlacement { return this.raw.place(toRaw(r)); }

  /** Places off the event loop, on an immutable copy of this snapshot. */
  placeAsync(r: NativeRequest): Promise<NativePlacement> { return this.raw.placeAsync(toRaw(r)); }

  /**
   * Lays MPI ranks out on placed slots (by slot: fill each node; by node: round-robin) and renders the
   * Open MPI hostfile and rankfile, the MPICH/Intel MPI machinefile and PBS_NODEFILE.
   */
  ranks(slots: readonly NativeSlot[], order: RankOrder = 'slot'): LauncherFiles {
    slots.forEach((s, i) => { for (const k of ['node', 'chunk', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`slots[${i}].${k}`, s[k]); });
    return this.raw.ranks([...slots], order === 'slot' ? 0 : 1);
  }

  /** Takes resources on a node as a job starts; false (changing nothing) when it would over-commit. */
  allocate(node: number, ncpus: number, mem_bytes: number, ngpus: number): boolean { return this.raw.allocate(node, ncpus, mem_bytes, ngpus); }
  release(node: number, ncpus: number, mem_bytes: number, ngpus: number): boolean { return this.raw.release(node, ncpus, mem_bytes, ngpus); }
}
