/**
 * Scheduling metrics of a finished trace replay. Pure: finished jobs and the machine size in, one
 * record out, with the snake_case keys of `fleetq sim --json`.
 */
import { FleetqError } from '../util/errors.js';

/** A job as the replay finished it; times in seconds on the trace's clock. */
export interface FinishedJob {
  submit: number;
  start: number;
  end: number;
  /** The job's run time for slowdown (its trace run time; end − start unless it was cut). */
  run: number;
  procs: number;
}

export interface SimMetrics {
  jobs: number;
  mean_wait_s: number;
  /** Middle wait; the mean of the two middle ones when `jobs` is even. */
  median_wait_s: number;
  /** Nearest-rank 95th percentile: the ⌈0.95·n⌉-th smallest wait (1-based). */
  p95_wait_s: number;
  /** Mean of max(1, (wait + run) / max(run, BSLD_TAU_S)). */
  mean_bsld: number;
  /** Σ procs × (end − start) / (machine_procs × makespan_s); 0 when makespan_s is 0. */
  utilization: number;
  /** Last end − first submit. */
  makespan_s: number;
}

/** Bounded slowdown's threshold: jobs shorter than this count as this long. */
export const BSLD_TAU_S = 10;

/**
 * Computes the metrics of `jobs` (any order) on a machine of `machine_procs` processors, where
 * wait = start − submit. An empty list gives `jobs: 0` and every other key 0 (JSON has no NaN).
 * Throws FleetqError INVALID_ARGUMENT naming `jobs[i].field` for a non-finite time, start before
 * submit, end before start, negative run, or procs outside 1..machine_procs.
 */
export function computeMetrics(jobs: readonly FinishedJob[], machine_procs: number): SimMetrics {
  if (!(Number.isInteger(machine_procs) && machine_procs > 0)) {
    throw new FleetqError('INVALID_ARGUMENT', `machine_procs: expected a positive integer, got ${machine_procs}`, { field: 'machine_procs' });
  }
  const n = jobs.length;
  if (n === 0) return { jobs: 0, mean_wait_s: 0, median_wait_s: 0, p95_wait_s: 0, mean_bsld: 0, utilization: 0, makespan_s: 0 };
  const waits = new Float64Array(n);
  let waitSum = 0, bsldSum = 0, busy = 0, firstSubmit = Infinity, lastEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    const j = jobs[i]!;
    checkJob(j, i, machine_procs);
    const wait = j.start - j.submit;
    waits[i] = wait;
    waitSum += wait;
    bsldSum += Math.max(1, (wait + j.run) / Math.max(j.run, BSLD_TAU_S));
    busy += j.procs * (j.end - j.start);
    if (j.submit < firstSubmit) firstSubmit = j.submit;
    if (j.end > lastEnd) lastEnd = j.end;
  }
  waits.sort();
  const makespan = lastEnd - firstSubmit;
  return {
    jobs: n,
    mean_wait_s: waitSum / n,
    median_wait_s: n % 2 === 1 ? waits[(n - 1) / 2]! : (waits[n / 2 - 1]! + waits[n / 2]!) / 2,
    p95_wait_s: waits[Math.ceil(0.95 * n) - 1]!,
    mean_bsld: bsldSum / n,
    utilization: makespan > 0 ? busy / (machine_procs * makespan) : 0,
    makespan_s: makespan,
  };
}

function checkJob(j: FinishedJob, i: number, machine_procs: number): void {
  const bad = (field: string, reason: string): FleetqError =>
    new FleetqError('INVALID_ARGUMENT', `jobs[${i}].${field}: ${reason}`, { field: `jobs[${i}].${field}` });
  for (const f of ['submit', 'start', 'end', 'run', 'procs'] as const) {
    if (!Number.isFinite(j[f])) throw bad(f, `expected a finite number, got ${j[f]}`);
  }
  if (j.start < j.submit) throw bad('start', `${j.start} is before submit ${j.submit}`);
  if (j.end < j.start) throw bad('end', `${j.end} is before start ${j.start}`);
  if (j.run < 0) throw bad('run', `expected ≥ 0, got ${j.run}`);
  if (!(Number.isInteger(j.procs) && j.procs >= 1 && j.procs <= machine_procs)) {
    throw bad('procs', `expected an integer in 1..${machine_procs}, got ${j.procs}`);
  }
}
