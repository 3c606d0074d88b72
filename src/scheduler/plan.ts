/**
 * The planner: a pure function from a snapshot (pending jobs, nodes with their free resources and
 * topology) to a plan (which jobs start now, on which nodes; why the others wait). It reads no
 * clock, store or network, so the same snapshot always gives the same plan. Placement itself is the
 * native core's (src/native): best fit on EC2's network layers, EFA, placement groups, exclusivity;
 * this module turns jobs into the core's requests and its answers into allocations and PBS comments.
 *
 * Order: queue priority (high first), then job priority (-p, high first), then submit order.
 * A job that does not fit does not block later ones (reservations and backfill come with the
 * scheduling-policy work).
 */
import type { ChunkReq } from '../jobs/resources.js';
import type { Allocation } from '../jobs/model.js';
import { NativeTopology, type Arrangement, type CapacityKind, type NativeNode, type NativePlacement, type NativeRequest, type Sharing } from '../native/index.js';

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
  /** NUMA domains (the daemon's NodeTopology.numa); absent or not a whole number ≥ 1 = 1. */
  numa?: number;
}

export interface PendingJob {
  seq: number;
  queue_priority: number;
  priority: number;
  chunks: readonly ChunkReq[];
  place: string;
}

export interface Wait { reason: string; never: boolean }

export interface Plan {
  starts: Array<{ seq: number; alloc: Allocation[] }>;
  /** Why each job that does not start waits, in PBS's words; `never` when no node could ever hold it. */
  waiting: Map<number, Wait>;
}

/** Sort order of pending jobs: queue priority, job priority, then seq. */
export function compareJobs(a: PendingJob, b: PendingJob): number {
  return b.queue_priority - a.queue_priority || b.priority - a.priority || a.seq - b.seq;
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
    // Not in the snapshot yet: cores unknown (= ncpus), ENA bandwidth unknown, group strategy unknown.
    numa: n.numa !== undefined && (n.numa >>> 0) === n.numa && n.numa >= 1 ? n.numa : 1,
    cores: 0, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
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

/**
 * The plan for one cycle: the jobs in priority order, placed one after the other by the native core
 * on a working copy (off the event loop). `nodes` is not modified.
 */
export async function plan(jobs: readonly PendingJob[], nodes: readonly NodeSnapshot[]): Promise<Plan> {
  const out: Plan = { starts: [], waiting: new Map() };
  if (jobs.length === 0) return out;
  const sorted = [...jobs].sort(compareJobs);
  if (!nodes.some((n) => n.up)) {
    for (const j of sorted) out.waiting.set(j.seq, NO_NODE_UP);
    return out;
  }
  const topo = new NativeTopology(nodes.map(nativeNode));
  const placements = await topo.placeManyAsync(sorted.map((j) => nativeRequest(j.chunks, j.place)));
  sorted.forEach((j, i) => {
    const p = placements[i];
    if (p?.ok) out.starts.push({ seq: j.seq, alloc: allocations(p, nodes) });
    else if (p) out.waiting.set(j.seq, waitFor(p));
  });
  return out;
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
