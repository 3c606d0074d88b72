/**
 * Job priority (Slurm's multifactor with classic fair-share): usage decay, fair-share factors,
 * the age and -p parts, weights, and the property that more usage never raises a factor.
 */
import test from 'ava';
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import { FairShare, PriorityCalculator, DEFAULT_WEIGHTS, formatParts, type PriorityWeights, type PriorityInput } from '../../src/scheduler/priority.js';
import { UsageRecorder, ncpusOf } from '../../src/scheduler/usage.js';
import type { JobRecord } from '../../src/jobs/model.js';
import type { ChangeEvent } from '../../src/jobs/service.js';

const H = 3600;
const T0 = 1_700_000_000;
const close = (got: number, want: number, eps = 1e-9): boolean => Math.abs(got - want) <= eps * Math.max(1, Math.abs(want));

test('usage decays: halved after one half-life, quartered after two, kept without decay', (t) => {
  const cases: Array<{ name: string; half: number; after: number; want: number }> = [
    { name: 'at the charge', half: H, after: 0, want: 1000 },
    { name: 'one half-life', half: H, after: H, want: 500 },
    { name: 'two half-lives', half: H, after: 2 * H, want: 250 },
    { name: 'half a half-life', half: H, after: H / 2, want: 1000 / Math.SQRT2 },
    { name: 'no decay (0)', half: 0, after: 100 * H, want: 1000 },
  ];
  for (const c of cases) {
    const fs = new FairShare(c.half);
    fs.charge('alice', '', 1000, T0);
    const got = fs.userUsage('alice', T0 + c.after);
    t.true(close(got, c.want), `${c.name}: want ${c.want} cpu-s, got ${got}`);
  }
});

test('charges at different times add as decayed sums, in any order', (t) => {
  const a = new FairShare(H);
  a.charge('u', '', 100, T0);
  a.charge('u', '', 100, T0 + H);
  const b = new FairShare(H);
  b.charge('u', '', 100, T0 + H);
  b.charge('u', '', 100, T0); // older charge after a newer one
  const want = 100 * 0.25 + 100 * 0.5; // seen at T0 + 2H
  for (const [name, fs] of [['in order', a], ['out of order', b]] as const) {
    const got = fs.userUsage('u', T0 + 2 * H);
    t.true(close(got, want), `${name}: want ${want}, got ${got}`);
  }
});

test('fair-share factors: 1 unused, 0.5 at its share, lower for the heavier user', (t) => {
  const cases: Array<{ name: string; charges: Array<[string, string, number]>; user: string; want: number }> = [
    { name: 'nobody used anything', charges: [], user: 'alice', want: 1 },
    { name: 'unused user among others', charges: [['bob', 'a', 100]], user: 'alice', want: 1 },
    { name: 'the only user', charges: [['bob', 'a', 100]], user: 'bob', want: 0.5 },
    { name: 'two equal users', charges: [['bob', 'a', 100], ['carol', 'a', 100]], user: 'bob', want: 0.5 },
    { name: 'heavier of two (3/4)', charges: [['bob', 'a', 300], ['carol', 'a', 100]], user: 'bob', want: 2 ** (-(0.75 / 0.5)) },
    { name: 'lighter of two (1/4)', charges: [['bob', 'a', 300], ['carol', 'a', 100]], user: 'carol', want: 2 ** (-(0.25 / 0.5)) },
    { name: 'seen with zero usage', charges: [['bob', 'a', 0], ['carol', 'a', 100]], user: 'bob', want: 1 },
    { name: 'all usage of two users', charges: [['bob', 'a', 0], ['carol', 'a', 100]], user: 'carol', want: 0.25 },
  ];
  for (const c of cases) {
    const fs = new FairShare(H);
    for (const [u, a, cpu] of c.charges) fs.charge(u, a, cpu, T0);
    const got = fs.factors(c.user, 'a', T0).user;
    t.true(close(got, c.want), `${c.name}: want ${c.want}, got ${got}`);
  }
});

test('account factors count accounts, and an empty account is "default"', (t) => {
  const fs = new FairShare(H);
  fs.charge('bob', '', 300, T0);
  fs.charge('carol', 'physics', 100, T0);
  const cases: Array<{ name: string; account: string; want: number }> = [
    { name: 'empty = default (3/4 of usage)', account: '', want: 2 ** -1.5 },
    { name: 'default by name', account: 'default', want: 2 ** -1.5 },
    { name: 'physics (1/4)', account: 'physics', want: 2 ** -0.5 },
    { name: 'never charged', account: 'chem', want: 1 },
  ];
  for (const c of cases) {
    const got = fs.accountFactor(c.account, T0);
    t.true(close(got, c.want), `${c.name}: want ${c.want}, got ${got}`);
  }
});

test('running jobs count ncpus × elapsed until stopped; factors follow changes at the same now', (t) => {
  const fs = new FairShare(0);
  fs.charge('carol', '', 400, T0);
  t.is(fs.userFactor('bob', T0 + 100), 1, 'bob has used nothing yet');
  fs.startRunning('1.srv', 'bob', '', 4, T0);
  t.is(fs.userUsage('bob', T0 + 100), 400, 'four cpus for 100 s');
  t.true(close(fs.userFactor('bob', T0 + 100), 0.5), `equal usage → 0.5, got ${fs.userFactor('bob', T0 + 100)}`);
  fs.startRunning('1.srv', 'bob', '', 4, T0); // a restart sees the same job again
  t.is(fs.userUsage('bob', T0 + 100), 400, 'starting the same id twice counts once');
  t.true(fs.stopRunning('1.srv'));
  t.false(fs.stopRunning('1.srv'), 'a second stop finds nothing');
  t.is(fs.userUsage('bob', T0 + 100), 0, 'stopped and not charged yet');
  t.is(fs.userFactor('bob', T0 + 100), 1, 'the cached factor was dropped on the change');
  fs.charge('bob', '', 400, T0 + 100);
  t.true(close(fs.userFactor('bob', T0 + 100), 0.5));
});

test('bad usage and half-lives are refused', (t) => {
  t.throws(() => new FairShare(-1), { instanceOf: RangeError, message: /half_life_s/ });
  t.throws(() => new FairShare(H).charge('u', '', -5, T0), { instanceOf: RangeError, message: /cpu_seconds: -5/ });
  t.throws(() => new PriorityCalculator({ ...DEFAULT_WEIGHTS, age: -1 }, new FairShare(H)), { instanceOf: RangeError, message: /weights\.age/ });
});

const W: PriorityWeights = { job: 1000, age: 2000, fairshare_user: 4000, fairshare_account: 8000, max_age_s: 1000, half_life_s: H };
const job = (o: Partial<PriorityInput> = {}): PriorityInput => ({ priority: 0, eligible_s: T0, user: 'alice', account: '', ...o });

test('parts: -p, age capped at max_age, fair-share; the total is their sum', (t) => {
  const fs = new FairShare(H);
  fs.charge('bob', 'a', 100, T0);
  const cases: Array<{ name: string; w?: Partial<PriorityWeights>; j: PriorityInput; now: number; want: { job: number; age: number; fairshare_user: number; fairshare_account: number } }> = [
    { name: '-p 0, no wait, fresh user', j: job(), now: T0, want: { job: 500, age: 0, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: '-p 1023 is the whole job weight', j: job({ priority: 1023 }), now: T0, want: { job: 1000, age: 0, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: '-p -1024 is none of it', j: job({ priority: -1024 }), now: T0, want: { job: 0, age: 0, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: 'half of max_age', j: job(), now: T0 + 500, want: { job: 500, age: 1000, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: 'age caps at max_age', j: job(), now: T0 + 50_000, want: { job: 500, age: 2000, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: 'not eligible yet', j: job({ eligible_s: T0 + 10 }), now: T0, want: { job: 500, age: 0, fairshare_user: 4000, fairshare_account: 8000 } },
    { name: 'the only user and account: 0.5 each', j: job({ user: 'bob', account: 'a' }), now: T0, want: { job: 500, age: 0, fairshare_user: 2000, fairshare_account: 4000 } },
    { name: 'weights zero → parts zero', w: { job: 0, age: 0, fairshare_user: 0, fairshare_account: 0 }, j: job({ user: 'bob', priority: 1023 }), now: T0 + 900, want: { job: 0, age: 0, fairshare_user: 0, fairshare_account: 0 } },
    { name: 'only age weighted', w: { job: 0, fairshare_user: 0, fairshare_account: 0 }, j: job(), now: T0 + 250, want: { job: 0, age: 500, fairshare_user: 0, fairshare_account: 0 } },
  ];
  for (const c of cases) {
    const calc = new PriorityCalculator({ ...W, ...c.w }, fs);
    const got = calc.of(c.j, c.now);
    const sum = c.want.job + c.want.age + c.want.fairshare_user + c.want.fairshare_account;
    t.deepEqual(got, { total: sum, ...c.want }, c.name);
    t.is(calc.total(c.j, c.now), sum, `${c.name}: total() agrees with of()`);
  }
});

test('formatParts is what qstat -f shows', (t) => {
  t.is(formatParts({ total: 10, job: 1, age: 2, fairshare_user: 3, fairshare_account: 4 }), 'job=1,age=2,fairshare_user=3,fairshare_account=4');
});

test('a heavier user gets a lower fair-share part and a lower total, all else equal', (t) => {
  const fs = new FairShare(H);
  fs.charge('heavy', '', 5000, T0);
  fs.charge('light', '', 1000, T0);
  const calc = new PriorityCalculator(DEFAULT_WEIGHTS, fs);
  const heavy = calc.of(job({ user: 'heavy' }), T0 + 60);
  const light = calc.of(job({ user: 'light' }), T0 + 60);
  const fresh = calc.of(job({ user: 'fresh' }), T0 + 60);
  t.true(heavy.fairshare_user < light.fairshare_user && light.fairshare_user < fresh.fairshare_user,
    `want heavy < light < fresh, got ${heavy.fairshare_user}, ${light.fairshare_user}, ${fresh.fairshare_user}`);
  t.true(heavy.total < light.total, `totals ${heavy.total} vs ${light.total}`);
});

test('property: more usage never gives a higher fair-share factor', (t) => {
  const charge = fc.record({ user: fc.constantFrom('a', 'b', 'c', 'd'), cpu: fc.double({ min: 0, max: 1e7, noNaN: true }), dt: fc.integer({ min: 0, max: 30 * 86400 }) });
  fc.assert(fc.property(fc.array(charge, { maxLength: 30 }), fc.constantFrom('a', 'b', 'c', 'd'), fc.double({ min: 0, max: 1e7, noNaN: true }),
    fc.integer({ min: 0, max: 30 * 86400 }), fc.constantFrom(0, H, 7 * 86400), (history, who, extra, later, half) => {
      const base = new FairShare(half);
      const more = new FairShare(half);
      let now = T0;
      for (const c of history) { now += c.dt; base.charge(c.user, '', c.cpu, now); more.charge(c.user, '', c.cpu, now); }
      base.charge(who, '', 0, now); // seen in both, so both count the same users
      more.charge(who, '', extra, now);
      const f0 = base.userFactor(who, now + later);
      const f1 = more.userFactor(who, now + later);
      return f1 <= f0 + 1e-12 && f1 >= 0 && f0 <= 1;
    }), { numRuns: 500 });
  t.pass();
});

test('speed: a cached lookup per job is cheap (10 users, 100,000 jobs at one now)', (t) => {
  const fs = new FairShare(7 * 86400);
  for (let u = 0; u < 10; u++) fs.charge(`u${u}`, `acct${u % 3}`, 1000 * (u + 1), T0);
  const calc = new PriorityCalculator(DEFAULT_WEIGHTS, fs);
  const jobs = Array.from({ length: 100_000 }, (_, i) => job({ user: `u${i % 10}`, account: `acct${i % 3}`, eligible_s: T0 - i, priority: (i % 2047) - 1024 }));
  const t0 = performance.now();
  let sum = 0;
  for (const j of jobs) sum += calc.total(j, T0 + 3600);
  const ms = performance.now() - t0;
  t.true(sum > 0);
  t.true(ms < 500, `100,000 totals took ${ms.toFixed(1)} ms (want < 500 ms even on a loaded machine)`);
  t.log(`100,000 totals: ${ms.toFixed(1)} ms`);
});

/** Just what UsageRecorder reads of a job. */
function rec(o: { id: string; state: JobRecord['state']; user: string; account?: string; ncpus: number; start: number; end?: number; used?: number; alloc?: boolean }): JobRecord {
  return {
    id: o.id, state: o.state, spec: { user: o.user, account: o.account ?? '' }, alloc: o.alloc === false ? [] : [{ node: 'n', ncpus: o.ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }],
    resources: { chunks: [{ count: 1, ncpus: o.ncpus }] }, start_time_unix: o.start, end_time_unix: o.end ?? 0, used_walltime_seconds: o.used ?? 0,
  } as unknown as JobRecord;
}

class FakeJobs extends EventEmitter<{ change: [ChangeEvent] }> {
  constructor(readonly jobs: JobRecord[]) { super(); }
  *inStates(...states: Array<JobRecord['state']>): Generator<JobRecord> { for (const j of this.jobs) if (states.includes(j.state)) yield j; }
  send(kind: string, job: JobRecord, time = job.end_time_unix): void { this.emit('change', { event: { kind, time_unix: time } as ChangeEvent['event'], job }); }
}

test('usage from the job service: rebuilt from the store, then followed (start, finish, requeue, never ran)', (t) => {
  const fs = new FairShare(0);
  const jobs = new FakeJobs([
    rec({ id: '1.s', state: 'JOB_STATE_FINISHED', user: 'ann', ncpus: 2, start: T0, end: T0 + 100, used: 100 }),
    rec({ id: '2.s', state: 'JOB_STATE_FINISHED', user: 'ann', ncpus: 4, start: 0, end: T0 }), // deleted while queued
    rec({ id: '3.s', state: 'JOB_STATE_RUNNING', user: 'ben', account: 'phys', ncpus: 3, start: T0 + 100 }),
    rec({ id: '4.s', state: 'JOB_STATE_FINISHED', user: 'cat', ncpus: 1, start: T0, end: T0 + 50, used: 0 }), // forced qdel: no walltime reported
    { ...rec({ id: '8[].s', state: 'JOB_STATE_FINISHED', user: 'cat', ncpus: 1, start: T0, end: T0 + 50, alloc: false }), array: true }, // its subjob 8[1] is charged
    rec({ id: '8[1].s', state: 'JOB_STATE_FINISHED', user: 'cat', ncpus: 1, start: T0, end: T0 + 10, used: 10 }),
    rec({ id: '9.s', state: 'JOB_STATE_QUEUED', user: 'fay', ncpus: 1, start: T0, end: 0 }), // requeued: not running now
  ]);
  const detach = new UsageRecorder(fs).attach(jobs);
  const at = T0 + 200;
  const cases: Array<{ name: string; user: string; want: number }> = [
    { name: 'finished: ncpus × walltime', user: 'ann', want: 200 },
    { name: 'running: ncpus × elapsed', user: 'ben', want: 300 },
    { name: 'no walltime reported: end − start; a subjob; not its array', user: 'cat', want: 50 + 10 },
    { name: 'queued: nothing', user: 'fay', want: 0 },
  ];
  for (const c of cases) t.is(fs.userUsage(c.user, at), c.want, `rebuild, ${c.name}`);

  jobs.send('finished', rec({ id: '3.s', state: 'JOB_STATE_FINISHED', user: 'ben', account: 'phys', ncpus: 3, start: T0 + 100, end: T0 + 150, used: 50 }));
  t.is(fs.userUsage('ben', at), 150, 'finished: the running count is replaced by ncpus × used walltime');
  const run5 = rec({ id: '5.s', state: 'JOB_STATE_RUNNING', user: 'dan', ncpus: 2, start: T0 + 150 });
  jobs.send('started', run5);
  t.is(fs.userUsage('dan', at), 100, 'started: counts while it runs');
  jobs.send('requeued', { ...run5, state: 'JOB_STATE_QUEUED' } as JobRecord, T0 + 170);
  t.is(fs.userUsage('dan', at), 40, 'requeued: charged for the 20 s it ran, then no longer counting');
  jobs.send('requeued', { ...run5, state: 'JOB_STATE_QUEUED' } as JobRecord, T0 + 190);
  t.is(fs.userUsage('dan', at), 40, 'a requeue of a job not running charges nothing');
  for (const [account, used] of [['phys', 150], ['', 300]] as const) {
    const want = 2 ** (-(used / 450) * 2); // two accounts seen: a share of 1/2 each
    t.true(close(fs.accountFactor(account, at), want), `account '${account}' used ${used} of 450: want ${want}, got ${fs.accountFactor(account, at)}`);
  }
  jobs.send('finished', { ...rec({ id: '10[].s', state: 'JOB_STATE_FINISHED', user: 'dan', ncpus: 4, start: T0, end: T0 + 100, alloc: false }), array: true });
  t.is(fs.userUsage('dan', at), 40, "an array's parent finishing charges nothing (its subjobs were)");
  detach();
  jobs.send('started', rec({ id: '6.s', state: 'JOB_STATE_RUNNING', user: 'eve', ncpus: 8, start: T0 }));
  t.is(fs.userUsage('eve', at), 0, 'detached: changes no longer followed');
  t.is(ncpusOf(rec({ id: '7.s', state: 'JOB_STATE_QUEUED', user: 'x', ncpus: 6, start: 0, alloc: false })), 6, 'ncpus from the request when not allocated');
});
