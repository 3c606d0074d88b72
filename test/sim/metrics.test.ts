import test from 'ava';
import { computeMetrics, type FinishedJob, type SimMetrics } from '../../src/sim/metrics.js';
import { FleetqError } from '../../src/util/errors.js';

interface Case { name: string; input: { procs: number; jobs: FinishedJob[] }; want: SimMetrics }

const job = (submit: number, start: number, end: number, run: number, procs: number): FinishedJob => ({ submit, start, end, run, procs });

// Four jobs on 4 processors, worked by hand:
//   job  submit start  end  run procs  wait  bsld = max(1, (wait+run)/max(run,10))
//   a       0     0   100  100   4      0   100/100 = 1
//   b      10   100   150   50   2     90   140/50  = 2.8
//   c      20   100   105    5   2     80    85/10  = 8.5   (run < τ: divided by 10)
//   d      30   150   350  200   4    120   320/200 = 1.6
//   waits sorted 0 80 90 120: mean 290/4 = 72.5, median (80+90)/2 = 85, p95 = ⌈0.95·4⌉ = 4th = 120
//   mean bsld 13.9/4 = 3.475; busy 4·100 + 2·50 + 2·5 + 4·200 = 1310; makespan 350 − 0 = 350
//   utilization 1310 / (4·350) = 1310/1400
const four = [job(0, 0, 100, 100, 4), job(10, 100, 150, 50, 2), job(20, 100, 105, 5, 2), job(30, 150, 350, 200, 4)];
const fourWant: SimMetrics = { jobs: 4, mean_wait_s: 72.5, median_wait_s: 85, p95_wait_s: 120, mean_bsld: 3.475, utilization: 1310 / 1400, makespan_s: 350 };

// Twenty 10-s one-processor jobs, all submitted at 0, job i (1..20) starting at i on 20 processors:
//   waits 1..20: mean 10.5, median (10+11)/2 = 10.5, nearest-rank p95 = ⌈19⌉ = 19th = 19
//   (linear interpolation would give 19.05); bsld (i+10)/10 → mean (210+200)/200 = 2.05
//   busy 20·10 = 200, makespan 30 − 0 = 30, utilization 200/(20·30) = 1/3
const twenty = Array.from({ length: 20 }, (_, k) => job(0, k + 1, k + 11, 10, 1));

// Twenty-one jobs with waits 0..20 (odd count): median = 11th = 10; p95 = ⌈19.95⌉ = 20th = 19
//   bsld max(1, (w+100)/100) → mean 1 + 210/2100 = 1.1; busy 21·100·1 = 2100; makespan 120 − 0
//   = 120; utilization 2100/(21·120) = 2100/2520
const twentyOne = Array.from({ length: 21 }, (_, w) => job(0, w, w + 100, 100, 1));

const cases: Case[] = [
  { name: 'one job, no wait, half the machine', input: { procs: 4, jobs: [job(0, 0, 100, 100, 2)] },
    want: { jobs: 1, mean_wait_s: 0, median_wait_s: 0, p95_wait_s: 0, mean_bsld: 1, utilization: 200 / 400, makespan_s: 100 } },
  { name: 'short job: bounded slowdown floors at 1 ((5+2)/10 = 0.7)', input: { procs: 1, jobs: [job(0, 5, 7, 2, 1)] },
    want: { jobs: 1, mean_wait_s: 5, median_wait_s: 5, p95_wait_s: 5, mean_bsld: 1, utilization: 2 / 7, makespan_s: 7 } },
  { name: 'short job, long wait: (38+2)/10 = 4, not (38+2)/2 = 20', input: { procs: 1, jobs: [job(0, 38, 40, 2, 1)] },
    want: { jobs: 1, mean_wait_s: 38, median_wait_s: 38, p95_wait_s: 38, mean_bsld: 4, utilization: 2 / 40, makespan_s: 40 } },
  { name: 'four jobs on 4 processors (table above)', input: { procs: 4, jobs: four }, want: fourWant },
  { name: 'the same four jobs in another order', input: { procs: 4, jobs: [four[3]!, four[1]!, four[0]!, four[2]!] }, want: fourWant },
  { name: 'the same four jobs on 8 processors: only utilization changes', input: { procs: 8, jobs: four },
    want: { ...fourWant, utilization: 1310 / 2800 } },
  { name: 'makespan starts at the first submit, not at 0', input: { procs: 2, jobs: [job(1000, 1010, 1110, 100, 2)] },
    want: { jobs: 1, mean_wait_s: 10, median_wait_s: 10, p95_wait_s: 10, mean_bsld: 1.1, utilization: 200 / 220, makespan_s: 110 } },
  { name: 'twenty jobs: even median, nearest-rank p95', input: { procs: 20, jobs: twenty },
    want: { jobs: 20, mean_wait_s: 10.5, median_wait_s: 10.5, p95_wait_s: 19, mean_bsld: 2.05, utilization: 1 / 3, makespan_s: 30 } },
  { name: 'twenty-one jobs: odd median', input: { procs: 21, jobs: twentyOne },
    want: { jobs: 21, mean_wait_s: 10, median_wait_s: 10, p95_wait_s: 19, mean_bsld: 1.1, utilization: 2100 / (21 * 120), makespan_s: 120 } },
  { name: 'zero makespan: utilization 0, not NaN', input: { procs: 1, jobs: [job(5, 5, 5, 0, 1)] },
    want: { jobs: 1, mean_wait_s: 0, median_wait_s: 0, p95_wait_s: 0, mean_bsld: 1, utilization: 0, makespan_s: 0 } },
  { name: 'no jobs: all zero', input: { procs: 8, jobs: [] },
    want: { jobs: 0, mean_wait_s: 0, median_wait_s: 0, p95_wait_s: 0, mean_bsld: 0, utilization: 0, makespan_s: 0 } },
];

for (const c of cases) {
  test(`metrics: ${c.name}`, (t) => {
    const got = computeMetrics(c.input.jobs, c.input.procs);
    t.deepEqual(Object.keys(got).sort(), Object.keys(c.want).sort(), 'keys');
    for (const k of Object.keys(c.want) as Array<keyof SimMetrics>) {
      t.true(Math.abs(got[k] - c.want[k]) <= 1e-12 * Math.max(1, Math.abs(c.want[k])), `${k}: want ${c.want[k]}, got ${got[k]}`);
    }
  });
}

test('metrics: the input is not reordered', (t) => {
  const jobs = [four[3]!, four[0]!];
  computeMetrics(jobs, 4);
  t.deepEqual(jobs, [four[3], four[0]]);
});

interface BadCase { name: string; input: { procs: number; jobs: FinishedJob[] }; want: { field: string; message: RegExp } }

const bad: BadCase[] = [
  { name: 'start before submit', input: { procs: 4, jobs: [four[0]!, job(10, 5, 20, 15, 1)] },
    want: { field: 'jobs[1].start', message: /^jobs\[1\]\.start: 5 is before submit 10$/ } },
  { name: 'end before start', input: { procs: 4, jobs: [job(0, 10, 5, 1, 1)] },
    want: { field: 'jobs[0].end', message: /^jobs\[0\]\.end: 5 is before start 10$/ } },
  { name: 'more processors than the machine', input: { procs: 4, jobs: [job(0, 0, 5, 5, 5)] },
    want: { field: 'jobs[0].procs', message: /expected an integer in 1\.\.4, got 5/ } },
  { name: 'zero processors', input: { procs: 4, jobs: [job(0, 0, 5, 5, 0)] },
    want: { field: 'jobs[0].procs', message: /got 0/ } },
  { name: 'a NaN time', input: { procs: 4, jobs: [job(0, Number.NaN, 5, 5, 1)] },
    want: { field: 'jobs[0].start', message: /expected a finite number, got NaN/ } },
  { name: 'a negative run', input: { procs: 4, jobs: [job(0, 0, 5, -1, 1)] },
    want: { field: 'jobs[0].run', message: /expected ≥ 0, got -1/ } },
  { name: 'a machine of 0 processors', input: { procs: 0, jobs: [] },
    want: { field: 'machine_procs', message: /positive integer, got 0/ } },
];

for (const c of bad) {
  test(`metrics refuses: ${c.name}`, (t) => {
    const err = t.throws(() => computeMetrics(c.input.jobs, c.input.procs), { instanceOf: FleetqError });
    t.is(err.field, c.want.field);
    t.regex(err.message, c.want.message);
  });
}
