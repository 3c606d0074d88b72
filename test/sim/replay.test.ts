/**
 * The replay's schedules: hand-computed tiny traces on which strict order, EASY and conservative
 * backfilling differ (written out below), and properties on random traces — no job starts before
 * its submit or its preceding job's end, the machine is never over-committed, EASY never delays
 * its head job's reservation, conservative never delays any reservation.
 */
import test from 'ava';
import fc from 'fast-check';
import { parseSwfText, type SwfJob } from '../../src/sim/swf.js';
import { replay } from '../../src/sim/replay.js';
import type { BackfillMode } from '../../src/native/backfill.js';

/** An SWF record: id, submit, run, procs, estimate; preceding job and think time optional. */
function rec(id: number, submit: number, run: number, procs: number, estimate = run, preceding = -1, think = -1): string {
  return [id, submit, -1, run, procs, -1, -1, procs, estimate, -1, 1, 1, 1, -1, 1, -1, preceding, think].join(' ');
}

/*
 * Four processors.  J1 (3 procs, 10 s) runs at 0.  J2 (2 procs) waits: it is the head, its
 * reservation is at 10.  J3 (4 procs, 5 s) comes next.  J4 (1 proc, 30 s) fits the one free proc.
 * J5 (1 proc, 5 s) arrives at 4.
 *   none: nothing passes J2 — J2 [10,20), J3 [20,25), then J4 [25,55) and J5 [25,30).
 *   EASY: J4 may start at 3: at 10 J2 still has its two procs (it delays only J3, which holds no
 *         reservation); J5 finds nothing free at 4 and backfills at 10, ending before J3's 33.
 *   conservative: J3 is reserved at [20,25), so J4 may not start until 25; J5 fits [4,9).
 */
const TINY = [rec(1, 0, 10, 3), rec(2, 1, 10, 2), rec(3, 2, 5, 4), rec(4, 3, 30, 1), rec(5, 4, 5, 1)];
const TINY_WANT: Record<BackfillMode, number[]> = {
  none: [0, 10, 20, 25, 25],
  easy: [0, 10, 33, 3, 10],
  conservative: [0, 10, 20, 25, 4],
};

function trace(lines: string[], procs: number): SwfJob[] {
  return parseSwfText(`; MaxProcs: ${procs}\n${lines.join('\n')}\n`, { keep_zero_run: true }).jobs;
}

for (const policy of ['none', 'easy', 'conservative'] as const) {
  for (const engine of ['native', 'ts'] as const) {
    test(`tiny trace, ${policy} (${engine} loop): starts as computed by hand`, (t) => {
      const r = replay(trace(TINY, 4), { policy, order: 'fcfs', procs: 4, engine });
      t.deepEqual(r.finished.map((j) => j.start), TINY_WANT[policy], `${policy}: start times of J1..J5`);
    });
  }
}

test('tiny trace: the three policies give three different schedules', (t) => {
  t.not(JSON.stringify(TINY_WANT.none), JSON.stringify(TINY_WANT.easy));
  t.not(JSON.stringify(TINY_WANT.easy), JSON.stringify(TINY_WANT.conservative));
  t.not(JSON.stringify(TINY_WANT.none), JSON.stringify(TINY_WANT.conservative));
});

test('sjf takes the shortest waiting job first', (t) => {
  // Two procs busy until 10; then B (5 s) goes before A (20 s) though A came first.
  const jobs = trace([rec(1, 0, 10, 2), rec(2, 1, 20, 2), rec(3, 2, 5, 2)], 2);
  t.deepEqual(replay(jobs, { policy: 'easy', order: 'sjf', procs: 2 }).finished.map((j) => j.start), [0, 15, 10]);
  t.deepEqual(replay(jobs, { policy: 'easy', order: 'fcfs', procs: 2 }).finished.map((j) => j.start), [0, 10, 30]);
});

test('priority order follows priorityOf, and onEnd sees every job', (t) => {
  const jobs = trace([rec(1, 0, 10, 2), rec(2, 1, 20, 2), rec(3, 2, 5, 2)], 2);
  const ended: number[] = [];
  const r = replay(jobs, { policy: 'easy', order: 'priority', procs: 2, priorityOf: (j) => (j.id === 2 ? 1 : 5), onEnd: (j) => ended.push(j.id) });
  t.deepEqual(r.finished.map((j) => j.start), [0, 15, 10]);
  t.deepEqual(ended.sort(), [1, 2, 3]);
});

test('a job with a preceding job is submitted after it ends plus think time', (t) => {
  const jobs = trace([rec(1, 0, 50, 1), rec(2, 10, 5, 1, 5, 1, 7)], 4);
  const r = replay(jobs, { policy: 'easy', order: 'fcfs', procs: 4 });
  t.is(r.finished[1]!.start, 57, 'job 1 ends at 50, think time 7');
  t.is(r.finished[1]!.submit, 57, 'its wait counts from then');
});

test('a job that overruns its estimate keeps its processors until it ends', (t) => {
  // J1 asks 10 s but runs 30: J2 (needs both procs) cannot start before 30.
  const r = replay(trace([rec(1, 0, 30, 1, 10), rec(2, 1, 5, 2)], 2), { policy: 'easy', order: 'fcfs', procs: 2 });
  t.deepEqual(r.finished.map((j) => j.start), [0, 30]);
});

/** A random trace: runs no longer than estimates (so reservations are promises), a few dependencies. */
const arbTrace = fc.integer({ min: 2, max: 16 }).chain((procs) => fc.tuple(fc.constant(procs), fc.array(
  fc.record({ gap: fc.integer({ min: 0, max: 40 }), run: fc.integer({ min: 0, max: 100 }), extra: fc.integer({ min: 0, max: 60 }), procs: fc.integer({ min: 1, max: procs }), dep: fc.integer({ min: 0, max: 6 }), think: fc.integer({ min: 0, max: 20 }) }),
  { minLength: 1, maxLength: 40 })));

function build(procs: number, spec: Array<{ gap: number; run: number; extra: number; procs: number; dep: number; think: number }>): SwfJob[] {
  let submit = 0;
  const lines = spec.map((s, i) => {
    submit += s.gap;
    const preceding = s.dep > 0 && i - s.dep >= 0 && s.dep < 3 ? i - s.dep + 1 : -1;
    return rec(i + 1, submit, s.run, s.procs, Math.max(1, s.run + s.extra), preceding, s.think);
  });
  return trace(lines, procs);
}

for (const policy of ['none', 'easy', 'conservative'] as const) {
  test(`property (${policy}): no start before submit or the preceding job's end; never over capacity`, (t) => {
    fc.assert(fc.property(arbTrace, ([procs, spec]) => {
      const jobs = build(procs, spec);
      const r = replay(jobs, { policy, order: 'fcfs', procs });
      const byId = new Map(jobs.map((j, i) => [j.id, i]));
      const events: Array<[number, number]> = [];
      r.finished.forEach((f, i) => {
        if (f.start < f.submit || f.start < jobs[i]!.submit) throw new Error(`job ${i + 1} starts at ${f.start} before its submit ${f.submit}`);
        const p = byId.get(jobs[i]!.preceding);
        if (p !== undefined && p < i && f.start < r.finished[p]!.end) throw new Error(`job ${i + 1} starts at ${f.start} before its preceding job ends at ${r.finished[p]!.end}`);
        events.push([f.start, f.procs], [f.end, -f.procs]);
      });
      events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // ends before starts at one instant
      let used = 0;
      for (const [at, d] of events) { used += d; if (used > procs) throw new Error(`${used} procs in use at ${at} on a ${procs}-proc machine`); }
      return true;
    }), { numRuns: 300 });
    t.pass();
  });
}

for (const policy of ['easy', 'conservative'] as const) {
  test(`property (${policy}): a job never starts later than a reservation it was given${policy === 'easy' ? ' (the head job\'s)' : ''}`, (t) => {
    fc.assert(fc.property(arbTrace, ([procs, spec]) => {
      const jobs = build(procs, spec);
      const promised = new Map<number, number>();
      let reservations = 0;
      const r = replay(jobs, { policy, order: 'fcfs', procs, onReserve: (_now, job, start) => { reservations++; if (!promised.has(job)) promised.set(job, start); } });
      for (const [job, at] of promised) {
        if (r.finished[job]!.start > at) throw new Error(`job ${job + 1} was promised ${at} and started at ${r.finished[job]!.start}`);
      }
      return reservations >= 0;
    }), { numRuns: 300 });
    t.pass();
  });
}

for (const order of ['fcfs', 'sjf'] as const) {
  test(`property (${order}): the native event loop and the TypeScript one give the same schedule, cycles and sweeps`, (t) => {
    fc.assert(fc.property(arbTrace, fc.constantFrom('none', 'easy', 'conservative'), ([procs, spec], policy) => {
      const jobs = build(procs, spec);
      const a = replay(jobs, { policy, order, procs, engine: 'native', timeline: true });
      const b = replay(jobs, { policy, order, procs, engine: 'ts', timeline: true });
      const same = JSON.stringify(a.finished) === JSON.stringify(b.finished) && a.cycles === b.cycles && a.checks === b.checks &&
        JSON.stringify(a.timeline) === JSON.stringify(b.timeline);
      if (!same) throw new Error(`${policy}/${order}: native ${JSON.stringify(a.finished.map((f) => f.start))} vs ts ${JSON.stringify(b.finished.map((f) => f.start))}`);
      return true;
    }), { numRuns: 300 });
    t.pass();
  });
}

test('the two event loops agree on the real Lublin-256 trace (EASY, first 3,000 jobs)', async (t) => {
  const { readSwf } = await import('../../src/sim/swf.js');
  const tr = await readSwf(new URL('../../../../shared/data/swf/lublin_256.swf', import.meta.url).pathname, { keep_zero_run: true });
  const jobs = tr.jobs.slice(0, 3000);
  const a = replay(jobs, { policy: 'easy', order: 'fcfs', procs: tr.machine_procs, engine: 'native' });
  const b = replay(jobs, { policy: 'easy', order: 'fcfs', procs: tr.machine_procs, engine: 'ts' });
  t.deepEqual(a.finished, b.finished);
  t.is(a.checks, b.checks);
});

test('engine native refuses what it cannot do', (t) => {
  t.throws(() => replay(trace(TINY, 4), { policy: 'easy', order: 'priority', procs: 4, engine: 'native' }), { message: /only fcfs and sjf/ });
});

test('property check can fail: a too-small machine is caught by the capacity check', (t) => {
  // The replay refuses nothing on its own: give it a trace whose job is larger than the machine.
  const jobs = parseSwfText(`; MaxProcs: 8\n${rec(1, 0, 10, 8)}\n`).jobs;
  const r = replay(jobs, { policy: 'easy', order: 'fcfs', procs: 8 });
  t.is(r.finished[0]!.start, 0);
  t.throws(() => replay(jobs, { policy: 'easy', order: 'fcfs', procs: 4 }), undefined, 'an 8-proc job on a 4-proc machine can never start');
});
