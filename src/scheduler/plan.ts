/**
 * The planner: a pure function from a snapshot (pending jobs, nodes with their free resources and
 * topology) to a plan (which jobs start now, on which nodes; why the others wait). It reads no
 * clock, store or network, so the same snapshot always gives the same plan. Placement itself is the
 * native core's (src/native): best fit on EC2's network layers, EFA, placement groups, exclusivity;
 * this module turns jobs into the core's requests and its answers into allocations and PBS comments.
 *
 * Order: queue priority (high first), then the job's priority total, then submit order; each
 * queue's backfilling (none, EASY, conservative) decides what may start ahead of a waiting job.
 */
import type { ChunkReq } from '../jobs/resources.js';
import type { Allocation } from '../jobs/model.js';
import { NativeTopology, type Arrangement, type CapacityKind, type NativeNode, type NativePlacement, type NativeRequest, type Sharing } from '../native/index.js';
import { NativeProfile, type BackfillMode } from '../native/backfill.js';
import { PolicyScheduler } from './policy.js';

/** Where a node sits and what network it has: what placement constraints are checked against. */
export interface PlacementFacts {
  /** EFA devices; 0 = ENA only. */
  efa: number;
  /** Instance lifecycle: spot, else on-demand. */
  spot: boolean;
  instance_type: string;
  az: string;
  placement_group: string;
  /** EC2 instance topology, top layer first; empty strings when unknown. */
  network_nodes: [string, string, string];
}

export interface NodeSnapshot extends PlacementFacts {
  name: string;
  up: boolean;
  ncpus: number; mem_bytes: number; ngpus: number;
  free_ncpus: number; free_mem_bytes: number; free_ngpus: number;
  /** Jobs with a chunk here; an exclusive job makes the node unavailable to others. */
  njobs: number;
  exclusive: boolean;
  /** Physical cores (the daemon's NodeTopology.cores); absent, 0 or above ncpus = unknown. */
  cores?: number;
  /** NUMA domains (the daemon's NodeTopology.numa); absent or not a whole number ≥ 1 = 1. */
  numa?: number;
  /** The queue the node serves alone ('' or absent: the shared pool). */
  queue?: string;
}

export interface Wait { reason: string; never: boolean; estimate?: number }

export interface Plan {
  starts: Array<{ seq: number; alloc: Allocation[] }>;
  /** Why each job that does not start waits, in PBS's words; `never` when no node could ever hold it. */
  waiting: Map<number, Wait>;
}

export interface PlaceSpec { arrangement: Arrangement; sharing: Sharing; exclusive: boolean; sameGroup: boolean }

/** `scatter:excl:group=placement_group` → its parts (checked at submit by jobs/resources). */
export function parsePlaceSpec(place: string): PlaceSpec {
  const parts = place.split(':');
  const arrangement = (parts.find((p) => ['free', 'pack', 'scatter', 'vscatter'].includes(p)) ?? 'free') as Arrangement;
  const sharing = (parts.find((p) => p === 'excl' || p === 'exclhost') ?? 'shared') as Sharing;
  return { arrangement, sharing, exclusive: sharing !== 'shared', sameGroup: parts.includes('group=placement_group') };
}

/** A job's chunks and place statement as the native core's request. */
export function nativeRequest(chunks: readonly ChunkReq[], place: string): NativeRequest {
  const p = parsePlaceSpec(place);
  return {
    chunks: chunks.map((c) => ({
      count: c.count, ncpus: c.ncpus, mem_bytes: c.mem_bytes, ngpus: c.ngpus, mpiprocs: c.mpiprocs || 1,
      efa: c.other['efa'] === 'true', instance_type: c.other['instance_type'] ?? '',
      capacity: (c.other['capacity'] ?? 'any') as CapacityKind,
    })),
    arrangement: p.arrangement, sharing: p.sharing, same_group: p.sameGroup,
  };
}

export function nativeNode(n: NodeSnapshot): NativeNode {
  return {
    name: n.name, ncpus: n.ncpus, free_ncpus: Math.max(0, n.free_ncpus), mem_bytes: n.mem_bytes, free_mem_bytes: Math.max(0, n.free_mem_bytes),
    ngpus: n.ngpus, free_ngpus: Math.max(0, n.free_ngpus), efa: n.efa, njobs: n.njobs, exclusive: n.exclusive, up: n.up, spot: n.spot,
    instance_type: n.instance_type, az: n.az, placement_group: n.placement_group, network_nodes: n.network_nodes,
    // Not in the snapshot yet: ENA bandwidth unknown, group strategy unknown.
    numa: n.numa !== undefined && (n.numa >>> 0) === n.numa && n.numa >= 1 ? n.numa : 1,
    // Cores as the agent found them; a node offering fewer cpus than its cores (--ncpus) counts as all cores.
    cores: n.cores !== undefined && (n.cores >>> 0) === n.cores && n.cores <= n.ncpus ? n.cores : 0,
    ena_gbps: 0, pg_strategy: '', pg_partition: -1,
  };
}

const NO_NODE_UP: Wait = { reason: 'Not Running: No available resources on nodes (no node is up)', never: false };

/** PBS's comment for a job the core could not place (on a cluster with a node up). */
export function waitFor(p: NativePlacement): Wait {
  return p.diagnosis.never
    ? { reason: `Can Never Run: ${p.diagnosis.text}`, never: true }
    : { reason: `Not Running: ${p.diagnosis.text}`, never: false };
}

/** The allocations of a placement: one per chunk instance, on named nodes. */
export function allocations(p: NativePlacement, nodes: readonly NodeSnapshot[]): Allocation[] {
  return p.slots.map((s) => ({ node: nodes[s.node]?.name ?? '', ncpus: s.ncpus, mem_bytes: s.mem_bytes, ngpus: s.ngpus, mpiprocs: s.mpiprocs }));
}

/** The estimate of a job without walltime (none asked, no queue default): a year, i.e. "long". */
export const NO_ESTIMATE_S = 365 * 86400;
/** Instances of one job array a cycle considers at most (each is one waiting entry). */
export const MAX_INSTANCES_PER_CYCLE = 1000;

/** A pending job as the policy plans it. */
export interface PolicyInput {
  seq: number;
  /** How many instances may start now (1; an array's queued subjobs up to its limit). */
  instances: number;
  /** Index of its queue (EASY keeps one reservation per queue), its priority and its backfill mode. */
  queue: number;
  queue_priority: number;
  mode: BackfillMode;
  /** Estimate (walltime) in seconds. */
  duration: number;
  /** Priority total within the queue (higher first). */
  priority: number;
  chunks: readonly ChunkReq[];
  place: string;
}

/** A running job as the profile sees it: its slots are given back at start + walltime. */
export interface RunningJob {
  start_time_unix: number;
  alloc: readonly Allocation[];
  resources?: { walltime_seconds: number; place: string } | null;
}

/** A conservative reservation kept between cycles, by node name (the node list may change). */
export interface KeptReservation { start: number; end: number; exclusive: boolean; slots: Array<{ node: string; ncpus: number; mem_bytes: number; ngpus: number }> }

const BLOCKED: Wait = { reason: 'Not Running: a job ahead of it is waiting for resources (starting this one would delay it)', never: false };

/**
 * The plan for one cycle at `now`: a backfill profile of the nodes with each running job's slots
 * given back at its walltime end and the kept conservative reservations booked again, then the
 * policy cycle (src/scheduler/policy.ts, the native core) over the pending jobs — queue priority,
 * then priority, then submit order; each queue's backfill mode. `kept` is read and replaced with the
 * conservative reservations made now; `reservationLimit` bounds the new ones per cycle (0 = none).
 * Comments for jobs that wait come from placing them, in order, on what is free now after the starts.
 */
export function policyPlan(jobs: readonly PolicyInput[], nodes: readonly NodeSnapshot[], running: readonly RunningJob[], now: number, kept: Map<number, KeptReservation>, reservationLimit = 0): Plan {
  const out: Plan = { starts: [], waiting: new Map() };
  if (jobs.length === 0) return out;
  if (!nodes.some((n) => n.up)) {
    for (const j of jobs) out.waiting.set(j.seq, NO_NODE_UP);
    kept.clear();
    return out;
  }
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const topo = new NativeTopology(nodes.map(nativeNode));
  const profile = new NativeProfile(topo, now);
  for (const r of running) {
    const slots = r.alloc.filter((a) => index.has(a.node)).map((a) => ({ node: index.get(a.node)!, chunk: 0, ncpus: a.ncpus, mem_bytes: a.mem_bytes, ngpus: a.ngpus, mpiprocs: a.mpiprocs || 1 }));
    if (slots.length > 0) profile.addRunning(r.start_time_unix + (r.resources?.walltime_seconds || NO_ESTIMATE_S), slots, parsePlaceSpec(r.resources?.place ?? '').exclusive);
  }
  const sched = new PolicyScheduler(profile, 'priority');
  const work: Array<{ job: PolicyInput; request: NativeRequest; first: boolean }> = [];
  for (const j of [...jobs].sort((a, b) => a.seq - b.seq)) {
    const request = nativeRequest(j.chunks, j.place);
    for (let i = 0; i < Math.min(j.instances, MAX_INSTANCES_PER_CYCLE); i++) {
      const key = work.length;
      work.push({ job: j, request, first: i === 0 });
      const reservation = i === 0 && j.mode === 'conservative' ? rebook(profile, kept.get(j.seq), index, j.duration, now) : 0;
      sched.add({ key, duration: j.duration, mode: j.mode, queue: j.queue, queue_priority: j.queue_priority, priority: j.priority }, request, reservation);
    }
  }
  // A kept reservation the core leaves where it was comes back with no slots (its booking did not
  // change): its slots are the ones it was booked with, read from here (else the next cycle would
  // book it with nothing, and later jobs would be planned through it).
  const before = new Map(kept);
  kept.clear();
  const started: Array<{ slots: NativePlacement['slots']; exclusive: boolean }> = [];
  const decisions = sched.cycle((key, _booking, placement) => {
    const w = work[key]!;
    if (!placement) return;
    out.starts.push({ seq: w.job.seq, alloc: allocations(placement, nodes) });
    started.push({ slots: placement.slots, exclusive: parsePlaceSpec(w.job.place).exclusive });
  }, true, reservationLimit) ?? [];
  // What is free now, after the starts: the comments of waiting jobs are diagnosed against it.
  for (const s of started) for (const sl of s.slots) topo.allocate(sl.node, sl.ncpus, sl.mem_bytes, sl.ngpus, s.exclusive);
  const waiting = decisions.filter((d) => d.action !== 'start' && work[d.key]!.first);
  const diag = topo.placeMany(waiting.map((d) => work[d.key]!.request));
  waiting.forEach((d, i) => {
    const w = work[d.key]!;
    if (d.action === 'never' && d.placement) { out.waiting.set(w.job.seq, waitFor(d.placement)); return; }
    const p = diag[i]!;
    const wait = p.ok ? BLOCKED : waitFor(p);
    out.waiting.set(w.job.seq, d.action === 'reserve' ? { ...wait, estimate: d.start } : wait);
    if (d.action === 'reserve' && w.job.mode === 'conservative') {
      const slots = d.placement && d.placement.slots.length > 0
        ? d.placement.slots.map((sl) => ({ node: nodes[sl.node]?.name ?? '', ncpus: sl.ncpus, mem_bytes: sl.mem_bytes, ngpus: sl.ngpus }))
        : before.get(w.job.seq)?.slots ?? [];
      if (slots.length > 0) kept.set(w.job.seq, { start: d.start, end: d.start + Math.max(1, w.job.duration), exclusive: parsePlaceSpec(w.job.place).exclusive, slots });
    }
  });
  return out;
}

/** A kept reservation booked again in a new profile (0 when its nodes are gone or it no longer fits: it is planned afresh). */
function rebook(profile: NativeProfile, k: KeptReservation | undefined, index: ReadonlyMap<string, number>, duration: number, now: number): number {
  if (!k || k.slots.some((s) => !index.has(s.node))) return 0;
  const start = Math.max(k.start, now);
  const slots = k.slots.map((s) => ({ node: index.get(s.node)!, chunk: 0, ncpus: s.ncpus, mem_bytes: s.mem_bytes, ngpus: s.ngpus, mpiprocs: 1 }));
  const b = profile.reserve(start, start + Math.max(1, duration), slots, k.exclusive);
  return b.ok ? b.id : 0;
}

/**
 * What can ever run on a fixed cluster of these nodes (taken as all up and idle): the returned
 * check gives undefined when a request can, else the core's reason ("2 nodes too small"). The
 * daemon refuses at submit what can never run. The topology is built once, here.
 */
export function feasibility(nodes: readonly NodeSnapshot[]): (chunks: readonly ChunkReq[], place: string) => string | undefined {
  if (nodes.length === 0) return () => undefined;
  const idle = nodes.map((n) => nativeNode({ ...n, up: true, free_ncpus: n.ncpus, free_mem_bytes: n.mem_bytes, free_ngpus: n.ngpus, njobs: 0, exclusive: false }));
  const topo = new NativeTopology(idle);
  return (chunks, place) => {
    const p = topo.place(nativeRequest(chunks, place));
    return p.ok ? undefined : p.diagnosis.text;
  };
}
