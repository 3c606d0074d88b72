/**
 * The node registry: every node fleetq has seen, whether its agent is connected, and its
 * resources. Persisted so that `pbsnodes` shows a node that is down after a restart. What is
 * assigned on a node is not stored: it is derived from the running jobs' allocations.
 */
import type { Store } from '../store/index.js';
import type { NodeSnapshot, PlacementFacts } from '../scheduler/plan.js';
import type { JobRecord } from '../jobs/model.js';
import { isActive } from '../jobs/model.js';
import { parsePlaceSpec } from '../scheduler/plan.js';

export interface NodeRecord {
  name: string;
  provider: string;
  host: string;
  arch: string;
  ncpus: number;
  mem_bytes: number;
  ngpus: number;
  up: boolean;
  offline: boolean;
  comment: string;
  last_state_change_unix: number;
  /** Where the node sits and what network it has (the placement core's view); empty when unknown. */
  topology: NodeTopology;
  /**
   * The queue the node serves alone ('' or absent: every queue not backed by a provider of its own),
   * as PBS's vnode `queue` attribute: an EC2 instance bought for a queue serves that queue.
   */
  queue?: string;
}

export interface NodeTopology extends PlacementFacts {
  /** NUMA domains (at least 1). */
  numa: number;
  /** The EC2 instance, when the agent runs on one ('' otherwise). */
  instance_id?: string;
  /** Physical cores (0 or absent = unknown, taken as ncpus). */
  cores?: number;
}

export const NO_TOPOLOGY: Readonly<NodeTopology> = Object.freeze({ efa: 0, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''] as [string, string, string], numa: 1 });

/** A node's topology from what its agent reported (missing layers as empty strings). */
export function topologyOf(r: { efa?: number; spot?: boolean; instance_type?: string; availability_zone?: string; placement_group?: string; network_nodes?: readonly string[]; numa?: number; instance_id?: string; cores?: number } | null | undefined): NodeTopology {
  const nn = r?.network_nodes ?? [];
  return {
    instance_id: r?.instance_id ?? '',
    efa: r?.efa ?? 0, spot: r?.spot ?? false, instance_type: r?.instance_type ?? '', az: r?.availability_zone ?? '', placement_group: r?.placement_group ?? '',
    network_nodes: [nn[0] ?? '', nn[1] ?? '', nn[2] ?? ''], numa: Math.max(1, r?.numa ?? 1), cores: r?.cores ?? 0,
  };
}

export interface NodeUsage { ncpus: number; mem_bytes: number; ngpus: number; jobs: string[]; exclusive: boolean }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStore = Store<any, NodeRecord, any>;

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeRecord>();

  constructor(private readonly store: AnyStore) {
    // Records from before topology was kept have none.
    for (const n of store.allNodes()) this.nodes.set(n.name, { ...n, topology: n.topology ?? { ...NO_TOPOLOGY }, up: false });
  }

  get(name: string): NodeRecord | undefined { return this.nodes.get(name); }
  list(): NodeRecord[] { return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })); }

  /** Records a node (new or changed) and whether it is up; durable on return. */
  async upsert(n: Omit<NodeRecord, 'last_state_change_unix' | 'offline' | 'comment' | 'topology'> & Partial<NodeRecord>): Promise<NodeRecord> {
    const old = this.nodes.get(n.name);
    const changed = !old || old.up !== n.up;
    const rec: NodeRecord = {
      offline: false, comment: '', topology: { ...NO_TOPOLOGY }, ...old, ...n,
      last_state_change_unix: changed ? Math.floor(Date.now() / 1000) : (old?.last_state_change_unix ?? 0),
    };
    this.nodes.set(rec.name, rec);
    await this.store.commit({ nodes: [rec] });
    return rec;
  }

  /** Takes a node out of (or back into) scheduling, with why: running jobs stay; nothing new starts. */
  async setOffline(name: string, offline: boolean, comment: string): Promise<void> {
    const n = this.nodes.get(name);
    if (n && (n.offline !== offline || n.comment !== comment)) await this.upsert({ ...n, offline, comment });
  }

  /** A node whose machine is gone (terminated): down and offline with why, in one commit. */
  async retire(name: string, why: string): Promise<void> {
    const n = this.nodes.get(name);
    if (n) await this.upsert({ ...n, up: false, offline: true, comment: why });
  }

  async setUp(name: string, up: boolean, comment = ''): Promise<void> {
    const n = this.nodes.get(name);
    if (n && (n.up !== up || n.comment !== comment)) await this.upsert({ ...n, up, comment });
  }

  /** What running jobs hold on each node. */
  usage(jobs: Iterable<JobRecord>): Map<string, NodeUsage> {
    const u = new Map<string, NodeUsage>();
    for (const j of jobs) {
      if (!isActive(j.state)) continue;
      const excl = parsePlaceSpec(j.resources?.place ?? '').exclusive;
      for (const a of j.alloc) {
        const x = u.get(a.node) ?? { ncpus: 0, mem_bytes: 0, ngpus: 0, jobs: [], exclusive: false };
        x.ncpus += a.ncpus; x.mem_bytes += a.mem_bytes; x.ngpus += a.ngpus;
        if (!x.jobs.includes(j.id)) x.jobs.push(j.id);
        x.exclusive ||= excl;
        u.set(a.node, x);
      }
    }
    return u;
  }

  /** The scheduler's view: free resources per node, in node-name order. */
  snapshot(jobs: Iterable<JobRecord>): NodeSnapshot[] {
    const u = this.usage(jobs);
    return this.list().map((n) => {
      const x = u.get(n.name);
      return {
        name: n.name, up: n.up && !n.offline, ncpus: n.ncpus, mem_bytes: n.mem_bytes, ngpus: n.ngpus,
        free_ncpus: n.ncpus - (x?.ncpus ?? 0), free_mem_bytes: n.mem_bytes - (x?.mem_bytes ?? 0), free_ngpus: n.ngpus - (x?.ngpus ?? 0),
        njobs: x?.jobs.length ?? 0, exclusive: x?.exclusive ?? false,
        efa: n.topology.efa, spot: n.topology.spot, instance_type: n.topology.instance_type, az: n.topology.az,
        placement_group: n.topology.placement_group, network_nodes: n.topology.network_nodes, numa: n.topology.numa,
        cores: n.topology.cores ?? 0, queue: n.queue ?? '',
      };
    });
  }
}
