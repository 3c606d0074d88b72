/**
 * The backfill profile through the native core: resource availability over time (whole seconds)
 * from a topology snapshot, running jobs' expected ends and reservations. EASY and conservative
 * backfilling are built on it: `earliestStart` says when a request could run for a duration and
 * where, `reserve` books that, `release`/`jobEnded` give resources back, `advance` moves the clock.
 * Arguments are checked here before they cross; a bad one throws NativeError EINVAL naming it.
 */
import { call, checkCount, loadAddon, NativeError, type Addon } from './addon.js';
import type { NativePlacement, NativeRequest, NativeSlot, NativeTopology } from './index.js';
import { checkRequest, checkSlots, decodePlacement, encodedLength, encodeRequest } from './wire.js';

type RawProfile = InstanceType<Addon['Profile']>;

/** An allocation id, or why the booking was refused (it never over-commits). */
export type Booking = { ok: true; id: number; reason: '' } | { ok: false; id: 0; reason: string };

/**
 * When a request can start: `start` and the placement it gets over its whole window; or
 * `start: null` when it does not fit even once every known allocation has ended — the placement's
 * diagnosis says why, and `diagnosis.never` whether it can never fit this cluster.
 */
export type StartPlan = { start: number; placement: NativePlacement } | { start: null; placement: NativePlacement };

function checkTime(field: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new NativeError('EINVAL', `${field}: ${v} is not a whole number of seconds`);
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
  /** The topology's string dictionary: requests cross encoded as for NativeTopology.place. */
  readonly #ids: ReadonlyMap<string, number>;

  /** Copies `topology`'s free resources (and which nodes jobs hold) as the availability at `now`. */
  constructor(topology: NativeTopology, now: number) {
    checkTime('now', now);
    const { Profile } = loadAddon();
    this.#raw = call(() => new Profile(topology.raw, now));
    this.#nodes = topology.size;
    this.#ids = topology.ids;
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
    checkSlots(slots, this.#nodes);
    const b = call(() => this.#raw.addRunning(end, slots as NativeSlot[], exclusive)) as Booking;
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
    checkSlots(slots, this.#nodes);
    return call(() => this.#raw.reserve(start, end, slots as NativeSlot[], exclusive)) as Booking;
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
    checkRequest(request);
    checkTime('duration', duration);
    if (duration < 1) throw new NativeError('EINVAL', `duration: ${duration} is not at least 1 second`);
    checkTime('notBefore', notBefore);
    checkTime('notAfter', notAfter);
    const enc = new Float64Array(encodedLength(request));
    encodeRequest(request, this.#ids, enc, 0);
    const r = call(() => this.#raw.earliestStart(enc, duration, notBefore, notAfter)) as { ok: boolean; start: number; placement: { v: Float64Array; text: string } };
    const placement: NativePlacement = decodePlacement(r.placement.v, 0, request, r.placement.text)[0];
    return r.ok ? { start: r.start, placement } : { start: null, placement };
  }

  /** The distinct times after now at which availability changes, ascending. */
  changePoints(): number[] { return call(() => this.#raw.changePoints()); }
}
