/**
 * bench/sim: trace replay speed and schedule quality — the full SDSC-SP2 (1998) and Lublin-256
 * traces under strict order (none), EASY and conservative backfilling, FCFS order, through the
 * same code as `fleetq sim` (the scheduler's policy and the native core on a virtual clock).
 * `wall_s` is the simulation loop only (the median of --reps runs, default 3; `wall_s_min` the
 * fastest); `parse_s` reading the trace. Reference: a plain
 * single-file Python simulator of the same policies replays SDSC-SP2's 54,044 usable jobs in about
 * 0.33 s (EASY) and 2.4 s (conservative), loop only (the figures; no Python peer runs here).
 * Each case also runs once through the TypeScript event loop (src/sim/replay.ts, engine 'ts': the
 * policy layer as the daemon drives it), which must give the same schedule: `ts_loop_wall_s` and
 * `ts_over_native` are that peer's time and the ratio.
 * stdout: one JSON line per run; stderr: a table.
 * With --seq-len L --seqs K it instead replays K sequences of L jobs starting at evenly spaced
 * points of each trace (the way RLScheduler, SC'20, reports bounded slowdown on 1,024-job
 * sequences), for each order of --orders, and reports the mean and median of their mean bsld.
 * Usage: npm run bench sim [--traces A.swf,B.swf.gz] [--policies none,easy,conservative] [--order fcfs] [--first N] [--reps 3]
 *        npm run bench sim -- --seq-len 1024 --seqs 20 [--orders fcfs,sjf] [--policies easy]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { simulate, type SimReport } from '../src/sim/cli.js';
import type { BackfillMode } from '../src/native/backfill.js';
import type { Order } from '../src/scheduler/policy.js';

const SWF = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'swf');
const { values } = parseArgs({ options: {
  traces: { type: 'string', default: `${join(SWF, 'SDSC-SP2-1998-4.2-cln.swf.gz')},${join(SWF, 'lublin_256.swf')}` },
  policies: { type: 'string', default: 'none,easy,conservative' },
  order: { type: 'string', default: 'fcfs' },
  first: { type: 'string' }, reps: { type: 'string', default: '3' },
  'seq-len': { type: 'string' }, seqs: { type: 'string', default: '20' }, orders: { type: 'string', default: 'fcfs,sjf' },
} });

if (values['seq-len'] !== undefined) { await sequences(Number(values['seq-len']), Number(values.seqs)); process.exit(0); }

/** K sequences of L jobs per trace, order and policy: mean and median of the sequences' mean bsld. */
async function sequences(len: number, k: number): Promise<void> {
  const { readSwf } = await import('../src/sim/swf.js');
  const lines: string[][] = [];
  for (const trace of (values.traces ?? '').split(',')) {
    const total = (await readSwf(trace, { keep_zero_run: true })).jobs.length;
    for (const order of (values.orders ?? '').split(',') as Order[]) {
      for (const policy of (values.policies ?? '').split(',') as BackfillMode[]) {
        const bsld: number[] = [];
        let wall = 0;
        for (let i = 0; i < k; i++) {
          const skip = k === 1 ? 0 : Math.floor((i * (total - len)) / (k - 1));
          const { report } = await simulate({ trace, policy, order, skip, first: len, json: true });
          bsld.push(report.mean_bsld);
          wall += report.wall_s;
        }
        const sorted = [...bsld].sort((a, b) => a - b);
        const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
        const mean = bsld.reduce((a, b) => a + b, 0) / bsld.length;
        const name = trace.split('/').pop()!.replace(/\.swf(\.gz)?$/, '');
        process.stdout.write(`${JSON.stringify({ bench: 'sim_sequences', trace: name, policy, order, seq_len: len, seqs: k, mean_bsld_mean: Number(mean.toFixed(3)), mean_bsld_median: Number(median.toFixed(3)), mean_bsld_min: Number(sorted[0]!.toFixed(3)), mean_bsld_max: Number(sorted[sorted.length - 1]!.toFixed(3)), wall_s: Number(wall.toFixed(4)) })}\n`);
        lines.push([name, policy, order, mean.toFixed(1), median.toFixed(1), sorted[0]!.toFixed(1), sorted[sorted.length - 1]!.toFixed(1)]);
      }
    }
  }
  const head = ['trace', 'policy', 'order', `mean of ${k} mean bsld`, 'median', 'min', 'max'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((r) => r[i]!.length)));
  process.stderr.write(`${[head, ...lines].map((r) => r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n')}\n`);
}

const rows: SimReport[] = [];
for (const trace of (values.traces ?? '').split(',')) {
  for (const policy of (values.policies ?? '').split(',') as BackfillMode[]) {
    // The loop's time is the median of --reps runs (this machine's timings vary run to run); the
    // schedule, and so every other figure, is the same in each.
    const runs: SimReport[] = [];
    for (let r = 0; r < Math.max(1, Number(values.reps)); r++) {
      runs.push((await simulate({ trace, policy, order: (values.order ?? 'fcfs') as Order, skip: 0, json: true, ...(values.first ? { first: Number(values.first) } : {}) })).report);
    }
    const walls = runs.map((x) => x.wall_s).sort((a, b) => a - b);
    // The peer that runs here: the same replay through the TypeScript event loop (the policy layer
    // the daemon drives), once — it must give the same schedule.
    const ts = (await simulate({ trace, policy, order: (values.order ?? 'fcfs') as Order, skip: 0, json: true, engine: 'ts', ...(values.first ? { first: Number(values.first) } : {}) })).report;
    if (ts.mean_wait_s !== runs[0]!.mean_wait_s || ts.mean_bsld !== runs[0]!.mean_bsld) throw new Error(`${trace} ${policy}: the TypeScript loop's schedule differs`);
    const median = walls[Math.floor(walls.length / 2)]!;
    const report = { ...runs[0]!, wall_s: median, wall_s_min: walls[0]!, reps: runs.length, ts_loop_wall_s: ts.wall_s, ts_over_native: Number((ts.wall_s / median).toFixed(2)) };
    report.jobs_per_s = Math.round(report.jobs / report.wall_s);
    rows.push(report);
    process.stdout.write(`${JSON.stringify({ bench: 'sim', ...report })}\n`);
  }
}
const head = ['trace', 'policy', 'jobs', 'mean wait s', 'p95 wait s', 'mean bsld', 'util', 'loop s', 'jobs/s', 'TS loop s', 'parse s'];
const table = rows.map((r) => [r.trace.replace(/\.swf(\.gz)?$/, ''), r.policy, String(r.jobs), r.mean_wait_s.toFixed(0), String(r.p95_wait_s), r.mean_bsld.toFixed(2), r.utilization.toFixed(3), r.wall_s.toFixed(3), String(r.jobs_per_s), `${(r as { ts_loop_wall_s?: number }).ts_loop_wall_s?.toFixed(3) ?? '-'}`, r.parse_s.toFixed(3)]);
const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
process.stderr.write(`${[head, ...table].map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n')}\n`);
