/** Job arrays in the job service: one record per array, subjobs started by start(), their ends, qdel, holds, qstat -t's view. */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';
import { JobService } from '../../src/jobs/service.js';
import { addPos, removePos, formatIndices, parseArray, parseArrayId } from '../../src/jobs/arrays.js';
import { jobEnvironment } from '../../src/jobs/launch.js';
import { parseJ } from '../../src/cli/pbs/qsub-args.js';
import type { JobRecord, Allocation } from '../../src/jobs/model.js';
import type { JobSpec__Output } from '../../src/gen/fleetq/v1/JobSpec.js';
import { FleetqError, type ErrorCode } from '../../src/util/errors.js';
import { loadConfig } from '../../src/config/index.js';

type S = Store<JobRecord, { name: string }, { name: string }>;
const queues = [{ name: 'workq', priority: 0, enabled: true, started: true, default_walltime_seconds: 0, max_walltime_seconds: 0 }];

function spec(p: Partial<JobSpec__Output> = {}): JobSpec__Output {
  return {
    name: 'arr', queue: '', script: 'echo hi\n', resource_list: '', workdir: '/tmp', output_path: '', error_path: '', join_path: '',
    variables: {}, account: '', priority: 0, has_rerunnable: false, rerunnable: false, execution_time_unix: 0, mail_points: '',
    mail_users: '', shell: '', depend: '', hold: false, submit_args: '', submit_host: 'h1', user: 'alice', attributes: {}, script_name: '',
    array_indices: '', max_run_subjobs: 0, ...p,
  };
}

async function open(dir = mkdtempSync(join(tmpdir(), 'fq-arr-')), maxArraySize?: number): Promise<{ dir: string; store: S; svc: JobService }> {
  const store = await Store.open<JobRecord, { name: string }, { name: string }>(dir);
  return { dir, store, svc: new JobService(store, { server: 'srv', queues, defaultQueue: 'workq', maxScriptBytes: 1024, ...(maxArraySize ? { maxArraySize } : {}) }) };
}

const alloc: Allocation[] = [{ node: 'n1', ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }];
const end = (exit: number) => ({ exit_status: exit, end_time_unix: 0, cput_seconds: 0, walltime_seconds: 1, reason: '' });
const work = (svc: JobService): Array<[string, number]> => [...svc.queuedWork()].map((w) => [w.job.id, w.instances]);
const letters = (svc: JobService, id: string): string => svc.list({ ids: [id], subjobs: true }).map((j) => `${j.id.split('.')[0]}=${j.state_letter}`).join(' ');

test('qsub -J values: the ones PBS takes, and the ones it calls illegal', (t) => {
  const cases: Array<{ name: string; input: string; want: ReturnType<typeof parseJ> }> = [
    { name: 'plain range', input: '1-10', want: { indices: '1-10', max: 0 } },
    { name: 'step', input: '2-7:2', want: { indices: '2-7:2', max: 0 } },
    { name: 'step and max', input: '0-99:3%5', want: { indices: '0-99:3', max: 5 } },
    { name: 'max only', input: '1-3%1', want: { indices: '1-3', max: 1 } },
    { name: 'one index', input: '1-1', want: undefined },
    { name: 'backwards', input: '5-2', want: undefined },
    { name: 'step 0', input: '1-5:0', want: undefined },
    { name: 'max 0', input: '1-5%0', want: undefined },
    { name: 'a list', input: '1,2,3', want: undefined },
    { name: 'no range', input: '7', want: undefined },
    { name: 'negative', input: '-1-5', want: undefined },
  ];
  for (const c of cases) t.deepEqual(parseJ(c.input), c.want, `${c.name}: parseJ('${c.input}')`);
});

test('array ids and queued ranges', (t) => {
  t.deepEqual(parseArrayId('12[].srv'), { seq: 12, index: undefined });
  t.deepEqual(parseArrayId('12[7]'), { seq: 12, index: 7 });
  t.is(parseArrayId('12.srv'), undefined);
  const a = parseArray('1-10:2', 0, 100); // 1,3,5,7,9 at positions 0..4
  const cases: Array<{ name: string; input: Array<[number, number]>; want: string }> = [
    { name: 'all', input: [[0, 4]], want: '1-9:2' },
    { name: 'one taken from the middle', input: removePos([[0, 4]], 2), want: '1-3:2,7-9:2' },
    { name: 'a single one left', input: [[3, 3]], want: '7' },
    { name: 'put back and merged', input: addPos(removePos([[0, 4]], 2), 2), want: '1-9:2' },
    { name: 'none', input: [], want: '-' },
  ];
  for (const c of cases) t.is(formatIndices(a, c.input), c.want, c.name);
});

test('a 3-subjob array: one record, started lowest first, B while running, X when done, F with exit 0', async (t) => {
  const { svc, store } = await open();
  const { job } = await svc.submit(spec({ array_indices: '1-3' }), '');
  t.is(job.id, '1[].srv');
  t.is(job.state_letter, 'Q');
  t.is(job.output_path, 'h1:/tmp/arr.o1.^array_index^');
  t.deepEqual(work(svc), [['1[].srv', 3]]);
  const s1 = await svc.start(1, alloc);
  t.is(s1.id, '1[1].srv', 'start() returns the subjob it started');
  t.is(s1.state_letter, 'R');
  t.is(s1.output_path, 'h1:/tmp/arr.o1.1');
  t.is(jobEnvironment(s1, '/tmp/x').PBS_ARRAY_INDEX, '1');
  t.is(jobEnvironment(s1, '/tmp/x').PBS_ARRAY_ID, '1[].srv');
  t.is(jobEnvironment(s1, '/tmp/x').PBS_JOBID, '1[1].srv');
  t.is(svc.find('1[]').state_letter, 'B');
  t.is(letters(svc, '1[]'), '1[]=B 1[1]=R 1[2]=Q 1[3]=Q');
  t.deepEqual(work(svc), [['1[].srv', 2]]);
  await svc.started('1[1].srv', 4242);
  t.is(svc.find('1[1]').session_id, 4242);
  const s2 = await svc.start(1, alloc);
  const s3 = await svc.start(1, alloc);
  t.deepEqual([s2.id, s3.id], ['1[2].srv', '1[3].srv']);
  t.deepEqual(work(svc), [], 'nothing queued is left');
  await svc.ended('1[2].srv', end(0));
  t.is(letters(svc, '1[]'), '1[]=B 1[1]=R 1[2]=X 1[3]=R');
  await svc.ended('1[1].srv', end(0));
  await svc.ended('1[3].srv', end(0));
  const p = svc.find('1[]');
  t.is(p.state_letter, 'F');
  t.is(p.exit_status, 0);
  t.deepEqual([p.array_queued, p.array_running, p.array_exiting, p.array_expired, p.array_indices_remaining], [0, 0, 0, 3, '-']);
  t.is(store.allJobs().length, 1, 'the array is one job record');
  t.is(store.allSubjobs().length, 3, 'each started subjob has its own record');
  await store.close();
});

test('exit status of an array: 1 when a subjob failed, 2 when one was deleted before it ran', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-2' }), '');
  await svc.start(1, alloc); await svc.start(1, alloc);
  await svc.ended('1[1].srv', end(0)); await svc.ended('1[2].srv', end(3));
  t.is(svc.find('1[]').exit_status, 1, 'one subjob exited 3');
  await svc.submit(spec({ array_indices: '1-2' }), '');
  await svc.start(2, alloc);
  await svc.cancel('2[2]', false, 'alice');
  t.is(svc.find('2[2]').state_letter, 'X', 'a deleted queued subjob shows X');
  t.is(svc.find('2[]').state_letter, 'B');
  await svc.ended('2[1].srv', end(0));
  t.is(svc.find('2[]').state_letter, 'F');
  t.is(svc.find('2[]').exit_status, 2);
  await store.close();
});

test('%max limits how many subjobs may run at once', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-4', max_run_subjobs: 1 }), '');
  t.deepEqual(work(svc), [['1[].srv', 1]]);
  await svc.start(1, alloc);
  t.deepEqual(work(svc), [], 'one running: no more may start');
  await t.throwsAsync(svc.start(1, alloc), { message: /no subjob that may start/ });
  await svc.ended('1[1].srv', end(0));
  t.deepEqual(work(svc), [['1[].srv', 1]]);
  await store.close();
});

test('qdel of the whole array: queued subjobs go at once, running ones are killed, F when they end', async (t) => {
  const { svc, store } = await open();
  const killed: string[] = [];
  svc.killer = { kill: (j) => { killed.push(j.id); return true; } };
  await svc.submit(spec({ array_indices: '1-5' }), '');
  await svc.start(1, alloc); await svc.start(1, alloc);
  const p = await svc.cancel('1[].srv', false, 'alice');
  t.deepEqual(killed.sort(), ['1[1].srv', '1[2].srv']);
  t.is(p.state_letter, 'B', 'still running subjobs');
  t.is(p.array_queued, 0);
  t.is(letters(svc, '1[]'), '1[]=B 1[1]=E 1[2]=E 1[3]=X 1[4]=X 1[5]=X');
  await svc.ended('1[1].srv', end(271)); await svc.ended('1[2].srv', end(271));
  t.is(svc.find('1[]').state_letter, 'F');
  t.is(svc.find('1[]').exit_status, 2);
  const e = await t.throwsAsync(svc.cancel('1[]', false, 'alice'));
  t.is((e as FleetqError).code, 'JOB_FINISHED');
  await store.close();
});

test('qdel of a queued array before it ran finishes it at once', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-3' }), '');
  const p = await svc.cancel('1[]', false, 'alice');
  t.is(p.state_letter, 'F');
  t.deepEqual(work(svc), []);
  await store.close();
});

test('hold and release the array; subjobs are not held on their own', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-3' }), '');
  t.is((await svc.hold('1[]', 'u')).state_letter, 'H');
  t.deepEqual(work(svc), []);
  t.is(svc.find('1[2]').state_letter, 'H', 'a queued subjob of a held array shows H');
  t.is((await svc.release('1[]', 'u')).state_letter, 'Q');
  await svc.start(1, alloc);
  t.is((await svc.hold('1[]', 'u')).state_letter, 'B', 'a begun array stays B when held');
  t.deepEqual(work(svc), [], 'held: no more subjobs start');
  await svc.release('1[]', 'u');
  t.deepEqual(work(svc), [['1[].srv', 2]]);
  const e = await t.throwsAsync(svc.hold('1[2]', 'u'));
  t.is((e as FleetqError).code, 'BAD_STATE');
  await store.close();
});

test('a lost subjob is requeued into its array and starts again', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-2' }), '');
  const s1 = await svc.start(1, alloc);
  await svc.lost(s1, 'node n1 lost');
  t.is(svc.find('1[]').array_queued, 2);
  t.deepEqual(work(svc), [['1[].srv', 2]]);
  const again = await svc.start(1, alloc);
  t.is(again.id, '1[1].srv');
  t.is(again.run_count, 2);
  await store.close();
});

test('bad arrays are refused naming the field; the size is limited', async (t) => {
  const { svc, store } = await open(undefined, 50);
  const cases: Array<{ name: string; input: Partial<JobSpec__Output>; want: [ErrorCode, RegExp] }> = [
    { name: 'malformed', input: { array_indices: '1-x' }, want: ['INVALID_ARGUMENT', /^array_indices: '1-x' is not X-Y/] },
    { name: 'one index', input: { array_indices: '3-3' }, want: ['INVALID_ARGUMENT', /^array_indices: .*above the first/] },
    { name: 'too big', input: { array_indices: '1-51' }, want: ['RESOURCE_LIMIT', /^array_indices: 51 subjobs is over the limit of 50 \(jobs.max_array_size\)/] },
    { name: 'not rerunnable', input: { array_indices: '1-2', has_rerunnable: true, rerunnable: false }, want: ['INVALID_ARGUMENT', /^Rerunable:/] },
    { name: '%max without an array', input: { max_run_subjobs: 2 }, want: ['INVALID_ARGUMENT', /^max_run_subjobs:/] },
  ];
  for (const c of cases) {
    const e = await t.throwsAsync(svc.submit(spec(c.input), ''), undefined, c.name);
    t.is((e as FleetqError).code, c.want[0], `${c.name}: code`);
    t.regex((e as FleetqError).message, c.want[1], `${c.name}: message`);
  }
  t.is(store.allJobs().length, 0);
  await store.close();
});

test('a dependency on an array is refused clearly', async (t) => {
  const { svc, store } = await open();
  await svc.submit(spec({ array_indices: '1-2' }), '');
  const e = await t.throwsAsync(svc.submit(spec({ depend: 'afterok:1' }), ''));
  t.regex((e as Error).message, /1\[\]\.srv is a job array; dependencies on job arrays are not supported/);
  await store.close();
});

test('subjob records survive a restart and find their array; unknown indices are unknown', async (t) => {
  const a = await open();
  await a.svc.submit(spec({ array_indices: '10-20:5' }), '');
  await a.svc.start(1, alloc);
  await a.store.close();
  const b = await open(a.dir);
  const s = b.svc.find('1[10].srv');
  t.is(s.state_letter, 'R');
  t.is(s.spec.script, 'echo hi\n', 'the stored subjob gets its spec back from its parent');
  t.is(b.svc.find('1[15]').state_letter, 'Q');
  for (const id of ['1[11]', '1[25]', '2[]', '1[]x']) t.throws(() => b.svc.find(id), { message: /Unknown Job Id/ }, id);
  await b.svc.ended('1[10].srv', end(0));
  t.is(b.svc.find('1[]').array_expired, 1);
  await b.store.close();
});

test('a 100,000-subjob array is one record and submits fast', async (t) => {
  const { svc, store } = await open();
  const t0 = performance.now();
  const { job } = await svc.submit(spec({ array_indices: '1-100000' }), '');
  const ms = performance.now() - t0;
  t.is(job.array_queued, 100000);
  t.is(store.allJobs().length, 1, 'one record in the store');
  t.is(store.allSubjobs().length, 0, 'no subjob records before any starts');
  t.true(ms < 500, `submit took ${ms.toFixed(1)} ms; expected under 500 ms`);
  t.log(`100,000-subjob array submitted in ${ms.toFixed(1)} ms`);
  const s = await svc.start(1, alloc);
  t.is(s.id, '1[1].srv');
  t.is(svc.find('1[]').array_indices_remaining, '2-100000');
  await store.close();
});

test('jobs.max_array_size: 100000 by default, set from FLEETQ_JOBS_MAX_ARRAY_SIZE, at least 2', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fq-arr-cfg-'));
  t.is(loadConfig({ FLEETQ_HOME: home }).jobs.max_array_size, 100000);
  t.is(loadConfig({ FLEETQ_HOME: home, FLEETQ_JOBS_MAX_ARRAY_SIZE: '500' }).jobs.max_array_size, 500);
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_JOBS_MAX_ARRAY_SIZE: '1' }), { message: /jobs\.max_array_size: 1 is below 2/ });
});
