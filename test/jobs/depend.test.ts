/**
 * -W depend through the job service on a real LMDB store: a dependent waits in H (hold s) with a
 * comment naming what it waits for, is released when its dependencies are met, and is deleted
 * with the reason when one never can be, as PBS does; bad lists are refused naming the field.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';
import { JobService } from '../../src/jobs/service.js';
import { parseDepend, dependencyOn, type DependState } from '../../src/jobs/depend.js';
import type { JobRecord } from '../../src/jobs/model.js';
import type { JobSpec__Output } from '../../src/gen/fleetq/v1/JobSpec.js';
import type { FleetqError } from '../../src/util/errors.js';

const queues = [{ name: 'workq', priority: 0, enabled: true, started: true, default_walltime_seconds: 0, max_walltime_seconds: 0 }];
function spec(p: Partial<JobSpec__Output> = {}): JobSpec__Output {
  return {
    name: '', queue: '', script: 'echo hi\n', resource_list: '', workdir: '/tmp', output_path: '', error_path: '', join_path: '',
    variables: {}, account: '', priority: 0, has_rerunnable: false, rerunnable: false, execution_time_unix: 0, mail_points: '',
    mail_users: '', shell: '', depend: '', hold: false, submit_args: '', submit_host: 'h1', user: 'alice', attributes: {}, script_name: '', array_indices: '', max_run_subjobs: 0, ...p,
  };
}
async function open(dir = mkdtempSync(join(tmpdir(), 'fq-dep-'))): Promise<{ dir: string; store: Store<JobRecord, { name: string }, { name: string }>; svc: JobService }> {
  const store = await Store.open<JobRecord, { name: string }, { name: string }>(dir);
  return { dir, store, svc: new JobService(store, { server: 'srv', queues, defaultQueue: 'workq', maxScriptBytes: 1024 }) };
}
const alloc = [{ node: 'n1', ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }];
const end = (exit_status: number) => ({ exit_status, end_time_unix: 1, cput_seconds: 0, walltime_seconds: 1, reason: '' });

test('parseDepend: types, several ids, several types; bad lists name what is wrong', (t) => {
  t.deepEqual(parseDepend('afterok:1.srv:2,after:3'), [{ type: 'afterok', seqs: [1, 2] }, { type: 'after', seqs: [3] }]);
  t.deepEqual(parseDepend(''), []);
  for (const [text, want] of [['later:1', /'later' is not a dependency type/], ['afterok', /names no job/], ['afterok:x.y', /'x.y' is not a job id/], ['before:1', /not supported/]] as const) {
    const e = t.throws(() => parseDepend(text)) as FleetqError;
    t.is(e.code, 'BAD_DEPEND', text);
    t.regex(e.message, want, text);
  }
});

test('dependencyOn: each type against each end of the job it names', (t) => {
  const base = { id: '1.srv', state: 'JOB_STATE_QUEUED', run_count: 0, start_time_unix: 0, has_exit_status: false, exit_status: 0 } as JobRecord;
  const running = { ...base, state: 'JOB_STATE_RUNNING', run_count: 1, start_time_unix: 5 } as JobRecord;
  const ok = { ...running, state: 'JOB_STATE_FINISHED', has_exit_status: true, exit_status: 0 } as JobRecord;
  const failed = { ...ok, exit_status: 2 } as JobRecord;
  const deleted = { ...base, state: 'JOB_STATE_FINISHED' } as JobRecord;
  const table: Array<[string, Parameters<typeof dependencyOn>[0], JobRecord | undefined, DependState]> = [
    ['after, queued', 'after', base, 'wait'], ['after, running', 'after', running, 'met'], ['after, deleted unrun', 'after', deleted, 'never'],
    ['afterok, running', 'afterok', running, 'wait'], ['afterok, exit 0', 'afterok', ok, 'met'], ['afterok, exit 2', 'afterok', failed, 'never'], ['afterok, deleted', 'afterok', deleted, 'never'],
    ['afternotok, exit 0', 'afternotok', ok, 'never'], ['afternotok, exit 2', 'afternotok', failed, 'met'],
    ['afterany, running', 'afterany', running, 'wait'], ['afterany, exit 2', 'afterany', failed, 'met'], ['afterany, deleted', 'afterany', deleted, 'met'],
    ['unknown job', 'afterany', undefined, 'never'],
  ];
  for (const [name, type, job, want] of table) t.is(dependencyOn(type, job).state, want, name);
});

test('afterok: the dependent waits held, then queues when its job ends with 0', async (t) => {
  const { svc, store } = await open();
  const a = (await svc.submit(spec(), '')).job;
  const b = (await svc.submit(spec({ depend: `afterok:${a.id}` }), '')).job;
  t.is(b.state_letter, 'H');
  t.is(b.hold_types, 's');
  t.is(b.comment, 'Job held: waiting for dependency afterok:1.srv');
  await svc.start(a.seq, alloc);
  t.is(svc.find(b.id).state_letter, 'H', 'still waiting while its job runs');
  await svc.ended(a.id, end(0));
  const after = svc.find(b.id);
  t.is(after.state_letter, 'Q');
  t.is(after.hold_types, 'n');
  t.is(after.comment, '');
  await store.close();
});

test('afterok on a job that fails deletes the dependent, and its own dependents, with the reason', async (t) => {
  const { svc, store } = await open();
  const a = (await svc.submit(spec(), '')).job;
  const b = (await svc.submit(spec({ depend: `afterok:${a.id}` }), '')).job;
  const c = (await svc.submit(spec({ depend: `afterany:${b.id}` }), '')).job;
  const d = (await svc.submit(spec({ depend: `after:${b.id}` }), '')).job;
  await svc.start(a.seq, alloc);
  await svc.ended(a.id, end(3));
  const gone = svc.find(b.id);
  t.is(gone.state_letter, 'F');
  t.false(gone.has_exit_status);
  t.is(gone.comment, 'Job deleted: dependency afterok:1.srv: 1.srv ended with exit status 3');
  t.is(svc.find(c.id).state_letter, 'Q', 'afterany: a deleted job has ended');
  t.is(svc.find(d.id).comment, 'Job deleted: dependency after:2.srv: 2.srv was deleted before it ran');
  await store.close();
});

test('several types and ids: released only when all are met; a user hold stays', async (t) => {
  const { svc, store } = await open();
  const a = (await svc.submit(spec(), '')).job;
  const b = (await svc.submit(spec(), '')).job;
  const c = (await svc.submit(spec({ depend: `after:${a.id},afternotok:${b.id}`, hold: true }), '')).job;
  t.is(c.hold_types, 'us');
  await svc.start(a.seq, alloc);
  t.is(svc.find(c.id).comment, 'Job held: waiting for dependency afternotok:2.srv');
  await svc.start(b.seq, alloc);
  await svc.ended(b.id, end(1));
  t.is(svc.find(c.id).state_letter, 'H', 'the user hold remains');
  t.is(svc.find(c.id).hold_types, 'u');
  t.is((await svc.release(c.id, 'u')).state_letter, 'Q');
  await store.close();
});

test('bad dependencies are refused at submit: unknown job, one already impossible; qalter recomputes the hold', async (t) => {
  const { svc, store } = await open();
  const e1 = await t.throwsAsync(svc.submit(spec({ depend: 'afterok:99.srv' }), '')) as FleetqError;
  t.is(e1.code, 'BAD_DEPEND');
  t.is(e1.message, 'depend: afterok:99: no such job (Unknown Job Id)');
  const a = (await svc.submit(spec(), '')).job;
  await svc.start(a.seq, alloc);
  await svc.ended(a.id, end(0));
  const e2 = await t.throwsAsync(svc.submit(spec({ depend: `afternotok:${a.id}` }), '')) as FleetqError;
  t.is(e2.message, `depend: afternotok:${a.id}: ${a.id} ended with exit status 0, so this job could never run`);
  t.is((await svc.submit(spec({ depend: `afterok:${a.id}` }), '')).job.state_letter, 'Q', 'already met: queued at once');
  const b = (await svc.submit(spec(), '')).job;
  const c = (await svc.submit(spec(), '')).job;
  const held = await svc.alter(c.id, spec({ depend: `afterany:${b.id}` }), ['depend']);
  t.is(held.state_letter, 'H');
  t.is(held.hold_types, 's');
  await svc.cancel(b.id, false, 'alice');
  t.is(svc.find(c.id).state_letter, 'Q', 'the altered dependency is followed');
  await store.close();
});

test('after a restart, dependencies met while the daemon was down are resolved', async (t) => {
  const first = await open();
  const a = (await first.svc.submit(spec(), '')).job;
  const b = (await first.svc.submit(spec({ depend: `afterany:${a.id}` }), '')).job;
  t.is(first.svc.find(b.id).state_letter, 'H');
  // A crash between a's end being stored and b's release: a is finished on disk, b still held.
  const ended: JobRecord = { ...first.svc.find(a.id), state: 'JOB_STATE_FINISHED', state_letter: 'F' };
  await first.store.commit({ jobs: [ended] });
  await first.store.close();
  const again = await open(first.dir);
  t.is(again.svc.find(b.id).state_letter, 'H');
  await again.svc.resolveDependents();
  t.is(again.svc.find(b.id).state_letter, 'Q');
  const c = (await again.svc.submit(spec({ depend: `afterok:${b.id}` }), '')).job;
  t.is(c.state_letter, 'H');
  await again.svc.start(b.seq, alloc);
  await again.svc.ended(b.id, end(0));
  t.is(again.svc.find(c.id).state_letter, 'Q', 'the index of dependents was rebuilt from the store');
  await again.store.close();
});
