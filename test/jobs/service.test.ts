import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';
import { JobService } from '../../src/jobs/service.js';
import type { JobRecord } from '../../src/jobs/model.js';
import type { JobSpec__Output } from '../../src/gen/fleetq/v1/JobSpec.js';
import { FleetqError, type ErrorCode } from '../../src/util/errors.js';

type S = Store<JobRecord, { name: string }, { name: string }>;
const queues = [{ name: 'workq', priority: 0, enabled: true, started: true, default_walltime_seconds: 0, max_walltime_seconds: 0 },
  { name: 'short', priority: 10, enabled: true, started: true, default_walltime_seconds: 600, max_walltime_seconds: 3600 },
  { name: 'closed', priority: 0, enabled: false, started: true, default_walltime_seconds: 0, max_walltime_seconds: 0 }];

function spec(p: Partial<JobSpec__Output> = {}): JobSpec__Output {
  return {
    name: '', queue: '', script: 'echo hi\n', resource_list: '', workdir: '/tmp', output_path: '', error_path: '', join_path: '',
    variables: {}, account: '', priority: 0, has_rerunnable: false, rerunnable: false, execution_time_unix: 0, mail_points: '',
    mail_users: '', shell: '', depend: '', hold: false, submit_args: '', submit_host: 'h1', user: 'alice', attributes: {}, script_name: '', array_indices: '', max_run_subjobs: 0, ...p,
  };
}

async function open(dir = mkdtempSync(join(tmpdir(), 'fq-svc-'))): Promise<{ dir: string; store: S; svc: JobService }> {
  const store = await Store.open<JobRecord, { name: string }, { name: string }>(dir);
  const svc = new JobService(store, { server: 'srv', queues, defaultQueue: 'workq', maxScriptBytes: 1024 });
  return { dir, store, svc };
}

test('submit is durable: a reopened store has the job, its journal and the id sequence', async (t) => {
  const a = await open();
  const { job } = await a.svc.submit(spec({ name: 'one' }), '');
  t.is(job.id, '1.srv');
  t.is(job.state_letter, 'Q');
  t.is(job.owner, 'alice@h1');
  t.is(job.output_path, 'h1:/tmp/one.o1');
  await a.store.close();
  const b = await open(a.dir);
  t.is(b.svc.find('1').spec.name, 'one');
  t.deepEqual(b.svc.journal(1).map((e) => e.kind), ['submitted']);
  t.is((await b.svc.submit(spec(), '')).job.seq, 2, 'the sequence continues after a restart');
  await b.store.close();
});

test('a request id makes submit idempotent, also for concurrent retries', async (t) => {
  const { svc, store } = await open();
  const [x, y] = await Promise.all([svc.submit(spec(), 'k1'), svc.submit(spec(), 'k1')]);
  t.is(x.job.seq, y.job.seq);
  t.true(x.existing !== y.existing);
  const z = await svc.submit(spec(), 'k1');
  t.true(z.existing);
  t.is(z.job.seq, x.job.seq);
  t.is(svc.list({}).length, 1);
  await store.close();
});

test('bad specs are refused with the field named', async (t) => {
  const { svc, store } = await open();
  const cases: Array<[Partial<JobSpec__Output>, ErrorCode, string]> = [
    [{ queue: 'nope' }, 'UNKNOWN_QUEUE', 'queue'],
    [{ queue: 'closed' }, 'QUEUE_DISABLED', 'queue'],
    [{ script: 'x'.repeat(2000) }, 'INVALID_ARGUMENT', 'script'],
    [{ script: '' }, 'INVALID_ARGUMENT', 'script'],
    [{ priority: 5000 }, 'INVALID_ARGUMENT', 'Priority'],
    [{ workdir: 'relative' }, 'INVALID_ARGUMENT', 'workdir'],
    [{ join_path: 'xx' }, 'INVALID_ARGUMENT', 'Join_Path'],
    [{ resource_list: 'select=banana' }, 'INVALID_ARGUMENT', 'Resource_List.select'],
    [{ queue: 'short', resource_list: 'walltime=2:00:00' }, 'RESOURCE_LIMIT', 'Resource_List.walltime'],
    [{ depend: 'whenever:1' }, 'INVALID_ARGUMENT', 'depend'],
  ];
  for (const [p, code, field] of cases) {
    const e = await t.throwsAsync(svc.submit(spec(p), ''), { instanceOf: FleetqError }) as FleetqError;
    t.is(e.code, code, JSON.stringify(p));
    t.is(e.field, field, JSON.stringify(p));
  }
  t.is(svc.list({ includeFinished: true }).length, 0, 'nothing stored for refused submits');
  await store.close();
});

test('queue default walltime applies; -h holds; -a defers', async (t) => {
  const { svc, store } = await open();
  t.is((await svc.submit(spec({ queue: 'short' }), '')).job.resources?.walltime_seconds, 600);
  const held = (await svc.submit(spec({ hold: true }), '')).job;
  t.is(held.state_letter, 'H');
  t.is(held.hold_types, 'u');
  const later = (await svc.submit(spec({ execution_time_unix: Math.floor(Date.now() / 1000) + 3600 }), '')).job;
  t.is(later.state_letter, 'W');
  await store.close();
});

test('hold and release walk H ↔ Q; several hold types must all be released', async (t) => {
  const { svc, store } = await open();
  const { job } = await svc.submit(spec(), '');
  t.is((await svc.hold(job.id, 'u')).state_letter, 'H');
  t.is((await svc.hold(job.id, 'o')).hold_types, 'uo');
  t.is((await svc.release(job.id, 'u')).state_letter, 'H');
  const r = await svc.release(job.id, 'o');
  t.is(r.state_letter, 'Q');
  t.is(r.hold_types, 'n');
  await t.throwsAsync(svc.hold(job.id, 'x'), { message: /hold_types/ });
  await store.close();
});

test('alter changes queued jobs only', async (t) => {
  const { svc, store } = await open();
  const { job } = await svc.submit(spec(), '');
  const a = await svc.alter(job.id, spec({ resource_list: 'ncpus=2,walltime=10:00', name: 'renamed' }), ['resource_list', 'name']);
  t.is(a.resources?.select, '1:ncpus=2');
  t.is(a.resources?.walltime_seconds, 600);
  t.is(a.spec.name, 'renamed');
  await t.throwsAsync(svc.alter(job.id, spec({ script: 'rm -rf /' }), ['script']), { message: /cannot be altered/ });
  await svc.start(job.seq, [{ node: 'n1', ncpus: 2, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }]);
  const e = await t.throwsAsync(svc.alter(job.id, spec({ name: 'x' }), ['name'])) as FleetqError;
  t.is(e.code, 'BAD_STATE');
  t.is(e.pbsErrno, 15016);
  await store.close();
});

test('start, end and cancel follow PBS: exec_host, exit status, finished errors', async (t) => {
  const { svc, store } = await open();
  const { job } = await svc.submit(spec(), '');
  const r = await svc.start(job.seq, [{ node: 'n1', ncpus: 2, mem_bytes: 1024 * 1024, ngpus: 0, mpiprocs: 2 }]);
  t.is(r.state_letter, 'R');
  t.is(r.exec_host, 'n1/0*2');
  t.is(r.exec_vnode, '(n1:ncpus=2:mem=1024kb)');
  t.is(r.run_count, 1);
  const f = await svc.ended(job.id, { exit_status: 3, end_time_unix: 1, cput_seconds: 2, walltime_seconds: 5, reason: '' });
  t.is(f?.state_letter, 'F');
  t.is(f?.exit_status, 3);
  t.true(f?.has_exit_status);
  t.is(await svc.ended(job.id, { exit_status: 9, end_time_unix: 1, cput_seconds: 0, walltime_seconds: 0, reason: '' }), undefined, 'a repeated report is ignored');
  const e = await t.throwsAsync(svc.cancel(job.id, false, 'bob')) as FleetqError;
  t.is(e.code, 'JOB_FINISHED');
  const q = (await svc.submit(spec(), '')).job;
  const d = await svc.cancel(q.id, false, 'bob');
  t.is(d.state_letter, 'F');
  t.regex(d.comment, /deleted at request of bob/);
  t.deepEqual(svc.journal(job.seq).map((x) => x.kind), ['submitted', 'started', 'finished']);
  await store.close();
});

test('a lost job is requeued when rerunnable, finished with a reason when not', async (t) => {
  const { svc, store } = await open();
  const a = (await svc.submit(spec(), '')).job;
  const b = (await svc.submit(spec({ has_rerunnable: true, rerunnable: false }), '')).job;
  const alloc = [{ node: 'n1', ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }];
  const ra = await svc.lost(await svc.start(a.seq, alloc), 'node n1 lost');
  t.is(ra.state_letter, 'Q');
  t.is(ra.exec_host, '');
  t.regex(ra.comment, /requeued: node n1 lost/);
  const rb = await svc.lost(await svc.start(b.seq, alloc), 'node n1 lost');
  t.is(rb.state_letter, 'F');
  t.is(rb.exit_status, -4);
  t.regex(rb.comment, /not rerunnable/);
  await store.close();
});

test('events resume after a revision, in order', async (t) => {
  const { svc, store } = await open();
  const { job } = await svc.submit(spec(), '');
  const rev = svc.currentRevision;
  await svc.hold(job.id, 'u');
  await svc.release(job.id, 'u');
  t.deepEqual([...svc.storeEventsAfter(rev)].map((e) => e.kind), ['held', 'released']);
  t.deepEqual([...svc.storeEventsAfter(0)].map((e) => e.revision), [1, 2, 3]);
  await store.close();
});

test('list filters by state, user and queue, and hides finished jobs unless asked', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ user: 'alice' }), '');
  await svc.submit(spec({ user: 'bob', queue: 'short' }), '');
  const c = (await svc.submit(spec({ user: 'bob' }), '')).job;
  await svc.cancel(c.id, false, 'bob');
  t.is(svc.list({}).length, 2);
  t.is(svc.list({ includeFinished: true }).length, 3);
  t.deepEqual(svc.list({ users: ['bob'] }).map((j) => j.seq), [2]);
  t.deepEqual(svc.list({ queues: ['short'] }).map((j) => j.seq), [2]);
  t.deepEqual(svc.list({ states: ['JOB_STATE_FINISHED'] }).map((j) => j.seq), [3]);
  t.deepEqual(svc.list({ ids: ['3.srv'] }).map((j) => j.seq), [3], 'an id asked for is shown even when finished');
  await store.close();
});
