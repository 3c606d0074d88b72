/** PBS → Slurm: job descriptions for slurmrestd, what has no translation, and Slurm's states back as PBS's. */
import test from 'ava';
import { newJob, type JobRecord } from '../../src/jobs/model.js';
import { makeParent } from '../../src/jobs/arrays.js';
import type { JobSpec__Output } from '../../src/gen/fleetq/v1/JobSpec.js';
import { toSlurm, untranslatable, mirrorOf, exitStatusOf, expandHostlist, slurmPath, idOfTag, tagOf } from '../../src/capacity/pcluster/translate.js';
import { compilePclusterQueue } from '../../src/capacity/pcluster/config.js';
import { signToken } from '../../src/capacity/pcluster/rest.js';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/daemon.js';

function spec(p: Partial<JobSpec__Output> = {}): JobSpec__Output {
  return {
    name: 'sim', queue: 'pc', script: '#!/bin/bash\necho hi\n', resource_list: '', workdir: '/home/alice/run', output_path: '', error_path: '', join_path: '',
    variables: { PBS_O_HOME: '/home/alice', PBS_O_WORKDIR: '/home/alice/run' }, account: '', priority: 0, has_rerunnable: false, rerunnable: false, execution_time_unix: 0, mail_points: '',
    mail_users: '', shell: '', depend: '', hold: false, submit_args: '', submit_host: 'login1', user: 'alice', attributes: {}, script_name: '',
    array_indices: '', max_run_subjobs: 0, ...p,
  };
}

const queue = { name: 'pc', default_walltime_seconds: 0, max_walltime_seconds: 0 };
function job(p: Partial<JobSpec__Output> = {}, seq = 7): JobRecord {
  const j = newJob(spec(p), { seq, server: 'srv', now: 1_700_000_000, queue, maxScriptBytes: 1 << 20, requestId: '' });
  return p.array_indices ? makeParent(j, 1000) : j;
}
const ctx = { partition: 'compute', depends: [] };
const why = (j: JobRecord): string | undefined => untranslatable(j.resources?.chunks ?? [], j.resources?.other ?? {}, j.spec);

test('an MPI request: select/ncpus/mpiprocs/mem with place=scatter:excl → nodes, tasks, cpus per task, memory, exclusive, spread', (t) => {
  const j = job({ resource_list: 'select=4:ncpus=36:mpiprocs=18:mem=72gb,walltime=01:30:30,place=scatter:excl' });
  t.is(why(j), undefined);
  const { job: d } = toSlurm(j, ctx);
  t.deepEqual(d.nodes, [4, 4]);
  t.is(d.tasks, 72);
  t.is(d.tasks_per_node, 18);
  t.is(d.cpus_per_task, 2);
  t.is(d.memory_per_cpu, 2048, '72 GiB over 36 cpus = 2 GiB a cpu, in MB');
  t.is(d.exclusive, 'true');
  t.true(d.spread_job);
  t.is(d.time_limit, 91, 'walltime rounded up to minutes');
  t.is(d.partition, 'compute');
  t.is(d.comment, 'fleetq:7.srv');
  t.is(d.current_working_directory, '/home/alice/run');
  t.is(d.standard_output, '/home/alice/run/sim.o7');
  t.is(d.standard_error, '/home/alice/run/sim.e7');
});

test('place=pack puts every chunk on one node; free leaves it to Slurm; GPUs per task; EFA and an instance type as features', (t) => {
  const pack = toSlurm(job({ resource_list: 'select=2:ncpus=4:ngpus=2:mpiprocs=2,place=pack' }), ctx).job;
  t.deepEqual(pack.nodes, [1, 1]);
  t.is(pack.tasks, 4);
  t.is(pack.cpus_per_task, 2);
  t.is(pack.gpus_per_task, 'gpu:1');
  const free = toSlurm(job({ resource_list: 'select=3:ncpus=2' }), ctx).job;
  t.is(free.nodes, undefined);
  t.is(free.tasks, 3);
  t.is(free.cpus_per_task, 2);
  t.is(free.exclusive, undefined);
  const efa = toSlurm(job({ resource_list: 'select=2:ncpus=96:mpiprocs=96:efa=true:instance_type=hpc6a.48xlarge,place=scatter' }), ctx).job;
  t.is(efa.constraints, 'efa&hpc6a.48xlarge');
});

test('name, -j oe, account, nice, mail, requeue, environment and the interpreter', (t) => {
  const j = job({ join_path: 'oe', output_path: 'login1:out/', account: 'proj1', priority: -100, mail_points: 'abe', mail_users: 'a@b', has_rerunnable: true, rerunnable: false, shell: '/bin/sh', variables: { FOO: 'bar', PBS_O_HOME: '/home/alice' } });
  const { job: d, script } = toSlurm(j, ctx);
  t.is(d.standard_output, '/home/alice/run/out/sim.o7');
  t.is(d.standard_error, undefined, '-j oe: errors go with the output');
  t.is(d.account, 'proj1');
  t.is(d.nice, 100);
  t.is(d.mail_type, 'FAIL,BEGIN,END');
  t.is(d.mail_user, 'a@b');
  t.false(d.requeue);
  t.is(d.environment.FOO, 'bar');
  t.is(d.environment.PBS_JOBID, '7.srv');
  t.is(d.environment.PBS_O_WORKDIR, '/home/alice/run');
  t.is(d.environment.PBS_QUEUE, 'pc');
  t.is(d.environment.HOME, '/home/alice');
  t.is(d.environment.USER, 'alice');
  t.truthy(d.environment.PATH);
  t.true(script.startsWith('#!/bin/sh\n'), '-S replaces the script\'s own interpreter');
  t.regex(script, /PBS_NODEFILE=/);
  t.regex(script, /echo hi\n$/);
  // A script in another language gets no shell prologue.
  const py = toSlurm(job({ script: '#!/usr/bin/python3\nprint(1)\n' }), ctx).script;
  t.is(py, '#!/usr/bin/python3\nprint(1)\n');
});

test('arrays: -J X-Y:Z%max → --array, ^array_index^ → %a, PBS_ARRAY_INDEX from the task', (t) => {
  const j = job({ array_indices: '1-9:2', max_run_subjobs: 2 });
  const { job: d, script } = toSlurm(j, ctx);
  t.is(d.array, '1-9:2%2');
  t.is(d.standard_output, '/home/alice/run/sim.o7.%a');
  t.regex(script, /PBS_ARRAY_INDEX="\$\{SLURM_ARRAY_TASK_ID\}"/);
  t.is(d.environment.PBS_JOBID, undefined, 'set per task by the prologue');
  t.is(slurmPath('h:/x/100%done'), '/x/100%%done', 'a literal % is doubled');
});

test('dependencies on jobs of the same head go to Slurm with their Slurm ids', (t) => {
  const d = toSlurm(job({ depend: 'afterok:5.srv' }), { partition: 'compute', depends: [{ type: 'afterok', slurmIds: [101, 102] }, { type: 'afterany', slurmIds: [103] }] }).job;
  t.is(d.dependency, 'afterok:101:102,afterany:103');
});

test('requests with no Slurm translation are refused, naming them', (t) => {
  t.regex(why(job({ resource_list: 'select=1:ncpus=4+2:ncpus=8' })) ?? '', /^Resource_List.select: chunks of different shapes/);
  t.regex(why(job({ resource_list: 'select=1:ncpus=3:mpiprocs=2' })) ?? '', /ncpus=3 is not a multiple of mpiprocs=2/);
  t.regex(why(job({ resource_list: 'select=1:ncpus=2:capacity=spot' })) ?? '', /^Resource_List.capacity: has no Slurm translation/);
  t.regex(why(job({ resource_list: 'cput=10:00' })) ?? '', /^Resource_List.cput: has no Slurm translation/);
  t.regex(why(job({ priority: 10 })) ?? '', /^Priority: 10 has no Slurm translation/);
  t.is(why(job({ resource_list: 'select=2:ncpus=2,walltime=10:00' })), undefined);
});

test('Slurm states as PBS sees them: exit statuses, signals, timeouts, failures', (t) => {
  t.deepEqual(exitStatusOf(3 << 8), { status: 3, signal: 0 });
  t.deepEqual(exitStatusOf(9), { status: 265, signal: 9 });
  const base = { job_id: 1, nodes: 'node[1-2]', start_time: 100, end_time: 160 };
  t.like(mirrorOf({ ...base, job_state: 'COMPLETED', exit_code: 0 }, 0), { kind: 'ended', exit_status: 0 });
  t.like(mirrorOf({ ...base, job_state: 'FAILED', exit_code: 3 << 8, state_reason: 'NonZeroExitCode' }, 0), { kind: 'ended', exit_status: 3, comment: 'failed' });
  t.like(mirrorOf({ ...base, job_state: 'TIMEOUT', exit_code: 0 }, 60), { kind: 'ended', exit_status: 271, comment: 'killed: walltime 60 exceeded limit 60' });
  t.like(mirrorOf({ ...base, job_state: 'OUT_OF_MEMORY', exit_code: 0 }, 0), { kind: 'ended', exit_status: 265 });
  t.like(mirrorOf({ ...base, job_state: 'NODE_FAIL' }, 0), { kind: 'ended', exit_status: -4 });
  t.like(mirrorOf({ ...base, job_state: 'CANCELLED', exit_code: 15 }, 0), { kind: 'ended', exit_status: 271 });
  t.like(mirrorOf({ job_id: 1, job_state: 'CANCELLED', start_time: 0 }, 0), { kind: 'ended', exit_status: undefined });
  t.like(mirrorOf({ ...base, job_state: 'PREEMPTED' }, 0), { kind: 'ended', comment: 'preempted in Slurm' });
  t.like(mirrorOf({ job_id: 1, job_state: 'PENDING', state_reason: 'JobHeldUser' }, 0), { kind: 'pending', held: true });
  t.like(mirrorOf({ job_id: 1, job_state: 'PENDING', state_reason: 'Resources' }, 0), { kind: 'pending', held: false, reason: 'Resources' });
  t.deepEqual(mirrorOf({ ...base, job_state: 'RUNNING' }, 0), { kind: 'running', nodes: ['node1', 'node2'], start: 100 });
});

test('hostlists, tags and tokens', (t) => {
  t.deepEqual(expandHostlist('q1-dy-c5n-[1-3,7],login1'), ['q1-dy-c5n-1', 'q1-dy-c5n-2', 'q1-dy-c5n-3', 'q1-dy-c5n-7', 'login1']);
  t.deepEqual(expandHostlist('n[08-10]'), ['n08', 'n09', 'n10']);
  t.is(idOfTag(tagOf({ id: '12[].srv' })), '12[].srv');
  t.is(idOfTag('something else'), undefined);
  const key = Buffer.from('k'.repeat(32));
  const tok = signToken(key, 'alice', 60, 1000);
  const [h, p, s] = tok.split('.');
  t.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { iat: 1000, exp: 1060, sun: 'alice' });
  t.is(s, createHmac('sha256', key).update(`${h}.${p}`).digest('base64url'));
});

test('the pcluster block: errors name the key', (t) => {
  const k = 'queues[1].pcluster';
  t.throws(() => compilePclusterQueue(k, {}, 'pc'), { message: /queues\[1\].pcluster.url: slurmrestd's address is required/ });
  t.throws(() => compilePclusterQueue(k, { url: 'ftp://x' }, 'pc'), { message: /\.url: 'ftp:\/\/x' is not/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820' }, 'pc'), { message: /auth jwt needs jwt_key/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820', jwt_key: '/nonexistent/key' }, 'pc'), { message: /jwt_key: \/nonexistent\/key does not exist/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820', auth: 'local' }, 'pc'), { message: /local authentication needs slurmrestd's unix socket/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820', token: 'a.b.c' }, 'pc'), { message: /user_name: a fixed token is made for one user/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820', token: 'a.b.c', user_name: 'u', api_version: 'v0.0.40' }, 'pc'), { message: /api_version: 'v0.0.40' is not one fleetq speaks/ });
  t.throws(() => compilePclusterQueue(k, { url: 'http://h:6820', token: 'a.b.c', user_name: 'u', bogus: 1 }, 'pc'), { message: /unknown keys bogus/ });
  const c = compilePclusterQueue(k, { url: 'unix:/run/slurmrestd.sock', auth: 'local', poll_interval: '2s' }, 'pc');
  t.like(c, { auth: 'local', partition: 'pc', cluster: 'pc', poll_interval_ms: 2000, api_version: 'v0.0.38' });
});

test('every field a translation sets is one slurmrestd v0.0.38 takes, of its type (its spec, as the test Slurm serves it)', (t) => {
  // slurmrestd 22.05 answers an unknown key with HTTP 200 and an error: the spec is the contract.
  const spec = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'slurm', 'openapi-v0.0.38.json'), 'utf8')) as { components: { schemas: Record<string, { properties: Record<string, { type: string }> }> } };
  const props = spec.components.schemas['v0.0.38_job_properties']?.properties ?? {};
  const rich = job({
    resource_list: 'select=2:ncpus=4:mpiprocs=2:mem=8gb:ngpus=2:efa=true:instance_type=p4d.24xlarge,walltime=01:00:00,place=scatter:excl',
    array_indices: '1-4', max_run_subjobs: 2, account: 'proj', priority: -5, mail_points: 'abe', mail_users: 'a@b', error_path: 'err/',
  });
  const { job: d } = toSlurm(rich, { partition: 'compute', depends: [{ type: 'afterok', slurmIds: [3] }] });
  const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v === 'number' ? 'integer' : typeof v === 'object' ? 'object' : typeof v);
  t.true(Object.keys(d).length >= 20, `the rich job sets most fields (${Object.keys(d).join(', ')})`);
  for (const [k, v] of Object.entries(d)) {
    t.truthy(props[k], `${k}: not a v0.0.38 job property`);
    t.is(typeOf(v), String(props[k]?.type), `${k}: ${typeOf(v)} where the spec says ${props[k]?.type}`);
  }
});
