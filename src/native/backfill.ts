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
  /** The batch the core holds (bindBatch), and which of its array sets. */
  #bound: CycleBatch | undefined;
  #boundVersion = -1;

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
    // The core refuses (false, changing nothing) a time before its own: one crossing, not two.
    if (!call(() => this.#raw.advance(now))) throw new NativeError('EINVAL', `now: ${now} is before the profile's now (${this.now})`);
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

  /** Keeps a request in the profile for cycles to name by handle (it crosses once). */
  addRequest(request: NativeRequest): number {
    checkRequest(request);
    const enc = new Float64Array(encodedLength(request));
    encodeRequest(request, this.#ids, enc, 0);
    return call(() => this.#raw.addRequest(enc));
  }

  /** Forgets a request kept by addRequest; false when the handle is not one. */
  dropRequest(handle: number): boolean {
    checkCount('handle', handle, 0xffffffff);
    return call(() => this.#raw.dropRequest(handle));
  }

  /**
   * One scheduling cycle at `now` (native/include/fleetq/policy.h) over the batch's jobs in their
   * order: which start now (booked here over [now, now + duration)) and which get reservations
   * (conservative ones kept: pass the booking back as the job's reservation next cycle). Decisions
   * are read from the batch (`decided`, `row`): only jobs that do not simply wait are listed. With
   * `requests` (the batch's requests, in order), returns the placement of every job the cycle read
   * (slots for a start or reservation; the diagnosis of one that can never fit); jobs after a
   * strict block are not read. Without, nothing is decoded — the simulator's fast path.
   * `reservationLimit`: at most this many new conservative reservations this cycle (0 = no limit).
   */
  cycle(batch: CycleBatch, requests?: readonly NativeRequest[], reservationLimit = 0): NativePlacement[] | undefined {
    checkCount('reservationLimit', reservationLimit, 0xffffffff);
    const n = batch.length;
    if (requests && requests.length !== n) throw new NativeError('EINVAL', `requests: ${requests.length} given for ${n} jobs`);
    const out = batch.output();
    if (this.#bound !== batch || this.#boundVersion !== batch.version) {
      call(() => this.#raw.bindBatch(batch.handles, batch.durations, batch.modes, batch.queues, batch.reservations, out));
      this.#bound = batch;
      this.#boundVersion = batch.version;
    }
    const raw = call(() => this.#raw.cycle(n, requests !== undefined, reservationLimit));
    if (!requests || !raw) return undefined;
    const placements: NativePlacement[] = [];
    const count = raw.v[0] ?? 0;
    let at = 1;
    for (let i = 0; i < count; i++) {
      const [p, next] = decodePlacement(raw.v, at, requests[i]!, raw.texts[i] ?? '');
      placements.push(p);
      at = next;
    }
    return placements;
  }
}

/** A batch row with no job (a hole the core skips): the largest handle. */
export const NO_REQUEST = 0xffffffff;

/** Backfilling per queue (policy.h): strict order, EASY, or conservative. */
export type BackfillMode = 'none' | 'easy' | 'conservative';
const MODES: Readonly<Record<BackfillMode, number>> = { none: 0, easy: 1, conservative: 2 };

/** What a cycle decided for one job. `never`: it waits and can never fit this cluster. */
export type CycleAction = 'wait' | 'start' | 'reserve' | 'never';
const ACTIONS: readonly CycleAction[] = ['wait', 'start', 'reserve', 'never'];

/**
 * The jobs of one cycle, in priority order, as typed arrays that cross without copying. Kept
 * between cycles and changed in place (push, set, remove), so a long queue is not rebuilt at every
 * cycle of a simulation.
 */
export class CycleBatch {
  #n = 0;
  handles = new Uint32Array(64);
  durations = new Float64Array(64);
  modes = new Uint8Array(64);
  queues = new Uint32Array(64);
  reservations = new Float64Array(64);
  #out = new Float64Array(2 + 4 * 64);
  /** Bumped whenever an array is replaced (grown): a profile then binds the batch again. */
  version = 0;

  get length(): number { return this.#n; }
  clear(): void { this.#n = 0; }

  /** Adds a job: its request handle, estimate (s, ≥ 1), backfill mode, queue index, kept reservation id (0: none). */
  push(handle: number, duration: number, mode: BackfillMode, queue = 0, reservation = 0): void {
    if (this.#n === this.handles.length) this.#grow();
    this.set(this.#n++, handle, duration, mode, queue, reservation);
  }

  set(i: number, handle: number, duration: number, mode: BackfillMode, queue: number, reservation: number): void {
    this.handles[i] = handle;
    this.durations[i] = Math.max(1, Math.ceil(duration));
    this.modes[i] = MODES[mode];
    this.queues[i] = queue;
    this.reservations[i] = reservation;
  }

  /** Job i is gone: the core skips it (its handle is NO_REQUEST); the others keep their indices. */
  kill(i: number): void {
    this.handles[i] = NO_REQUEST;
    this.reservations[i] = 0;
  }

  /** The output array the cycle writes (see the glue: sweeps, k, then k rows of 4). */
  output(): Float64Array {
    if (this.#out.length < 2 + 4 * this.#n) { this.#out = new Float64Array(2 + 4 * this.handles.length); this.version++; }
    return this.#out;
  }
  /** Jobs the last cycle decided other than "wait" (rows 0..decided-1). */
  get decided(): number { return this.#out[1]!; }
  /** Row r: the job's index in the batch, what was decided, the start (now, or the reservation's), the booking id. */
  rowIndex(r: number): number { return this.#out[2 + 4 * r]!; }
  rowAction(r: number): CycleAction { return ACTIONS[this.#out[3 + 4 * r]!]!; }
  rowStart(r: number): number { return this.#out[4 + 4 * r]!; }
  rowBooking(r: number): number { return this.#out[5 + 4 * r]!; }
  /** earliest-start sweeps the last cycle made. */
  get checks(): number { return this.#out[0]!; }

  #grow(): void {
    const size = this.handles.length * 2;
    const grow = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(size); b.set(a); return b; };
    this.handles = grow(this.handles, (k) => new Uint32Array(k));
    this.durations = grow(this.durations, (k) => new Float64Array(k));
    this.modes = grow(this.modes, (k) => new Uint8Array(k));
    this.queues = grow(this.queues, (k) => new Uint32Array(k));
    this.reservations = grow(this.reservations, (k) => new Float64Array(k));
    this.#out = new Float64Array(2 + 4 * size);
    this.version++;
  }
}
