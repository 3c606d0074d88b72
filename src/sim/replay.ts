/**
 * Trace replay: the scheduler's policy (src/scheduler/policy.ts) and the native core's backfill
 * profile — the code the daemon's cycle runs — driven by a workload trace on a virtual clock. No
 * sleeping, no store: jobs live in arrays. The clock jumps from event to event (submits and ends);
 * at each instant every end is processed first (its booking released, so its processors are free
 * at once), then every submit, then one scheduling cycle.
 *
 * The machine is one node of `procs` processors: SWF traces know processors, not nodes, so a job
 * asks for one chunk of its processor count. A job runs its trace run time; its estimate (the
 * profile's booking) is the trace's requested time, which may be shorter: such a job is overdue and
 * held until it ends (the profile treats it as ending one second later, as the daemon would until
 * walltime kills it).
 *
 * Dependencies: a job whose SWF record names a preceding job (field 17) in the trace is submitted
 * only once that job has ended, plus its think time (field 18), or at its own submit time if that
 * is later; its wait counts from then (`submit` of its finished record).
 */
import { NativeTopology, type NativeRequest } from '../native/index.js';
import { NativeProfile, type BackfillMode } from '../native/backfill.js';
import { nativeReplay, type NativeTraceJob } from '../native/replay.js';
import { PolicyScheduler, type Order } from '../scheduler/policy.js';
import type { SwfJob } from './swf.js';
import type { FinishedJob } from './metrics.js';

export interface ReplayOptions {
  policy: BackfillMode;
  order: Order;
  /** The machine's processors. */
  procs: number;
  /** Called every so often with jobs finished so far (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Order 'priority': the priority total of waiting job `i` at `now` (higher first); the replay
   * calls it for every waiting job at every cycle. Without it every job has priority 0 (fcfs).
   */
  priorityOf?: (job: SwfJob, now: number) => number;
  /** Told of each job's end (e.g. to charge fair-share usage). */
  onEnd?: (job: SwfJob, start: number, end: number) => void;
  /** Record queue length and busy processors at every event (for --plot). */
  timeline?: boolean;
  /**
   * Told every cycle's reservations (job index, reserved start) at `now` — for tests of the
   * policies' promises; the cycles then decode every decision, which is slower.
   */
  onReserve?: (now: number, job: number, start: number) => void;
  /**
   * Which event loop: 'native' (native/include/fleetq/replay.h — no crossing per event; fcfs and
   * sjf orders, no hooks), 'ts' (this file's, driving src/scheduler/policy.ts as the daemon does), or
   * 'auto' (the default): native when it can. Both give the same schedule (test/sim/replay.test.ts).
   */
  engine?: 'auto' | 'native' | 'ts';
}

export interface TimelinePoint { t: number; queued: number; busy: number }

export interface ReplayResult {
  /** Per job, in trace order. */
  finished: FinishedJob[];
  /** Seconds of the simulation loop (the profile and scheduler set-up included, parsing not). */
  wall_s: number;
  cycles: number;
  /** earliest-start sweeps the native core made in all cycles. */
  checks: number;
  timeline: TimelinePoint[];
}

/** A binary min-heap of job indices keyed by end time (ties by index: deterministic). */
class EndHeap {
  readonly #key: Float64Array;
  readonly #h: number[] = [];
  constructor(keys: Float64Array) { this.#key = keys; }
  get size(): number { return this.#h.length; }
  peekTime(): number { return this.#key[this.#h[0]!]!; }
  #less(a: number, b: number): boolean { const ka = this.#key[a]!, kb = this.#key[b]!; return ka < kb || (ka === kb && a < b); }
  push(i: number): void {
    const h = this.#h;
    h.push(i);
    let c = h.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.#less(h[c]!, h[p]!)) break;
      [h[c], h[p]] = [h[p]!, h[c]!];
      c = p;
    }
  }
  pop(): number {
    const h = this.#h;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1, r = l + 1;
        let m = p;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === p) break;
        [h[m], h[p]] = [h[p]!, h[m]!];
        p = m;
      }
    }
    return top;
  }
}

/** Replays `jobs` (sorted by submit, as SWF files are) on a machine of `opts.procs` processors. */
export function replay(jobs: readonly SwfJob[], opts: ReplayOptions): ReplayResult {
  const nativeCan = opts.order !== 'priority' && !opts.priorityOf && !opts.onEnd && !opts.onReserve;
  const engine = opts.engine ?? 'auto';
  if (engine === 'native' && !nativeCan) throw new Error('engine native: only fcfs and sjf orders without hooks');
  if (engine === 'native' || (engine === 'auto' && nativeCan)) return replayNative(jobs, opts);
  return replayTs(jobs, opts);
}

/** The native event loop (same events, same cycle as replayTs). */
function replayNative(jobs: readonly SwfJob[], opts: ReplayOptions): ReplayResult {
  const t0 = performance.now();
  const byId = new Map(jobs.map((j, i) => [j.id, i]));
  const input: NativeTraceJob[] = jobs.map((j) => ({ submit: j.submit, run: j.run, estimate: j.estimate, procs: j.procs, preceding: byId.get(j.preceding) ?? -1, think: j.think }));
  const r = nativeReplay(input, opts.procs, opts.policy, opts.order === 'sjf' ? 'sjf' : 'fcfs', opts.timeline ?? false, opts.onProgress);
  const wall_s = (performance.now() - t0) / 1000;
  const never = r.start.findIndex((x) => x < 0);
  if (never >= 0) throw new Error(`job ${jobs[never]!.id} (${jobs[never]!.procs} processors) can never start on a machine of ${opts.procs}`);
  const finished: FinishedJob[] = jobs.map((j, i) => ({ submit: r.eligible[i]!, start: r.start[i]!, end: r.end[i]!, run: j.run, procs: j.procs }));
  const timeline: TimelinePoint[] = [];
  for (let i = 0; i + 2 < r.timeline.length; i += 3) timeline.push({ t: r.timeline[i]!, queued: r.timeline[i + 1]!, busy: r.timeline[i + 2]! });
  return { finished, wall_s, cycles: r.cycles, checks: r.checks, timeline };
}

/** The TypeScript event loop, driving the policy layer the daemon uses. */
function replayTs(jobs: readonly SwfJob[], opts: ReplayOptions): ReplayResult {
  const t0 = performance.now();
  const n = jobs.length;
  const order = [...jobs.keys()].sort((a, b) => jobs[a]!.submit - jobs[b]!.submit || a - b);
  const start = new Float64Array(n).fill(-1);
  const end = new Float64Array(n);
  const eligible = Float64Array.from(jobs, (j) => j.submit);
  const booking = new Float64Array(n);
  const ends = new EndHeap(end);
  const deferred = new EndHeap(eligible);
  const byId = new Map(jobs.map((j, i) => [j.id, i]));
  const dependents = new Map<number, number[]>();
  const pos = new Uint32Array(n);
  order.forEach((k, i) => { pos[k] = i; });
  const first = order.length > 0 ? jobs[order[0]!]!.submit : 0;
  const topo = new NativeTopology([{
    name: 'machine', ncpus: opts.procs, free_ncpus: opts.procs, mem_bytes: 0, free_mem_bytes: 0, ngpus: 0, free_ngpus: 0,
    efa: 0, njobs: 0, exclusive: false, up: true, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''],
    numa: 1, cores: 0, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
  }]);
  const profile = new NativeProfile(topo, first);
  const sched = new PolicyScheduler(profile, opts.order);
  const timeline: TimelinePoint[] = [];
  let now = first, next = 0, done = 0, busy = 0, cycles = 0, checks = 0;
  const progressEvery = Math.max(1, Math.floor(n / 200));
  // Keys grow in the order jobs enter the queue (fcfs = that order): a job let in late by its
  // preceding job queues behind those already waiting.
  const jobOf: number[] = [];
  const onStart = (key: number, b: number): void => {
    key = jobOf[key]!;
    const j = jobs[key]!;
    start[key] = now;
    end[key] = now + j.run;
    booking[key] = b;
    busy += j.procs;
    ends.push(key);
  };
  // One chunk of the job's processors; jobs of one size share the request (and its key).
  const requests = new Map<number, { request: NativeRequest; key: string }>();
  const requestOf = (procs: number): { request: NativeRequest; key: string } => {
    let r = requests.get(procs);
    if (!r) {
      r = { request: { chunks: [{ count: 1, ncpus: procs, mem_bytes: 0, ngpus: 0, mpiprocs: procs, efa: false, instance_type: '', capacity: 'any' }], arrangement: 'free', sharing: 'shared', same_group: false }, key: `p${procs}` };
      requests.set(procs, r);
    }
    return r;
  };
  const enqueue = (k: number): void => {
    const j = jobs[k]!;
    jobOf.push(k);
    const r = requestOf(j.procs);
    sched.add({ key: jobOf.length - 1, duration: Math.max(1, j.estimate), mode: opts.policy, queue: 0, queue_priority: 0, priority: 0 }, r.request, 0, r.key);
  };
  // A submitted job waits for its preceding job (if that one is in the trace and has not ended).
  const submit = (k: number): void => {
    const p = byId.get(jobs[k]!.preceding);
    // Only a job submitted earlier counts (a later one would allow a cycle of jobs waiting on each other).
    if (p === undefined || pos[p]! >= pos[k]!) { enqueue(k); return; }
    if (start[p]! < 0 || end[p]! > now) { (dependents.get(p) ?? dependents.set(p, []).get(p)!).push(k); return; }
    release(k, end[p]!);
  };
  const release = (k: number, predEnd: number): void => {
    eligible[k] = Math.max(jobs[k]!.submit, predEnd + Math.max(0, jobs[k]!.think));
    if (eligible[k]! <= now) enqueue(k); else deferred.push(k);
  };
  while (next < n || ends.size > 0 || deferred.size > 0) {
    now = Math.min(next < n ? jobs[order[next]!]!.submit : Infinity, ends.size > 0 ? ends.peekTime() : Infinity, deferred.size > 0 ? deferred.peekTime() : Infinity);
    profile.advance(now);
    while (ends.size > 0 && ends.peekTime() === now) {
      const k = ends.pop();
      profile.release(booking[k]!);
      busy -= jobs[k]!.procs;
      opts.onEnd?.(jobs[k]!, start[k]!, now);
      for (const d of dependents.get(k) ?? []) release(d, now);
      dependents.delete(k);
      if (++done % progressEvery === 0) opts.onProgress?.(done, n);
    }
    while (next < n && jobs[order[next]!]!.submit === now) submit(order[next++]!);
    while (deferred.size > 0 && deferred.peekTime() === now) enqueue(deferred.pop());
    if (sched.size > 0) {
      if (opts.priorityOf) sched.setPriorities((key) => opts.priorityOf!(jobs[jobOf[key]!]!, now));
      const ds = sched.cycle(onStart, opts.onReserve !== undefined);
      if (ds) for (const d of ds) if (d.action === 'reserve') opts.onReserve!(now, jobOf[d.key]!, d.start);
      cycles++;
      checks += sched.lastChecks;
    }
    if (opts.timeline) timeline.push({ t: now, queued: sched.size, busy });
  }
  opts.onProgress?.(done, n);
  const never = start.findIndex((x) => x < 0);
  if (never >= 0) throw new Error(`job ${jobs[never]!.id} (${jobs[never]!.procs} processors) can never start on a machine of ${opts.procs}`);
  const finished: FinishedJob[] = jobs.map((j, i) => ({ submit: eligible[i]!, start: start[i]!, end: end[i]!, run: j.run, procs: j.procs }));
  return { finished, wall_s: (performance.now() - t0) / 1000, cycles, checks, timeline };
}
