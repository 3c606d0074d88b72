/**
 * The daemon's side of EC2-backed queues: it joins the EC2 provider (src/capacity/ec2, which knows
 * EC2) to the scheduler (which knows jobs). After each cycle, a job of such a queue that the plan
 * left waiting gets nodes bought for it (`Ec2Provider.grow`), once, with the provider's backoff when
 * capacity is short; its comment says how that goes. An instance's agent registers with its
 * instance id and its node then serves the instance's queue alone. A node idle past its queue's
 * idle_time is terminated, as is an instance whose agent never came.
 */
import type { JobRecord } from '../jobs/model.js';
import type { JobService } from '../jobs/service.js';
import type { ChunkReq } from '../jobs/resources.js';
import type { Logger } from '../util/log.js';
import type { Wait } from '../scheduler/plan.js';
import type { Ec2QueueConfig } from '../capacity/ec2/config.js';
import { demandOf } from '../capacity/ec2/fleet.js';
import type { Ec2Instance, Ec2Provider } from '../capacity/ec2/provider.js';
import type { NodeRegistry } from './nodes.js';

export interface Ec2CapacityDeps {
  provider: Ec2Provider;
  queues: ReadonlyMap<string, Ec2QueueConfig>;
  jobs: JobService;
  nodes: NodeRegistry;
  log: Logger;
  /** Asks for a scheduling cycle (a job's comment changed, a node came or went). */
  trigger(): void;
  /** How long an instance may take from launch to its agent's registration before it is given up (ms). */
  bootTimeoutMs: number;
  /** How often idle nodes and lost instances are looked for (ms). */
  checkMs: number;
  /** How often EC2 is asked which of the cluster's instances still exist (ms). */
  reconcileMs: number;
  /** A node whose instance is gone (terminated or reclaimed outside fleetq): down, and its jobs handled as a lost node's. */
  nodeLost(node: string, why: string): Promise<void>;
}


export class Ec2Capacity {
  /** What each waiting job's nodes are doing, as its comment says it. */
  private readonly status = new Map<string, { text: string; never: boolean }>();
  private readonly buying = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  /** Instance → when it was last busy (or first seen): its idle time counts from there. */
  private readonly busySince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(private readonly d: Ec2CapacityDeps) {}

  async start(): Promise<void> {
    await this.d.provider.start();
    const owned = this.d.provider.instances();
    if (owned.length > 0) this.d.log.info({ instances: owned.map((i) => `${i.id}/${i.queue}/${i.job}/${i.state}`) }, 'EC2 instances of this cluster found at start');
    this.timer = setInterval(() => { void this.check().catch((e: Error) => this.d.log.error({ err: e.message }, 'EC2 check failed')); }, this.d.checkMs);
    this.timer.unref();
    this.sweeper = setInterval(() => { void this.sweep().catch((e: Error) => this.d.log.error({ err: e.message }, 'EC2 reconcile failed')); }, this.d.reconcileMs);
    this.sweeper.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); if (this.sweeper) clearInterval(this.sweeper); }

  /**
   * Instances gone from EC2 without fleetq terminating them (a spot reclaim, a user, an
   * instance-stop): their nodes go down and their jobs are handled as for any lost node, without
   * waiting for the agent's silence. An instance launched less than two reconcile intervals ago
   * (10 s at least, two minutes at most), or while the listing was asked for, is not judged yet:
   * EC2's listing may not show it so soon.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const gone: Ec2Instance[] = [];
    try {
      await this.d.provider.reconcile(Math.min(120, Math.max(10, Math.ceil((2 * this.d.reconcileMs) / 1000))), gone);
    } finally { this.sweeping = false; }
    if (gone.length === 0) return;
    const byInstance = new Map(this.d.nodes.list().filter((n) => n.topology.instance_id).map((n) => [n.topology.instance_id ?? '', n.name]));
    for (const i of gone) {
      this.busySince.delete(i.id);
      const node = byInstance.get(i.id);
      this.d.log.warn({ instance: i.id, node, queue: i.queue, job: i.job }, 'instance gone from EC2 outside fleetq');
      if (node) await this.d.nodeLost(node, `instance ${i.id} was terminated outside fleetq`);
    }
    this.d.trigger();
  }

  /** The queue an instance was bought for ('' when it is not this cluster's). */
  queueOf(instanceId: string): string {
    return this.d.provider.instance(instanceId)?.queue ?? '';
  }

  /**
   * An instance's network nodes (DescribeInstanceTopology), for a node whose agent registered none
   * (the metadata service does not tell them): [] when EC2 has none for it (its type has no
   * topology) or the call fails.
   */
  networkNodes(instanceId: string): Promise<string[]> {
    if (instanceId === '' || this.queueOf(instanceId) === '') return Promise.resolve([]);
    // The nodes of one fleet register within moments of each other: one call asks for all of them.
    return new Promise((resolve) => {
      this.topologyWanted.set(instanceId, [...(this.topologyWanted.get(instanceId) ?? []), resolve]);
      this.topologyTimer ??= setTimeout(() => { void this.askTopology(); }, 200);
    });
  }

  private readonly topologyWanted = new Map<string, Array<(nn: string[]) => void>>();
  private topologyTimer: NodeJS.Timeout | undefined;

  private async askTopology(): Promise<void> {
    const wanted = new Map(this.topologyWanted);
    this.topologyWanted.clear();
    this.topologyTimer = undefined;
    let found = new Map<string, string[]>();
    try {
      found = await this.d.provider.networkNodes([...wanted.keys()]);
    } catch (e) {
      this.d.log.warn({ instances: [...wanted.keys()], err: (e as Error).message }, 'DescribeInstanceTopology failed: the nodes are placed without their network layers');
    }
    for (const [id, waiters] of wanted) for (const w of waiters) w(found.get(id) ?? []);
  }

  /** At submit: a request an EC2 queue can never meet is refused with why (no type fits, over max_nodes). */
  admit(chunks: readonly ChunkReq[], place: string, queue: string): string | undefined {
    return this.d.provider.feasible(demandOf('', queue, chunks, place));
  }

  /** The comment of a waiting job of an EC2 queue, while nodes are being bought for it. */
  explain(job: JobRecord, wait: Wait): Wait | undefined {
    if (!this.d.queues.has(job.queue)) return undefined;
    const s = this.status.get(job.id);
    return s ? { reason: `${s.never ? 'Can Never Run' : 'Not Running'}: ${s.text}`, never: s.never } : wait.never ? wait : undefined;
  }

  /** After a cycle: jobs of EC2 queues left waiting get nodes bought for them. */
  onWaiting(waiting: ReadonlyArray<{ job: JobRecord }>): void {
    const now = Date.now();
    const still = new Set<string>();
    for (const { job } of waiting) {
      if (!this.d.queues.has(job.queue) || job.state !== 'JOB_STATE_QUEUED') continue;
      still.add(job.id);
      if (this.buying.has(job.id) || (this.retryAt.get(job.id) ?? 0) > now) continue;
      const mine = this.d.provider.instances({ job: job.id }).filter((i) => i.state === 'pending' || i.state === 'running');
      const demand = demandOf(job.id, job.queue, job.resources?.chunks ?? [], job.resources?.place ?? '');
      if (mine.length >= demand.nodes) continue; // bought: waiting for their agents
      void this.buy(job);
    }
    // Jobs no longer waiting (started, deleted) need no status.
    for (const id of this.status.keys()) if (!still.has(id) && !this.buying.has(id)) { this.status.delete(id); this.retryAt.delete(id); }
  }

  private async buy(job: JobRecord): Promise<void> {
    const demand = demandOf(job.id, job.queue, job.resources?.chunks ?? [], job.resources?.place ?? '');
    this.buying.add(job.id);
    this.status.set(job.id, { text: `buying ${demand.nodes} EC2 node(s)`, never: false });
    try {
      const r = await this.d.provider.grow(demand);
      if (r.ok) {
        const now = Date.now();
        for (const i of r.instances) this.busySince.set(i.id, now);
        this.status.set(job.id, { text: `waiting for its ${r.instances.length} EC2 instance(s) to start (${r.instances.map((i) => i.id).join(', ')})`, never: false });
        this.retryAt.delete(job.id);
      } else if (r.retryAfterMs > 0) {
        this.retryAt.set(job.id, Date.now() + r.retryAfterMs);
        this.status.set(job.id, { text: `no EC2 capacity: ${r.why}; trying again in ${Math.round(r.retryAfterMs / 1000)} s`, never: false });
        setTimeout(() => this.d.trigger(), r.retryAfterMs).unref();
      } else {
        this.retryAt.set(job.id, Number.MAX_SAFE_INTEGER);
        this.status.set(job.id, { text: `EC2 cannot provide its nodes: ${r.why}`, never: true });
      }
    } catch (e) {
      // The API itself failed (unreachable, throttled, refused): try again later.
      this.retryAt.set(job.id, Date.now() + 30_000);
      this.status.set(job.id, { text: `EC2 API error: ${(e as Error).message}; trying again in 30 s`, never: false });
      this.d.log.error({ job: job.id, err: (e as Error).message }, 'buying EC2 nodes failed');
      setTimeout(() => this.d.trigger(), 30_000).unref();
    } finally {
      this.buying.delete(job.id);
      this.d.trigger();
    }
  }

  /**
   * Idle nodes past their queue's idle_time are terminated, and instances whose agent never
   * registered within the boot timeout (and whose job no longer waits for them).
   */
  async check(now = Date.now()): Promise<void> {
    const byInstance = new Map(this.d.nodes.list().filter((n) => n.topology.instance_id).map((n) => [n.topology.instance_id ?? '', n]));
    const busy = new Set([...this.d.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')].flatMap((j) => j.alloc.map((a) => a.node)));
    const idle: Ec2Instance[] = [];
    const lost: Ec2Instance[] = [];
    for (const i of this.d.provider.instances()) {
      const cfg = this.d.queues.get(i.queue);
      if (!cfg) continue;
      const node = byInstance.get(i.id);
      const since = this.busySince.get(i.id) ?? (this.busySince.set(i.id, now), now);
      if (node && busy.has(node.name)) { this.busySince.set(i.id, now); continue; }
      if (!node || !node.up) {
        if (now - since > this.d.bootTimeoutMs) lost.push(i);
        continue;
      }
      if (now - since >= cfg.idle_time_s * 1000) idle.push(i);
    }
    if (idle.length > 0) await this.release(idle, byInstance, 'idle past its queue\'s idle_time');
    if (lost.length > 0) await this.release(lost, byInstance, 'its agent never registered');
  }

  private async release(list: Ec2Instance[], byInstance: Map<string, { name: string }>, why: string): Promise<void> {
    await this.d.provider.terminate(list.map((i) => i.id), why);
    for (const i of list) {
      this.busySince.delete(i.id);
      const node = byInstance.get(i.id);
      if (node) await this.d.nodes.retire(node.name, `terminated: ${why}`);
    }
    this.d.trigger();
  }

  /**
   * A job that ran on this provider's nodes has finished: its node-seconds by instance type and
   * lifecycle, and their price, go in its record (resources_used.node_seconds and .cost).
   */
  async account(job: JobRecord): Promise<void> {
    const seconds: Record<string, number> = {};
    let usd = 0;
    const walltime = job.used_walltime_seconds || Math.max(0, job.end_time_unix - job.start_time_unix);
    for (const name of new Set(job.alloc.map((a) => a.node))) {
      const n = this.d.nodes.get(name);
      if (!n || !this.d.queues.has(n.queue ?? '')) continue;
      const lifecycle = n.topology.spot ? 'spot' : 'on-demand';
      const key = `${n.topology.instance_type}/${lifecycle}`;
      seconds[key] = (seconds[key] ?? 0) + Number(walltime);
      const perHour = await this.d.provider.price({ type: n.topology.instance_type, zone: n.topology.az, lifecycle, queue: n.queue ?? '' }).catch(() => 0);
      usd += (perHour * Number(walltime)) / 3600;
    }
    if (Object.keys(seconds).length > 0) await this.d.jobs.recordCost(job.id, seconds, usd);
  }

  /** A node gone from outside (interrupted, terminated): its instance is terminated if it is not already, and forgotten. */
  async nodeGone(instanceId: string, why: string): Promise<void> {
    if (this.d.provider.instance(instanceId)) await this.d.provider.terminate([instanceId], why);
    this.busySince.delete(instanceId);
  }
}
