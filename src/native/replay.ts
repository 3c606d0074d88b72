/**
 * The trace replay's event loop in the native core (native/include/fleetq/replay.h): the same loop
 * as src/sim/replay.ts, with the same policy and profile, run without crossing into JavaScript per
 * event. For submit-order (fcfs) and shortest-first (sjf) orders; the daemon's priority order needs
 * the TypeScript loop (its priority function is TypeScript). Arguments are checked here.
 */
import { call, checkCount, loadAddon, NativeError } from './addon.js';
import type { BackfillMode } from './backfill.js';

export interface NativeTraceJob {
  submit: number;
  /** Seconds, ≥ 0. */
  run: number;
  /** The booking's length; < 1 is taken as 1. */
  estimate: number;
  procs: number;
  /** Index of the job it waits for (one submitted earlier), -1 = none. */
  preceding: number;
  think: number;
}

export interface NativeReplayResult {
  eligible: Float64Array;
  start: Float64Array;
  end: Float64Array;
  cycles: number;
  checks: number;
  /** (t, queued, busy) per event instant, when asked for. */
  timeline: Float64Array;
}

const MODES: Readonly<Record<BackfillMode, number>> = { none: 0, easy: 1, conservative: 2 };
const ORDERS = { fcfs: 0, sjf: 1 } as const;

function whole(field: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new NativeError('EINVAL', `${field}: ${v} is not a whole number ≥ ${min}`);
}

/**
 * Replays `jobs` on a machine of `procs` processors. `onProgress(ended, total)` is called between
 * slices of about `n / 200` job ends (the loop itself runs in the core).
 */
export function nativeReplay(jobs: readonly NativeTraceJob[], procs: number, mode: BackfillMode, order: keyof typeof ORDERS, timeline: boolean,
  onProgress?: (ended: number, total: number) => void): NativeReplayResult {
  checkCount('procs', procs, 0xffffffff);
  if (procs < 1) throw new NativeError('EINVAL', 'procs: at least 1 is required');
  const enc = new Float64Array(6 * jobs.length);
  jobs.forEach((j, i) => {
    const at = `jobs[${i}]`;
    whole(`${at}.submit`, j.submit, Number.MIN_SAFE_INTEGER);
    whole(`${at}.run`, j.run, 0);
    whole(`${at}.estimate`, j.estimate, 0);
    whole(`${at}.procs`, j.procs, 1);
    if (j.procs > procs) throw new NativeError('EINVAL', `${at}.procs: ${j.procs} is more than the machine's ${procs}`);
    whole(`${at}.preceding`, j.preceding, -1);
    whole(`${at}.think`, j.think, Number.MIN_SAFE_INTEGER);
    enc.set([j.submit, j.run, j.estimate, j.procs, j.preceding, j.think], 6 * i);
  });
  const { Replay } = loadAddon();
  const r = call(() => new Replay(procs, enc, MODES[mode], ORDERS[order], timeline));
  const slice = onProgress ? Math.max(1, Math.floor(jobs.length / 200)) : Number.MAX_SAFE_INTEGER;
  while (!call(() => r.step(slice))) onProgress?.(r.ended, jobs.length);
  onProgress?.(r.ended, jobs.length);
  return call(() => r.results());
}
