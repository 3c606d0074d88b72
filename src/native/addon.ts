/**
 * The one place that loads the native addon (build/Release/fleetq_native.node) and the error class
 * every native failure becomes. Other src/native modules call the addon through `loadAddon()`.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class NativeError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) { super(message, options); this.name = 'NativeError'; }
}

/** The addon's Topology object; opaque outside src/native. */
export interface RawTopology { place(r: unknown): unknown; placeAsync(r: unknown): Promise<unknown>; allocate(n: number, c: number, m: number, g: number): boolean; release(n: number, c: number, m: number, g: number): boolean; readonly size: number }
/** The addon's exports, as src/native's modules call them. */
export interface Addon {
  Topology: new (columns: unknown) => RawTopology;
  ranks(topology: RawTopology, slots: unknown[], options: unknown): unknown;
  /**
   * The backfill profile (src/native/backfill.ts): times in whole seconds; slots and requests cross
   * as for Topology (src/native/wire.ts), bookings come back as plain objects.
   */
  Profile: new (topology: RawTopology, now: number) => {
    addRunning(end: number, slots: unknown[], exclusive: boolean): unknown;
    reserve(start: number, end: number, slots: unknown[], exclusive: boolean): unknown;
    release(id: number): boolean;
    advance(now: number): boolean;
    earliestStart(request: unknown, duration: number, notBefore: number, notAfter: number): unknown;
    changePoints(): number[];
    addRequest(request: Float64Array): number;
    dropRequest(handle: number): boolean;
    bindBatch(handles: Uint32Array, durations: Float64Array, modes: Uint8Array, queues: Uint32Array, reservations: Float64Array, out: Float64Array): void;
    cycle(n: number, withPlacements: boolean, reservationLimit: number): { v: Float64Array; texts: string[] } | undefined;
    readonly now: number;
    readonly size: number;
  };
  /** The trace replay's event loop (src/native/replay.ts); jobs cross as 6 numbers each. */
  Replay: new (procs: number, jobs: Float64Array, mode: number, order: number, timeline: boolean) => {
    step(maxEnds: number): boolean;
    results(): { eligible: Float64Array; start: Float64Array; end: Float64Array; cycles: number; checks: number; timeline: Float64Array };
    readonly ended: number;
  };
  abiVersion: number;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * The glue's calling convention this wrapper speaks (native/addon/addon.cpp exports the same
 * number; both change together). A stale build is refused here rather than fed arguments it
 * would misread.
 */
export const ABI_VERSION = 8;
let addon: Addon | undefined;

/**
 * Loads build/Release/fleetq_native.node (built by `npm ci` through cmake-js, or node-gyp), or the
 * file named by FLEETQ_NATIVE_ADDON (a developer's other build directory).
 */
export function loadAddon(): Addon {
  if (addon) return addon;
  const path = process.env['FLEETQ_NATIVE_ADDON'] || join(ROOT, 'build', 'Release', 'fleetq_native.node');
  if (!existsSync(path)) throw new NativeError('ENOADDON', `the native addon is not built (${path}); run npm run build:native`);
  let loaded: Addon;
  try {
    loaded = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new NativeError('ELOAD', `cannot load ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (loaded.abiVersion !== ABI_VERSION) {
    throw new NativeError('EABI', `${path} speaks glue version ${loaded.abiVersion}, this code needs ${ABI_VERSION}: rebuild it (npm run build:native)`);
  }
  addon = loaded;
  return addon;
}

/** A native error thrown by the addon (a JS error with a string `code`) as a NativeError; others as they are. */
export function asNativeError(e: unknown): unknown {
  if (e instanceof NativeError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? new NativeError(code, (e as Error).message, { cause: e }) : e;
}

/** Calls into the addon; a failure surfaces as a NativeError with the addon's code. */
export function call<T>(fn: () => T): T {
  try { return fn(); } catch (e) { throw asNativeError(e); }
}

/** Checks a count crosses as a whole number in range; throws NativeError EINVAL naming the field. */
export function checkCount(field: string, v: number, max = 2 ** 32 - 1): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new NativeError('EINVAL', `${field}: ${v} is not a whole number in 0..${max}`);
}

