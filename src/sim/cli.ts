/**
 * `fleetq sim TRACE [--policy none|easy|conservative] [--order fcfs|sjf|priority] [--procs N]
 *  [--first N] [--skip N] [--json] [--plot FILE.svg] [--engine auto|native|ts]`: replays a Standard Workload Format trace
 * (plain or gzipped) through the scheduler's policy and the native core on a virtual clock, then
 * prints the schedule's metrics as a table — and, with --json, one JSON line as the last line. A
 * progress bar shows on stderr when it is a terminal.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readSwf, type SwfJob } from './swf.js';
import { replay, type ReplayOptions } from './replay.js';
import { DEFAULT_WEIGHTS, FairShare, PriorityCalculator } from '../scheduler/priority.js';
import { computeMetrics } from './metrics.js';
import { plotSvg } from './plot.js';
import type { BackfillMode } from '../native/backfill.js';
import type { Order } from '../scheduler/policy.js';

export const SIM_USAGE = 'usage: fleetq sim TRACE [--policy none|easy|conservative] [--order fcfs|sjf|priority] [--procs N] [--first N] [--skip N] [--json] [--plot FILE.svg] [--engine auto|native|ts]';

class UsageError extends Error {}

function count(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name}: '${v}' is not a whole number ≥ 1`);
  return Number(v);
}

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name}: '${v}' is not one of ${allowed.join(', ')}`);
  return v as T;
}

export interface SimArgs { trace: string; policy: BackfillMode; order: Order; procs?: number; first?: number; skip: number; json: boolean; plot?: string; engine?: 'auto' | 'native' | 'ts' }

export function parseSimArgs(argv: string[]): SimArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        policy: { type: 'string', default: 'easy' }, order: { type: 'string', default: 'fcfs' }, procs: { type: 'string' },
        first: { type: 'string' }, skip: { type: 'string' }, json: { type: 'boolean', default: false }, plot: { type: 'string' }, engine: { type: 'string' },
      },
    });
  } catch (e) { throw new UsageError((e as Error).message); }
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'TRACE: a trace file is required' : `TRACE: one trace file, not ${positionals.length}`);
  const out: SimArgs = {
    trace: positionals[0]!, policy: oneOf('policy', v.policy ?? 'easy', ['none', 'easy', 'conservative'] as const),
    order: oneOf('order', v.order ?? 'fcfs', ['fcfs', 'sjf', 'priority'] as const), skip: v.skip === undefined ? 0 : Number(v.skip), json: v.json ?? false,
  };
  if (v.skip !== undefined && !/^\d+$/.test(v.skip)) throw new UsageError(`--skip: '${v.skip}' is not a whole number`);
  const procs = count('procs', v.procs), first = count('first', v.first);
  if (procs !== undefined) out.procs = procs;
  if (first !== undefined) out.first = first;
  if (v.plot !== undefined) out.plot = v.plot;
  if (v.engine !== undefined) out.engine = oneOf('engine', v.engine, ['auto', 'native', 'ts'] as const);
  if (out.engine === 'native' && out.order === 'priority') throw new UsageError('--engine native: the priority order runs in the TypeScript loop (--engine ts or auto)');
  return out;
}

/**
 * --order priority: the daemon's priority (src/scheduler/priority.ts) with its default weights on
 * the trace's clock: job priority is 0 for every SWF job, age counts from submit, fair-share by the
 * trace's user (field 12) and group as account (field 13), charged procs × run time at each end.
 */
function priorityHooks(jobs: readonly SwfJob[]): Pick<ReplayOptions, 'priorityOf' | 'onEnd'> {
  const fs = new FairShare(DEFAULT_WEIGHTS.half_life_s);
  const calc = new PriorityCalculator(DEFAULT_WEIGHTS, fs);
  const input = new Map(jobs.map((j) => [j, { priority: 0, eligible_s: j.submit, user: `u${j.user}`, account: `g${j.group}` }]));
  return {
    priorityOf: (j, now) => calc.total(input.get(j)!, now),
    onEnd: (j, start, end) => fs.charge(`u${j.user}`, `g${j.group}`, j.procs * (end - start), end),
  };
}

/** The metrics line `--json` prints (key order fixed). */
export interface SimReport {
  trace: string; policy: BackfillMode; order: Order; procs: number;
  jobs: number; skipped: number; mean_wait_s: number; median_wait_s: number; p95_wait_s: number; mean_bsld: number;
  utilization: number; makespan_s: number; wall_s: number; parse_s: number; jobs_per_s: number; cycles: number;
}

/** Reads, replays and measures one trace (what `fleetq sim` and `npm run bench sim` run). */
export async function simulate(a: SimArgs, onProgress?: (done: number, total: number) => void): Promise<{ report: SimReport; timeline: ReturnType<typeof replay>['timeline'] }> {
  const trace = await readSwf(a.trace, { ...(a.procs ? { procs: a.procs } : {}), keep_zero_run: true });
  let jobs: SwfJob[] = trace.jobs.slice(a.skip);
  if (a.first !== undefined) jobs = jobs.slice(0, a.first);
  const r = replay(jobs, { policy: a.policy, order: a.order, procs: trace.machine_procs, timeline: a.plot !== undefined, ...(a.engine ? { engine: a.engine } : {}), ...(onProgress ? { onProgress } : {}), ...(a.order === 'priority' ? priorityHooks(jobs) : {}) });
  const m = computeMetrics(r.finished, trace.machine_procs);
  const round = (x: number, d = 6): number => Number(x.toFixed(d));
  const report: SimReport = {
    trace: a.trace.split('/').pop() ?? a.trace, policy: a.policy, order: a.order, procs: trace.machine_procs,
    jobs: m.jobs, skipped: trace.skipped, mean_wait_s: round(m.mean_wait_s, 3), median_wait_s: m.median_wait_s, p95_wait_s: m.p95_wait_s,
    mean_bsld: round(m.mean_bsld, 3), utilization: round(m.utilization, 4), makespan_s: m.makespan_s,
    wall_s: round(r.wall_s), parse_s: round(trace.parse_s), jobs_per_s: Math.round(m.jobs / Math.max(r.wall_s, 1e-9)), cycles: r.cycles,
  };
  return { report, timeline: r.timeline };
}

export function formatReport(r: SimReport): string {
  const rows: Array<[string, string]> = [
    ['trace', r.trace], ['policy / order', `${r.policy} / ${r.order}`], ['processors', String(r.procs)],
    ['jobs (skipped)', `${r.jobs} (${r.skipped})`], ['mean wait', `${r.mean_wait_s.toFixed(0)} s`], ['median wait', `${r.median_wait_s} s`],
    ['p95 wait', `${r.p95_wait_s} s`], ['mean bounded slowdown', r.mean_bsld.toFixed(2)], ['utilization', `${(100 * r.utilization).toFixed(1)} %`],
    ['makespan', `${r.makespan_s} s (${(r.makespan_s / 86400).toFixed(1)} d)`], ['replay (loop)', `${r.wall_s.toFixed(3)} s, ${r.jobs_per_s} jobs/s, ${r.cycles} cycles`],
    ['parse', `${r.parse_s.toFixed(3)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export async function runSim(argv: string[]): Promise<number> {
  let a: SimArgs;
  try { a = parseSimArgs(argv); } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`fleetq sim: ${e.message}\n${SIM_USAGE}\n`); return 2; }
    throw e;
  }
  let bar: { start(total: number, v: number): void; update(v: number): void; stop(): void } | undefined;
  if (process.stderr.isTTY) {
    const { default: progress } = await import('cli-progress');
    bar = new progress.SingleBar({ stream: process.stderr, format: 'replay [{bar}] {percentage}% | {value}/{total} jobs | {eta}s left', hideCursor: true }, progress.Presets.shades_classic);
  }
  let started = false;
  let result;
  try {
    result = await simulate(a, bar ? (done, total) => { if (!started) { bar!.start(total, 0); started = true; } bar!.update(done); } : undefined);
  } catch (e) {
    bar?.stop();
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? `no such file '${a.trace}'` : err.code === 'EISDIR' ? `'${a.trace}' is a directory` : err.message;
    process.stderr.write(`fleetq sim: ${why}\n`);
    return 1;
  }
  bar?.stop();
  const { report, timeline } = result;
  process.stdout.write(formatReport(report));
  if (a.plot) {
    writeFileSync(a.plot, plotSvg(timeline, { title: `${report.trace}: ${report.policy} backfilling, ${report.order} order, ${report.procs} processors`, procs: report.procs }));
    process.stdout.write(`plot written to ${a.plot}\n`);
  }
  if (a.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}
