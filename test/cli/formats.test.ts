/** Golden text of qstat's and pbsnodes' layouts from hand-made jobs and nodes. */
import test from 'ava';
import { formatDefault, formatAlt, formatFull, formatJson, wrapAttr, formatQueues, formatServer } from '../../src/cli/pbs/qstat-format.js';
import { formatNodesLong, formatNodesSj, formatNodesSjJson, formatNodesList } from '../../src/cli/pbs/nodes-format.js';
import type { Job } from '../../src/client/index.js';
import type { Node__Output as Node } from '../../src/gen/fleetq/v1/Node.js';

process.env.TZ = 'UTC';
const T = Date.UTC(2020, 4, 14, 7, 4, 20) / 1000;

function job(seq: number, p: Partial<Job> = {}): Job {
  return <Job>{
    id: `${seq}.pbsserver`, seq, state: 'JOB_STATE_QUEUED', state_letter: 'Q', owner: 'alice@host1', queue: 'workq', comment: '', hold_types: 'n',
    create_time_unix: T, queue_time_unix: T, eligible_time_unix: T, start_time_unix: 0, end_time_unix: 0, modify_time_unix: T,
    has_exit_status: false, exit_status: 0, exec_host: '', exec_vnode: '', nodes: [], run_count: 0, session_id: 0,
    used_walltime_seconds: 0, used_cput_seconds: 0, used_mem_bytes: 0, revision: 1, server: 'pbsserver', output_path: 'host1:/home/alice/STDIN.o1', error_path: 'host1:/home/alice/STDIN.e1',
    array: false, array_indices_submitted: '', array_indices_remaining: '', array_queued: 0, array_running: 0, array_exiting: 0, array_expired: 0, array_id: '', array_index: 0,
    spec: {
      name: 'STDIN', queue: 'workq', script: 'true\n', resource_list: '', workdir: '/home/alice', output_path: '', error_path: '', join_path: 'n',
      variables: { PBS_O_HOME: '/home/alice', PBS_O_WORKDIR: '/home/alice' }, account: '', priority: 0, has_rerunnable: true, rerunnable: true,
      execution_time_unix: 0, mail_points: '', mail_users: '', shell: '', depend: '', hold: false, submit_args: '', submit_host: 'host1', user: 'alice', attributes: {}, script_name: '', array_indices: '', max_run_subjobs: 0,
    },
    resources: { chunks: [{ count: 1, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 0, ompthreads: 0, other: {} }], select: '1:ncpus=1', place: 'free', walltime_seconds: 60, other: {} },
    ...(p as Partial<Job>),
  };
}

const running = job(123, { state: 'JOB_STATE_RUNNING', state_letter: 'R', start_time_unix: T, used_cput_seconds: 1, exec_host: 'node01/0', exec_vnode: '(node01:ncpus=1)', session_id: 1622, run_count: 1, nodes: ['node01'] });
const longName = job(124, { owner: 'bob@host1', spec: { ...job(0).spec!, name: 'my_very_long_job_name', user: 'bob' } });

test('default table, as OpenPBS prints it', (t) => {
  t.is(formatDefault([running, longName]), [
    'Job id            Name             User              Time Use S Queue',
    '----------------  ---------------- ----------------  -------- - -----',
    '123.pbsserver     STDIN            alice             00:00:01 R workq           ',
    '124.pbsserver     my_very_long_jo* bob                      0 Q workq           ',
    ''].join('\n'));
  t.is(formatDefault([]), '', 'no jobs: nothing at all');
});

test('alternate table with nodes and comments', (t) => {
  t.is(formatAlt([running], 'pbsserver', { nodes: true, comments: true, now: T + 65 * 60 }), [
    '',
    'pbsserver: ',
    "                                                            Req'd  Req'd   Elap",
    'Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time',
    '--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----',
    '123.pbsserver   alice    workq    STDIN        1622   1   1     -- 00:01 R 01:05',
    '   node01/0',
    ''].join('\n'));
});

test('-f: attribute lines, ctime dates, no empty values, a blank line after', (t) => {
  const text = formatFull([running]);
  const lines = text.split('\n');
  t.is(lines[0], 'Job Id: 123.pbsserver');
  for (const l of ['    Job_Name = STDIN', '    Job_Owner = alice@host1', '    resources_used.cput = 00:00:01', '    job_state = R', '    queue = workq',
    '    server = pbsserver', '    ctime = Thu May 14 07:04:20 2020', '    exec_host = node01/0', '    exec_vnode = (node01:ncpus=1)', '    Hold_Types = n',
    '    Resource_List.ncpus = 1', '    Resource_List.nodect = 1', '    Resource_List.select = 1:ncpus=1', '    Resource_List.walltime = 00:01:00',
    '    stime = Thu May 14 07:04:20 2020', '    session_id = 1622', '    Rerunable = True', '    run_count = 1', '    project = _pbs_project_default']) {
    t.true(lines.includes(l), l);
  }
  t.false(/ = $/m.test(text));
  t.true(text.endsWith('\n\n'));
});

test('-f: a waiting job with a reservation shows estimated.start_time after etime, as PBS does', (t) => {
  const lines = formatFull([job(125, { comment: 'Not Running: 1 node busy', estimated_start_time_unix: T + 3600 })]).split('\n');
  const etime = lines.indexOf('    etime = Thu May 14 07:04:20 2020');
  t.true(etime > 0, 'etime is shown');
  t.is(lines[etime + 1], '    estimated.start_time = Thu May 14 08:04:20 2020');
  t.false(formatFull([job(126)]).includes('estimated.start_time'), 'no reservation, no estimate');
});

test('-f wrapping: at commas past 78 columns, then mid-token, with newline-tab', (t) => {
  const vars = Array.from({ length: 8 }, (_, i) => `VARIABLE_${i}=value_${i}`).join(',');
  const wrapped = wrapAttr(`    Variable_List = ${vars}`);
  t.true(wrapped.includes(',\n\t'));
  for (const l of wrapped.split('\n')) t.true(l.length <= 78, l);
  t.is(wrapped.replace(/\n\t/g, ''), `    Variable_List = ${vars}`);
  const long = wrapAttr(`    comment = ${'x'.repeat(200)}`);
  t.is(long.replace(/\n\t/g, ''), `    comment = ${'x'.repeat(200)}`);
  t.is(wrapAttr('    short = yes'), '    short = yes');
});

test('-f -F json: PBS JSON, nested resources, typed values, names as strings', (t) => {
  const numeric = job(7, { spec: { ...job(0).spec!, name: '12345' } });
  const doc = JSON.parse(formatJson([running, numeric], 'pbsserver')) as { pbs_server: string; Jobs: Record<string, Record<string, unknown>> };
  t.is(doc.pbs_server, 'pbsserver');
  const r = doc.Jobs['123.pbsserver'] ?? {};
  t.deepEqual(r.Resource_List, { ncpus: 1, nodect: 1, place: 'free', select: '1:ncpus=1', walltime: '00:01:00' });
  t.is(r.session_id, 1622);
  t.deepEqual(r.Variable_List, { PBS_O_HOME: '/home/alice', PBS_O_WORKDIR: '/home/alice' });
  t.is((doc.Jobs['7.pbsserver'] ?? {}).Job_Name, '12345', 'a numeric job name stays a string');
});

test('-Q and -B tables', (t) => {
  t.is(formatQueues([{ name: 'workq', priority: 0, enabled: true, started: true, queue_type: 'Execution', default_walltime_seconds: 0, max_running: 0, state_count: { Q: 1, R: 1, H: 1 }, total_jobs: 3, is_default: true, comment: '' }]),
    'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type\n---------------- ----- ----- --- --- ----- ----- ----- ----- ----- ----- ----\nworkq                0     3 yes yes     1     1     1     0     0     0 Exe*\n');
  t.is(formatServer({ name: 'pbsserver', version: '0.1.0', default_queue: 'workq', state_count: { Q: 1, R: 1, H: 1 }, total_jobs: 3, start_time_unix: 0, revision: 0 }),
    'Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\npbsserver            0     3     1     1     1     0     0     0 Active\n');
});

const node = (p: Partial<Node> = {}): Node => ({
  name: 'node01', state: 'NODE_STATE_FREE', state_text: 'free', ncpus: 8, mem_bytes: 16 * 1024 ** 3, ngpus: 0, assigned_ncpus: 3, assigned_mem_bytes: 1024 ** 3,
  assigned_ngpus: 0, jobs: ['123.pbsserver'], host: 'node01', provider: 'local', last_state_change_unix: T, comment: '', arch: 'linux',
  efa: 0, instance_type: '', availability_zone: '', placement_group: '', network_nodes: [], spot: false, instance_id: '', ...p,
});

test('pbsnodes -a, -l, -aSj and its JSON with both State keys', (t) => {
  const a = formatNodesLong([node()]);
  t.true(a.startsWith('node01\n     Mom = node01\n     ntype = PBS\n     state = free\n     pcpus = 8\n'));
  t.true(a.includes('     resources_available.mem = 16777216kb\n'));
  t.true(a.includes('     last_state_change_time = Thu May 14 07:04:20 2020\n'));
  t.true(a.endsWith('\n\n'));
  t.is(formatNodesList([node(), node({ name: 'node02', state_text: 'down', comment: 'agent disconnected' })]), 'node02               down agent disconnected\n');
  t.is(formatNodesSj([node()]).split('\n')[3], 'node01          free                 1     1      0    15gb/16gb     5/8     0/0     0/0 123.pbsserver');
  const js = JSON.parse(formatNodesSjJson([node()], 'pbsserver', T)) as { nodes: Record<string, Record<string, unknown>> };
  t.deepEqual(js.nodes.node01, { State: 'free', state: 'free', 'Total Jobs': 1, 'Running Jobs': 1, 'Suspended Jobs': 0, 'mem f/t': '15gb/16gb', 'ncpus f/t': '5/8', 'nmics f/t': '0/0', 'ngpus f/t': '0/0', jobs: ['123.pbsserver'] });
});

test('pbsnodes -a shows an EC2 node\'s placement facts; a local node has none to show', (t) => {
  const ec2 = formatNodesLong([node({ efa: 1, instance_type: 'c5n.18xlarge', availability_zone: 'us-east-1a', placement_group: 'pg-hpc', network_nodes: ['nn-1', 'nn-2', 'nn-3'], spot: true })]);
  for (const line of ['resources_available.efa = 1', 'resources_available.instance_type = c5n.18xlarge', 'resources_available.availability_zone = us-east-1a',
    'resources_available.placement_group = pg-hpc', 'resources_available.capacity = spot', 'resources_available.network_nodes = nn-1,nn-2,nn-3']) {
    t.true(ec2.includes(`     ${line}\n`), line);
  }
  t.false(formatNodesLong([node()]).includes('resources_available.efa'), 'nothing about EFA on a local node');
  t.false(formatNodesLong([node()]).includes('resources_available.capacity'));
});
