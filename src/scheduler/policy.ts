/**
 * The scheduling policy, shared by the daemon's cycle (src/scheduler/loop.ts) and the trace
 * simulator (src/sim/replay.ts): waiting jobs in priority order, and one native cycle
 * (native/include/fleetq/policy.h) that decides which start now and which get reservations — strict
 * order (none), EASY or conservative backfilling, chosen per queue — on a backfill profile of the
 * cluster over time. Conservative reservations are kept here between cycles and handed back to the
 * core, which compresses them (never later than before).
 *
 * Order: queue priority first (as PBS orders queues), then by `order`: submit order (fcfs), shortest
 * estimate first (sjf), or the priority total (job priority, age, fair-share: src/scheduler/priority.ts),
 * ties by submit order.
 */
import { CycleBatch, type BackfillMode, type NativeProfile } from '../native/backfill.js';
import type { NativePlacement, NativeRequest } from '../native/index.js';

export type Order = 'fcfs' | 'sjf' | 'priority';

/** A waiting job as the policy sees it. `key` is unique and grows with submit order (the daemon's seq). */
export interface WaitingJob {
  key: number;
  /** Estimate in seconds (walltime; the queue default when none was asked). */
  duration: number;
  mode: BackfillMode;
  /** Index of its queue; EASY protects the first waiting job of each queue. */
  queue: number;
  queue_priority: number;
  /** The priority total (order 'priority'); set by the caller before each cycle. */
  priority: number;
}

export interface Decision {
  key: number;
  /** start: now. reserve: the reserved start. wait/never: 0. */
  action: 'start' | 'reserve' | 'wait' | 'never';
  start: number;
  /** With placements asked for: where it starts or is reserved, or (never) why it cannot fit. */
  placement?: NativePlacement;
}

interface Entry { job: WaitingJob; handle: number; request: NativeRequest; reservation: number; share: string | undefined }

/**
 * The waiting jobs of one cluster and their kept reservations, over a profile the caller keeps
 * true (running jobs added, ended ones released, the clock advanced). Starting a job removes it from
 * the waiting set; its running booking id is given to the caller to release when it ends.
 *
 * The batch the core reads mirrors the order (entry i ↔ batch row i) and is changed in place, so a
 * cycle over a long queue costs the core's work, not a rebuild.
 */
export class PolicyScheduler {
  readonly #profile: NativeProfile;
  readonly #order: Order;
  readonly #waiting = new Map<number, Entry>();
  /**
   * Waiting entries in cycle order; the batch mirrors it. A job that leaves is a hole (null here,
   * a null handle in the batch, skipped by the core) until holes outnumber jobs, so a start at the
   * head of a long queue does not shift the whole queue.
   */
  #sorted: Array<Entry | null> = [];
  #holes = 0;
  #dirty = false;
  /** Entries holding a kept reservation (every one is consumed by the next cycle). */
  readonly #reserved = new Set<Entry>();
  readonly #batch = new CycleBatch();
  /** earliest-start sweeps of the last cycle (for benchmarks). */
  lastChecks = 0;

  constructor(profile: NativeProfile, order: Order = 'fcfs') {
    this.#profile = profile;
    this.#order = order;
  }

  get size(): number { return this.#waiting.size; }

  /**
   * A job starts waiting. `reservation`: a booking already in the profile for it (the daemon re-adds
   * kept ones). `share`: a key naming the request's content — jobs with the same key share one
   * request in the core (a simulator's jobs differ only in size), so it crosses once.
   */
  add(job: WaitingJob, request: NativeRequest, reservation = 0, share?: string): void {
    if (this.#waiting.has(job.key)) throw new Error(`job ${job.key} is already waiting`);
    const e: Entry = { job, handle: this.#handle(request, share), request, reservation, share };
    this.#waiting.set(job.key, e);
    if (reservation !== 0) this.#reserved.add(e);
    const last = this.#last();
    this.#sorted.push(e);
    if (this.#dirty || (last && this.#compare()(last.job, job) > 0)) this.#dirty = true;
    else this.#batch.push(e.handle, job.duration, job.mode, job.queue, reservation);
  }

  /** Sets every waiting job's priority total (order 'priority' re-sorts at the next cycle). */
  setPriorities(of: (key: number) => number): void {
    for (const e of this.#sorted) if (e) e.job.priority = of(e.job.key);
    if (this.#order === 'priority') this.#dirty = true;
  }

  /**
   * One cycle at the profile's now. Started jobs leave the waiting set; `onStart(key, booking,
   * placement?)` is told each (booking: the profile's id of its running allocation). With
   * `decisions`, returns every waiting job's decision in order, with its placement.
   * `reservationLimit`: at most this many new conservative reservations (0 = no limit).
   */
  cycle(onStart: (key: number, booking: number, placement?: NativePlacement) => void, decisions = false, reservationLimit = 0): Decision[] | undefined {
    this.#sort();
    if (decisions && this.#holes > 0) this.#compact();
    const list = this.#sorted;
    const b = this.#batch;
    const ps = this.#profile.cycle(b, decisions ? (list as Entry[]).map((e) => e.request) : undefined, reservationLimit);
    this.lastChecks = b.checks;
    // Every kept reservation was consumed; the rows say which are booked again.
    const hadKept = this.#reserved.size > 0;
    for (const e of this.#reserved) e.reservation = 0;
    this.#reserved.clear();
    const out: Decision[] | undefined = decisions ? (list as Entry[]).map((e, i) => ({ key: e.job.key, action: 'wait', start: 0, ...(ps?.[i] ? { placement: ps[i] } : {}) })) : undefined;
    const started: number[] = [];
    const k = b.decided;
    for (let r = 0; r < k; r++) {
      const i = b.rowIndex(r);
      const e = list[i]!;
      const action = b.rowAction(r);
      if (out) { out[i]!.action = action; out[i]!.start = b.rowStart(r); }
      if (action === 'start') started.push(i);
      else if (action === 'reserve' && b.rowBooking(r) !== 0) { e.reservation = b.rowBooking(r); this.#reserved.add(e); }
    }
    if (hadKept || this.#reserved.size > 0) for (let i = 0; i < list.length; i++) b.reservations[i] = list[i]?.reservation ?? 0;
    for (let r = 0, s = 0; r < k && s < started.length; r++) {
      if (b.rowAction(r) !== 'start') continue;
      const i = started[s++]!;
      const e = list[i]!;
      this.#forget(e);
      this.#hole(i);
      onStart(e.job.key, b.rowBooking(r), ps?.[i]);
    }
    return out;
  }

  /** The last live entry in order (undefined when none). */
  #last(): Entry | undefined {
    for (let i = this.#sorted.length - 1; i >= 0; i--) { const e = this.#sorted[i]; if (e) return e; }
    return undefined;
  }

  #live(): Entry[] { return this.#sorted.filter((e): e is Entry => e !== null); }

  /** Entry i has left: a hole in the order and the batch (compacted by #sort once holes outnumber entries). */
  #hole(i: number): void {
    this.#sorted[i] = null;
    this.#batch.kill(i);
    this.#holes++;
  }

  #compact(): void {
    const live = this.#live();
    this.#sorted = live;
    this.#holes = 0;
    const b = this.#batch;
    b.clear();
    for (const e of live) b.push(e.handle, e.job.duration, e.job.mode, e.job.queue, e.reservation);
  }

  #forget(e: Entry): void {
    if (e.reservation !== 0) this.#profile.release(e.reservation);
    e.reservation = 0;
    this.#reserved.delete(e);
    this.#unhandle(e);
    this.#waiting.delete(e.job.key);
  }

  /** Shared requests: key → handle and how many waiting jobs use it. */
  readonly #shared = new Map<string, { handle: number; users: number }>();

  #handle(request: NativeRequest, share: string | undefined): number {
    if (share === undefined) return this.#profile.addRequest(request);
    let s = this.#shared.get(share);
    if (!s) { s = { handle: this.#profile.addRequest(request), users: 0 }; this.#shared.set(share, s); }
    s.users++;
    return s.handle;
  }

  #unhandle(e: Entry): void {
    if (e.share === undefined) { this.#profile.dropRequest(e.handle); return; }
    const s = this.#shared.get(e.share);
    if (s && --s.users === 0) { this.#profile.dropRequest(s.handle); this.#shared.delete(e.share); }
  }

  #compare(): (a: WaitingJob, b: WaitingJob) => number {
    return this.#order === 'sjf' ? compareSjf : this.#order === 'priority' ? comparePriority : compareFcfs;
  }

  #sort(): void {
    if (!this.#dirty) {
      if (this.#holes > 32 && this.#holes * 2 > this.#sorted.length) this.#compact();
      return;
    }
    const cmp = this.#compare();
    this.#sorted = this.#live().sort((a, b) => cmp(a.job, b.job));
    this.#compact();
    this.#dirty = false;
  }
}

function compareFcfs(a: WaitingJob, b: WaitingJob): number {
  return b.queue_priority - a.queue_priority || a.key - b.key;
}
function compareSjf(a: WaitingJob, b: WaitingJob): number {
  return b.queue_priority - a.queue_priority || a.duration - b.duration || a.key - b.key;
}
function comparePriority(a: WaitingJob, b: WaitingJob): number {
  return b.queue_priority - a.queue_priority || b.priority - a.priority || a.key - b.key;
}
