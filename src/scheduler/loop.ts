/**
 * The scheduling cycle: on every submit and job end (coalesced) and on a timer, take a snapshot
 * of pending jobs and nodes, ask the policy for a plan (src/scheduler/plan.ts: the backfill policy
 * of each queue over a profile of running jobs' walltime ends, the code the trace simulator runs),
 * commit each start, then hand the started jobs to the launcher. One cycle runs at a time; a
 * trigger during a cycle runs one more after it.
 */
import type { JobService } from '../jobs/service.js';
import type { JobRecord } from '../jobs/model.js';
import type { NodeRegistry } from '../daemon/nodes.js';
import type { Logger } from '../util/log.js';
import { policyPlan, NO_ESTIMATE_S, type KeptReservation, type PolicyInput, type Plan, type Wait } from './plan.js';
import { assignCpus } from './cpus.js';

export interface Launcher { launch(job: JobRecord): void }

export interface CycleStats { pending: number; started: number; duration_ms: number }

export class SchedulerLoop {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  /** Resolves when the cycle in progress (if any) is done. */
  private current: Promise<void> = Promise.resolve();
  onCycle: ((s: CycleStats) => void) | undefined;
  /**
   * A job's priority total for ordering within its queue (src/scheduler/priority.ts: job priority,
   * age, fair-share); without it, the job's -p.
   */
  priority: ((job: JobRecord, now: number) => number) | undefined;
  /** New conservative reservations per cycle at most (scheduler.backfill_depth; 0 = no limit). */
  reservationLimit = 0;
  /**
   * Queues whose nodes are their own (a capacity provider buys nodes for them, such as EC2): each is
   * planned on its nodes alone; every other queue shares the nodes that serve no queue of their own.
   */
  ownNodes: ReadonlySet<string> = new Set();
  /** Queues another scheduler runs (a ParallelCluster head's Slurm): not planned here. */
  external: ReadonlySet<string> = new Set();
  /**
   * What a waiting job's comment says, when something knows better than the plan (a provider
   * buying nodes for it); undefined keeps the plan's reason.
   */
  explain: ((job: JobRecord, wait: Wait) => Wait | undefined) | undefined;
  /** Jobs left waiting by the cycle, with why (a provider may buy nodes for them). */
  onWaiting: ((waiting: ReadonlyArray<{ job: JobRecord; wait: Wait }>) => void) | undefined;
  /** Conservative reservations kept between cycles, by node pool and job seq (the profile is rebuilt each cycle). */
  private readonly kept = new Map<string, Map<number, KeptReservation>>();
  /** Unix seconds; tests may replace it. */
  clock: () => number = () => Math.floor(Date.now() / 1000);

  constructor(
    private readonly jobs: JobService,
    private readonly nodes: NodeRegistry,
    private readonly launcher: Launcher,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.timer.unref();
    this.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  /** Asks for a cycle soon; many triggers in one event-loop turn make one cycle. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.current = this.run(); });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        await this.cycle();
      } while (this.again && !this.stopped);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'scheduling cycle failed');
    } finally {
      this.running = false;
    }
  }

  /** One cycle. Exposed for tests. */
  async cycle(): Promise<CycleStats> {
    const t0 = performance.now();
    await this.jobs.promoteDeferred();
    const queues = this.jobs.queueList();
    const qindex = new Map(queues.map((q, i) => [q.name, i]));
    const now = this.clock();
    // Each node pool (a queue with nodes of its own, or the shared pool '') is planned apart.
    const pending = new Map<string, PolicyInput[]>();
    for (const { job: j, instances } of this.jobs.queuedWork()) {
      const q = this.jobs.queue(j.queue);
      if (!q?.started || this.external.has(q.name)) continue;
      const pool = this.ownNodes.has(q.name) ? q.name : '';
      if (!pending.has(pool)) pending.set(pool, []);
      pending.get(pool)!.push({
        seq: j.seq, instances, queue: qindex.get(q.name) ?? 0, queue_priority: q.priority, mode: q.backfill ?? 'easy',
        duration: (j.resources?.walltime_seconds ?? 0) || q.default_walltime_seconds || NO_ESTIMATE_S,
        priority: this.priority ? this.priority(j, now) : j.spec.priority,
        chunks: j.resources?.chunks ?? [], place: j.resources?.place ?? '',
      });
    }
    for (const pool of this.kept.keys()) if (!pending.has(pool)) this.kept.delete(pool);
    const npending = [...pending.values()].reduce((s, p) => s + p.length, 0);
    if (npending === 0) { this.onWaiting?.([]); return { pending: 0, started: 0, duration_ms: performance.now() - t0 }; }
    const active = [...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')];
    const all = this.nodes.snapshot(active);
    const p: Plan = { starts: [], waiting: new Map() };
    for (const [pool, jobs] of pending) {
      if (!this.kept.has(pool)) this.kept.set(pool, new Map());
      const part = policyPlan(jobs, all.filter((n) => (n.queue ?? '') === pool), active, now, this.kept.get(pool)!, this.reservationLimit);
      p.starts.push(...part.starts);
      for (const [seq, w] of part.waiting) p.waiting.set(seq, w);
    }
    const size = new Map(all.map((n) => [n.name, n.ncpus]));
    assignCpus(p.starts, active, (n) => size.get(n) ?? 0);
    const started = await Promise.all(p.starts.map((s) => this.jobs.start(s.seq, s.alloc)));
    for (const job of started) this.launcher.launch(job);
    const waiting = [...p.waiting].flatMap(([seq, wait]) => { const job = this.jobs.get(seq); return job ? [{ job, wait: this.explain?.(job, wait) ?? wait }] : []; });
    await Promise.all(waiting.map(({ job, wait }) => this.jobs.comment(job.seq, wait.reason, wait.estimate ?? 0)));
    this.onWaiting?.(waiting);
    const stats = { pending: npending, started: started.length, duration_ms: performance.now() - t0 };
    if (started.length > 0) this.log.debug(stats, 'cycle');
    this.onCycle?.(stats);
    return stats;
  }
}
