/**
 * The backfill profile through the native core: resource availability over time (whole seconds)
 * from a topology snapshot, running jobs' expected ends and reservations. EASY and conservative
 * backfilling are built on it: `earliestStart` says when a request could run for a duration and
 * where, `reserve` books that, `release`/`jobEnded` give resources back, `advance` moves the clock.
 * Arguments are checked here before they cross; a bad one throws NativeError EINVAL naming it.
 */
import { call, checkCount, loadAddon, NativeError, type Addon } from './addon.js';
import type { NativePlacement, NativeRequest, NativeSlot, NativeTopology } from './index.js';

type RawProfile = InstanceType<Addon['Profile']>;

/** An allocation id, or why the booking was refused (it never over-commits). */
export type Booking = { ok: true; id: number; reason: '' } | { ok: false; id: 0; reason: string };

/**
 * When a request can start: `start` and the placement it gets over its whole window; or
 * `start: null` when it does not fit even once every known allocation has ended — the placement's
 * diagnosis says why, and `diagnosis.never` whether it can never fit this cluster.
 */
export type StartPlan = { start: number; placement: NativePlacement } | { start: null; placement: NativePlacement };

const ARRANGEMENT = { free: 0, pack: 1, scatter: 2, vscatter: 3 } as const;
const SHARING = { shared: 0, excl: 1, exclhost: 2 } as const;
const CAPACITY = { any: 0, spot: 1, ondemand: 2 } as const;

function checkTime(field: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new NativeError('EINVAL', `${field}: ${v} is not a whole number of seconds`);
}

function checkRequest(r: NativeRequest): unknown {
  if (!Array.isArray(r.chunks) || r.chunks.length === 0) throw new NativeError('EINVAL', 'request.chunks: at least one chunk is required');
  if (!(r.arrangement in ARRANGEMENT)) throw new NativeError('EINVAL', `request.arrangement: '${r.arrangement}' is not free, pack, scatter or vscatter`);
  if (!(r.sharing in SHARING)) throw new NativeError('EINVAL', `request.sharing: '${r.sharing}' is not shared, excl or exclhost`);
  const chunks = r.chunks.map((c, i) => {
    for (const k of ['count', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`request.chunks[${i}].${k}`, c[k]);
    checkCount(`request.chunks[${i}].mem_bytes`, c.mem_bytes, Number.MAX_SAFE_INTEGER);
    if (c.count < 1) throw new NativeError('EINVAL', `request.chunks[${i}].count: at least 1`);
    if (!(c.capacity in CAPACITY)) throw new NativeError('EINVAL', `request.chunks[${i}].capacity: '${c.capacity}' is not any, spot or ondemand`);
    return { count: c.count, ncpus: c.ncpus, mem_bytes: c.mem_bytes, ngpus: c.ngpus, mpiprocs: c.mpiprocs, efa: c.efa === true, instance_type: String(c.instance_type), capacity: CAPACITY[c.capacity] };
  });
  return { chunks, arrangement: ARRANGEMENT[r.arrangement], sharing: SHARING[r.sharing], same_group: r.same_group === true };
}

/**
 * A resource-availability profile over time, on a private copy of a topology's free resources at
 * `now`. Not shared between threads; one per scheduling loop or simulator.
 *
 * A node is unusable for a shared request while an exclusive allocation holds it, and for an
 * excl/exclhost request while any job holds it. A running job (or booking) past its end, not yet
 * released, is treated as ending at now + 1.
 */
export class NativeProfile {
  readonly #raw: RawProfile;
  readonly #nodes: number;

  /** Copies `topology`'s free resources (and which nodes jobs hold) as the availability at `now`. */
  constructor(topology: NativeTopology, now: number) {
    checkTime('now', now);
    const { Profile } = loadAddon();
    this.#raw = call(() => new Profile(topology.raw, now));
    this.#nodes = topology.size;
  }

  get now(): number { return this.#raw.now; }
  /** Allocations held or booked. */
  get size(): number { return this.#raw.size; }

  /**
   * Registers a running job whose slots the snapshot already counts as taken; they come back at
   * `end` (at or before now: now + 1). Returns its id, for `jobEnded`.
   */
  addRunning(end: number, slots: readonly NativeSlot[], exclusive = false): number {
    checkTime('end', end);
    const raw = this.#slots(slots);
    const b = call(() => this.#raw.addRunning(end, raw, exclusive)) as Booking;
    if (!b.ok) throw new NativeError('EINVAL', b.reason);
    return b.id;
  }

  /**
   * Books `slots` over [start, end), now <= start < end. Never over-commits: refused with the
   * first node that lacks room over the whole span. A booking starting now holds from now.
   */
  reserve(start: number, end: number, slots: readonly NativeSlot[], exclusive = false): Booking {
    checkTime('start', start);
    checkTime('end', end);
    if (start < this.now) throw new NativeError('EINVAL', `start: ${start} is before now (${this.now})`);
    if (end <= start) throw new NativeError('EINVAL', `end: ${end} is not after start (${start})`);
    const raw = this.#slots(slots);
    return call(() => this.#raw.reserve(start, end, raw, exclusive)) as Booking;
  }

  /**
   * Cancels a booking (one not started disappears; one whose start has passed gives its resources
   * back now). False when the id is unknown or already released.
   */
  release(id: number): boolean {
    checkCount('id', id, Number.MAX_SAFE_INTEGER);
    return call(() => this.#raw.release(id));
  }

  /** A running job ended (possibly earlier than expected): its resources are free from now. Throws ENOENT for an unknown id. */
  jobEnded(id: number): void {
    if (!this.release(id)) throw new NativeError('ENOENT', `id: ${id} is not a running job or booking of this profile`);
  }

  /** Moves the clock forward; bookings whose start has come hold from then on. */
  advance(now: number): void {
    checkTime('now', now);
    if (now < this.now) throw new NativeError('EINVAL', `now: ${now} is before the profile's now (${this.now})`);
    call(() => this.#raw.advance(now));
  }

  /**
   * The earliest start t >= max(now, notBefore) — now or a change point — at which the request
   * fits the availability over the whole window [t, t + duration), with its placement there.
   * With `notAfter`, later candidates are not tried: `start: null` with the diagnosis text
   * "no start by <notAfter>" (nothing diagnosed) — `notAfter = now` is EASY's cheap "can it start now?".
   */
  earliestStart(request: NativeRequest, duration: number, notBefore = this.now, notAfter = Number.MAX_SAFE_INTEGER): StartPlan {
    const raw = checkRequest(request);
    checkTime('duration', duration);
    if (duration < 1) throw new NativeError('EINVAL', `duration: ${duration} is not at least 1 second`);
    checkTime('notBefore', notBefore);
    checkTime('notAfter', notAfter);
    const r = call(() => this.#raw.earliestStart(raw, duration, notBefore, notAfter)) as { ok: boolean; start: number; placement: NativePlacement };
    return r.ok ? { start: r.start, placement: r.placement } : { start: null, placement: r.placement };
  }

  /** The distinct times after now at which availability changes, ascending. */
  changePoints(): number[] { return call(() => this.#raw.changePoints()); }

  #slots(slots: readonly NativeSlot[]): NativeSlot[] {
    if (!Array.isArray(slots)) throw new NativeError('EINVAL', 'slots: an array is required');
    return slots.map((s, i) => {
      for (const k of ['node', 'chunk', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`slots[${i}].${k}`, s[k]);
      checkCount(`slots[${i}].mem_bytes`, s.mem_bytes, Number.MAX_SAFE_INTEGER);
      if (s.node >= this.#nodes) throw new NativeError('EINVAL', `slots[${i}].node: ${s.node} is not a node of this topology (${this.#nodes} nodes)`);
      return { node: s.node, chunk: s.chunk, ncpus: s.ncpus, mem_bytes: s.mem_bytes, ngpus: s.ngpus, mpiprocs: s.mpiprocs };
    });
  }
}
