/**
 * The first scheduler's planner: a pure function from a snapshot (pending jobs, nodes with their
 * free resources) to a plan (which jobs start now, on which nodes; why the others wait). It reads
 * no clock, store or network, so the same snapshot always gives the same plan. The topology-aware
 * native planner replaces `placeJob` later behind the same signature.
 *
 * Order: queue priority (high first), then job priority (-p, high first), then submit order.
 * A job that does not fit does not block later ones (no reservations yet: backfill comes later).
 */
import type { ChunkReq } from '../jobs/resources.js';
import type { Allocation } from '../jobs/model.js';

export interface NodeSnapshot {
  name: string;
  up: boolean;
  ncpus: number; mem_bytes: number; ngpus: number;
  free_ncpus: number; free_mem_bytes: number; free_ngpus: number;
  /** Jobs with a chunk here; an exclusive job makes the node unavailable to others. */
  njobs: number;
  exclusive: boolean;
}

export interface PendingJob {
  seq: number;
  queue_priority: number;
  priority: number;
  chunks: readonly ChunkReq[];
  place: string;
}

export interface Plan {
  starts: Array<{ seq: number; alloc: Allocation[] }>;
  /** Why each job that does not start waits, in PBS's words; `never` when no node could ever hold it. */
  waiting: Map<number, { reason: string; never: boolean }>;
}

/** Sort order of pending jobs: queue priority, job priority, then seq. */
export function compareJobs(a: PendingJob, b: PendingJob): number {
  return b.queue_priority - a.queue_priority || b.priority - a.priority || a.seq - b.seq;
}

interface Place { arrangement: 'free' | 'pack' | 'scatter' | 'vscatter'; exclusive: boolean }

export function parsePlaceSpec(place: string): Place {
  const parts = place.split(':');
  const arrangement = (parts.find((p) => ['free', 'pack', 'scatter', 'vscatter'].includes(p)) ?? 'free') as Place['arrangement'];
  return { arrangement, exclusive: parts.includes('excl') || parts.includes('exclhost') };
}

function fits(n: NodeSnapshot, c: ChunkReq, exclusive: boolean): boolean {
  if (!n.up || n.exclusive) return false;
  if (exclusive && n.njobs > 0) return false;
  return n.free_ncpus >= c.ncpus && n.free_mem_bytes >= c.mem_bytes && n.free_ngpus >= c.ngpus;
}

function take(n: NodeSnapshot, c: ChunkReq, exclusive: boolean): Allocation {
  n.free_ncpus -= c.ncpus; n.free_mem_bytes -= c.mem_bytes; n.free_ngpus -= c.ngpus;
  n.njobs += 1; if (exclusive) n.exclusive = true;
  return { node: n.name, ncpus: c.ncpus, mem_bytes: c.mem_bytes, ngpus: c.ngpus, mpiprocs: c.mpiprocs || 1 };
}

/** Expands `2:ncpus=4+1:ncpus=1` into one entry per chunk instance. */
function instances(chunks: readonly ChunkReq[]): ChunkReq[] {
  return chunks.flatMap((c) => Array.from({ length: c.count }, () => c));
}

/**
 * Places one job on a working copy of the nodes; returns its allocation or undefined, leaving
 * `nodes` changed only on success.
 */
export function placeJob(job: PendingJob, nodes: NodeSnapshot[]): Allocation[] | undefined {
  const place = parsePlaceSpec(job.place);
  const work = nodes.map((n) => ({ ...n }));
  const alloc: Allocation[] = [];
  const used = new Set<string>();
  const all = instances(job.chunks);
  if (place.arrangement === 'pack') {
    const sum: ChunkReq = { count: 1, ncpus: 0, mem_bytes: 0, ngpus: 0, mpiprocs: 0, ompthreads: 0, other: {} };
    for (const c of all) { sum.ncpus += c.ncpus; sum.mem_bytes += c.mem_bytes; sum.ngpus += c.ngpus; }
    const n = work.find((x) => fits(x, sum, place.exclusive));
    if (!n) return undefined;
    for (const c of all) alloc.push(take(n, c, place.exclusive));
  } else {
    const distinct = place.arrangement !== 'free';
    for (const c of all) {
      const n = work.find((x) => fits(x, c, place.exclusive) && !(distinct && used.has(x.name)));
      if (!n) return undefined;
      alloc.push(take(n, c, place.exclusive));
      used.add(n.name);
    }
  }
  work.forEach((w, i) => { nodes[i] = w; });
  return alloc;
}

/** Says why a job waits: which resource no node has enough of, now or ever. */
export function diagnose(job: PendingJob, nodes: readonly NodeSnapshot[]): { reason: string; never: boolean } {
  const up = nodes.filter((n) => n.up);
  if (up.length === 0) return { reason: 'Not Running: No available resources on nodes (no node is up)', never: false };
  const all = instances(job.chunks);
  const place = parsePlaceSpec(job.place);
  for (const res of ['ncpus', 'mem', 'ngpus'] as const) {
    const need = (c: ChunkReq): number => (res === 'ncpus' ? c.ncpus : res === 'mem' ? c.mem_bytes : c.ngpus);
    const total = (n: NodeSnapshot): number => (res === 'ncpus' ? n.ncpus : res === 'mem' ? n.mem_bytes : n.ngpus);
    const maxChunk = Math.max(...all.map(need));
    const biggest = Math.max(...nodes.map(total));
    const packNeed = all.reduce((s, c) => s + need(c), 0);
    if (maxChunk > biggest || (place.arrangement === 'pack' && packNeed > biggest)) {
      return { reason: `Can Never Run: Insufficient amount of resource: ${res} (R: ${place.arrangement === 'pack' ? packNeed : maxChunk} A: ${biggest} T: ${biggest})`, never: true };
    }
  }
  if (place.arrangement !== 'free' && place.arrangement !== 'pack' && all.length > nodes.length) {
    return { reason: `Can Never Run: Not enough total nodes available (R: ${all.length} T: ${nodes.length})`, never: true };
  }
  return { reason: 'Not Running: Insufficient amount of resource: ncpus', never: false };
}

/** The plan for one cycle. `nodes` is not modified. */
export function plan(jobs: readonly PendingJob[], nodes: readonly NodeSnapshot[]): Plan {
  const work = nodes.map((n) => ({ ...n }));
  const out: Plan = { starts: [], waiting: new Map() };
  for (const job of [...jobs].sort(compareJobs)) {
    const alloc = placeJob(job, work);
    if (alloc) out.starts.push({ seq: job.seq, alloc });
    else out.waiting.set(job.seq, diagnose(job, work));
  }
  return out;
}
