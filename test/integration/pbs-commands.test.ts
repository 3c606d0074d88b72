/**
 * The PBS commands in bin/ against a real daemon and agents: the whole life of jobs, every qstat
 * layout compared with golden text (variable fields normalised), and bad input answered with PBS's
 * texts and exit codes while the daemon keeps serving.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, type DaemonHandle } from '../helpers/daemon.js';

let d: DaemonHandle;
const SERVER = 'srv';
test.before(async () => { d = await startDaemon({ env: { FLEETQ_SERVER_NAME: SERVER, FLEETQ_JOBS_KILL_DELAY: '1s', FLEETQ_LOCAL_NCPUS: '4', FLEETQ_LOCAL_MEM: '8gb' } }); });
test.after.always(async () => { await d.stop(); });

const q = (cmd: string, args: string[], o: { input?: string; cwd?: string } = {}) => run(cmd, args, { ...o, home: d.home });
const wd = (): string => mkdtempSync(join(tmpdir(), 'fq-pbs-'));

async function submit(args: string[], script: string, cwd = wd()): Promise<{ id: string; seq: string; cwd: string }> {
  const r = await q('qsub', args, { input: script, cwd });
  if (r.code !== 0) throw new Error(`qsub failed: ${r.code} ${r.stderr}`);
  const id = r.stdout.trim();
  return { id, seq: id.split('.')[0] ?? '', cwd };
}

async function stateOf(id: string): Promise<string> {
  const r = await q('qstat', ['-x', '-f', id]);
  return /job_state = (\w)/.exec(r.stdout)?.[1] ?? '';
}
const waitState = (id: string, s: string, ms = 20000) => eventually(async () => (await stateOf(id)) === s, ms, `${id} → ${s}`);

function attr(full: string, name: string): string | undefined {
  return new RegExp(`^    ${name.replace('.', '\\.')} = (.*)$`, 'm').exec(full.replace(/\n\t/g, ''))?.[1];
}

test('qsub from a file with #PBS directives runs to completion: output files, environment, exit status', async (t) => {
  const cwd = wd();
  writeFileSync(join(cwd, 'job.sh'), '#!/bin/bash\n#PBS -N dir_name\n#PBS -l select=1:ncpus=2:mem=100mb\n#PBS -l walltime=00:10:00\n# a comment\necho "$PBS_JOBID $PBS_JOBNAME $PBS_QUEUE $PBS_ENVIRONMENT $NCPUS $OMP_NUM_THREADS"\necho "$PBS_O_WORKDIR $(pwd) $PBS_O_HOST"\nwc -l < "$PBS_NODEFILE"\ntest -d "$TMPDIR" && echo tmpdir-ok\necho to-stderr >&2\nexit 5\n');
  const r = await q('qsub', ['-v', 'GREETING=hi', 'job.sh'], { cwd });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^\\d+\\.${SERVER}\\n$`), 'only SEQ.SERVER on stdout');
  const id = r.stdout.trim(); const seq = id.split('.')[0];
  await waitState(id, 'F');
  const full = (await q('qstat', ['-x', '-f', id])).stdout;
  t.is(attr(full, 'Exit_status'), '5');
  t.is(attr(full, 'Job_Name'), 'dir_name');
  t.is(attr(full, 'Resource_List.select'), '1:ncpus=2:mem=100mb');
  t.is(attr(full, 'Resource_List.walltime'), '00:10:00');
  t.regex(attr(full, 'Variable_List') ?? '', /GREETING=hi/);
  const out = readFileSync(join(cwd, `dir_name.o${seq}`), 'utf8').split('\n');
  t.is(out[0], `${id} dir_name workq PBS_BATCH 2 2`);
  t.is(out[1], `${cwd} ${cwd} ${hostname()}`);
  t.is(out[2], '1');
  t.is(out[3], 'tmpdir-ok');
  t.is(readFileSync(join(cwd, `dir_name.e${seq}`), 'utf8'), 'to-stderr\n');
});

test('qsub from stdin (as Open OnDemand submits): name STDIN, -j oe joins, -o names the file', async (t) => {
  const { id, seq, cwd } = await submit(['-j', 'oe'], 'echo out; echo err >&2\n');
  await waitState(id, 'F');
  t.is(readFileSync(join(cwd, `STDIN.o${seq}`), 'utf8'), 'out\nerr\n');
  t.is(attr((await q('qstat', ['-x', '-f', id])).stdout, 'Job_Name'), 'STDIN');
  const o = await submit(['-o', 'custom.out', '-e', 'custom.err'], 'echo x\n');
  await waitState(o.id, 'F');
  t.is(readFileSync(join(o.cwd, 'custom.out'), 'utf8'), 'x\n');
});

test('qdel of a queued and of a running job; qhold/qrls; qalter only while queued', async (t) => {
  const held = await submit(['-h', '-N', 'held'], 'sleep 30\n');
  t.is(await stateOf(held.id), 'H');
  t.is(attr((await q('qstat', ['-f', held.id])).stdout, 'Hold_Types'), 'u');
  t.is((await q('qalter', ['-N', 'renamed', '-l', 'walltime=00:02:00', held.id])).code, 0);
  const f = (await q('qstat', ['-f', held.id])).stdout;
  t.is(attr(f, 'Job_Name'), 'renamed');
  t.is(attr(f, 'Resource_List.walltime'), '00:02:00');
  t.is((await q('qrls', [held.id])).code, 0);
  await waitState(held.id, 'R');
  const alt = await q('qalter', ['-N', 'late', held.id]);
  t.is(alt.code, 168);
  t.is(alt.stderr, `qalter: Request invalid for state of job ${held.id}\n`);
  t.is((await q('qdel', [held.id])).code, 0);
  await waitState(held.id, 'F');
  t.is(attr((await q('qstat', ['-x', '-f', held.id])).stdout, 'Exit_status'), '271', 'SIGTERM: 256+15, as PBS records it');
  const queued = await submit(['-h'], 'true\n');
  t.is((await q('qdel', [queued.id])).code, 0);
  t.is(await stateOf(queued.id), 'F');
  t.regex(attr((await q('qstat', ['-x', '-f', queued.id])).stdout, 'comment') ?? '', /deleted/);
});

test('walltime: a job that outlives it is killed and records -29', async (t) => {
  const { id } = await submit(['-l', 'walltime=00:00:01'], 'trap "" TERM; sleep 60\n');
  await waitState(id, 'F', 30000);
  const f = (await q('qstat', ['-x', '-f', id])).stdout;
  t.is(attr(f, 'Exit_status'), '-29');
  t.regex(attr(f, 'comment') ?? '', /walltime/);
});

/** Replaces what changes from run to run so layouts compare as text. */
function normalise(text: string, ids: string[]): string {
  let s = text;
  ids.forEach((id, i) => { s = s.split(id).join(`<ID${i}>`); });
  return s
    .replace(/(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}/g, '<DATE>')
    .replace(new RegExp(`\\b${process.env.USER ?? 'root'}\\b`, 'g'), '<USER>');
}

test('qstat layouts: default, -a, -n -s, -f, -f -F json, -Q, -B, and errors', async (t) => {
  const a = await submit(['-h', '-N', 'golden_one', '-l', 'ncpus=1,walltime=01:00:00'], 'true\n');
  const b = await submit(['-h', '-N', 'a_name_longer_than_sixteen', '-p', '5'], 'true\n');
  const ids = [a.id, b.id];
  const def = await q('qstat', ids);
  t.is(def.code, 0);
  const user = normalise((process.env.USER ?? 'root').padEnd(16), []);
  t.is(normalise(def.stdout, ids), [
    'Job id            Name             User              Time Use S Queue',
    '----------------  ---------------- ----------------  -------- - -----',
    `<ID0>${' '.repeat(17 - a.id.length)} golden_one       ${user}         0 H workq           `,
    `<ID1>${' '.repeat(17 - b.id.length)} a_name_longer_t* ${user}         0 H workq           `,
    ''].join('\n'));
  const alt = normalise((await q('qstat', ['-a', ...ids])).stdout, ids);
  t.regex(alt, new RegExp(`^\\n${SERVER}: \\n {60}Req'd  Req'd   Elap\\nJob ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time\\n-{15} -{8} -{8} -{10} -{6} -{3} -{3} -{6} -{5} - -{5}\\n`));
  t.regex(alt, /<ID0> +<USER> +workq +golden_one +-- +1 +1 +-- 01:00 H +--\n/);
  const ns = (await q('qstat', ['-n', '-s', a.id])).stdout;
  t.regex(ns, /\n   --\n/, '-n: no nodes yet');
  const full = normalise((await q('qstat', ['-f', a.id])).stdout, ids);
  t.true(full.startsWith('Job Id: <ID0>\n    Job_Name = golden_one\n    Job_Owner = <USER>@'), full.slice(0, 120));
  for (const line of ['    job_state = H', '    queue = workq', `    server = ${SERVER}`, '    ctime = <DATE>', '    Hold_Types = u', '    Priority = 0',
    '    Rerunable = True', '    Resource_List.ncpus = 1', '    Resource_List.nodect = 1', '    Resource_List.place = free',
    '    Resource_List.select = 1:ncpus=1', '    Resource_List.walltime = 01:00:00', '    run_count = 0']) {
    t.true(full.split('\n').includes(line), `-f has '${line}'`);
  }
  t.true(full.endsWith('\n\n'), 'a blank line after each job');
  t.false(/ = $/m.test(full), 'no empty values');
  t.false(full.split('\n').some((l) => l.length > 78 + 4), 'long values are wrapped');
  const json = JSON.parse((await q('qstat', ['-f', '-F', 'json', ...ids])).stdout) as { pbs_server: string; Jobs: Record<string, Record<string, unknown>> };
  t.is(json.pbs_server, SERVER);
  t.deepEqual(Object.keys(json.Jobs), ids);
  const ja = json.Jobs[a.id] ?? {};
  t.is(ja.Job_Name, 'golden_one');
  t.is(ja.Priority, 0);
  t.deepEqual((ja.Resource_List as Record<string, unknown>).ncpus, 1);
  t.is(typeof (ja.Variable_List as Record<string, unknown>).PBS_O_WORKDIR, 'string');
  t.is((json.Jobs[b.id] ?? {}).Priority, 5);
  const qq = (await q('qstat', ['-Q'])).stdout.split('\n');
  t.is(qq[0], 'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type');
  t.regex(qq[2] ?? '', /^workq +0 +\d+ yes yes +\d+ +\d+ +\d+ +0 +0 +\d+ Exe\*$/);
  t.regex((await q('qstat', ['-Q', '-f'])).stdout, /^Queue: workq\n    queue_type = Execution\n/);
  const bb = (await q('qstat', ['-B'])).stdout.split('\n');
  t.is(bb[0], 'Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status');
  t.regex(bb[2] ?? '', new RegExp(`^${SERVER} +0 +\\d+ +\\d+ +\\d+ +\\d+ +0 +0 +\\d+ Active$`));
  t.regex((await q('qstat', ['-B', '-f'])).stdout, new RegExp(`^Server: ${SERVER}\\n    server_state = Active\\n`));
  const unk = await q('qstat', ['999999']);
  t.is(unk.code, 153);
  t.is(unk.stderr, 'qstat: Unknown Job Id 999999\n');
  const mixed = await q('qstat', [a.id, '999998']);
  t.is(mixed.code, 153, 'several ids: valid ones printed, exit of the last error');
  t.regex(mixed.stdout, /golden_one/);
  await q('qdel', ids);
  const fin = await q('qstat', [a.id]);
  t.is(fin.code, 35);
  t.is(fin.stderr, `qstat: ${a.id} Job has finished, use -x or -H to obtain historical job information\n`);
  t.is((await q('qstat', ['-x', a.id])).code, 0);
});

test('qselect and pbsnodes', async (t) => {
  const a = await submit(['-h'], 'true\n');
  const sel = await q('qselect', ['-s', 'H']);
  t.true(sel.stdout.split('\n').includes(a.id));
  t.false((await q('qselect', ['-s', 'R'])).stdout.includes(a.id));
  t.true((await q('qselect', ['-u', process.env.USER ?? 'root'])).stdout.includes(a.id));
  await q('qdel', [a.id]);
  t.false((await q('qselect', [])).stdout.split('\n').includes(a.id), 'finished jobs need -x');
  t.true((await q('qselect', ['-x', '-s', 'F'])).stdout.split('\n').includes(a.id));
  const nodes = await q('pbsnodes', ['-a']);
  t.is(nodes.code, 0);
  t.regex(nodes.stdout, new RegExp(`^${SERVER}\\n     Mom = .+\\n     ntype = PBS\\n     state = (free|job-busy)\\n     pcpus = 4\\n`));
  t.regex(nodes.stdout, /     resources_available\.ncpus = 4\n/);
  t.regex(nodes.stdout, /     resources_available\.mem = 8388608kb\n/);
  t.true(nodes.stdout.endsWith('\n\n'));
  const sj = (await q('pbsnodes', ['-aSj'])).stdout.split('\n');
  t.is(sj[1], 'vnode           state           njobs   run   susp      f/t        f/t     f/t     f/t   jobs');
  const js = JSON.parse((await q('pbsnodes', ['-aSj', '-F', 'json'])).stdout) as { nodes: Record<string, Record<string, unknown>> };
  const n = js.nodes[SERVER] ?? {};
  t.is(n.State, n.state);
  t.regex(String(n['ncpus f/t']), /^\d\/4$/);
  t.is(n['ngpus f/t'], '0/0');
  t.is((await q('pbsnodes', ['nosuchnode'])).code !== 0, true);
});

test('bad input: PBS texts and exit codes, and the daemon keeps serving', async (t) => {
  const cases: Array<{ name: string; cmd: string; args: string[]; input?: string; code: number; err: RegExp }> = [
    { name: 'unknown option', cmd: 'qsub', args: ['-Y'], input: 'true\n', code: 2, err: /^qsub: invalid option -- 'Y'\nusage: qsub/ },
    { name: 'malformed -l', cmd: 'qsub', args: ['-l', 'select=banana'], input: 'true\n', code: 166, err: /^qsub: Illegal attribute or resource value \(Resource_List\.select: 'banana' is not a chunk .+\)\n$/ },
    { name: 'unknown resource', cmd: 'qsub', args: ['-l', 'colour=red'], input: 'true\n', code: 15035 & 255, err: /^qsub: Unknown resource \(Resource_List\.colour: / },
    { name: 'bad walltime', cmd: 'qsub', args: ['-l', 'walltime=soon'], input: 'true\n', code: 166, err: /Resource_List\.walltime/ },
    { name: 'unknown queue', cmd: 'qsub', args: ['-q', 'nosuch'], input: 'true\n', code: 170, err: /^qsub: Unknown queue \(queue: 'nosuch' / },
    { name: 'missing script', cmd: 'qsub', args: ['/no/such/script.sh'], code: 1, err: /^qsub: script file:: No such file or directory\n$/ },
    { name: 'bad -p', cmd: 'qsub', args: ['-p', '9999'], input: 'true\n', code: 2, err: /^qsub: illegal -p value\n/ },
    { name: 'interactive', cmd: 'qsub', args: ['-I'], code: 1, err: /interactive/ },
    { name: '10 MB script', cmd: 'qsub', args: [], input: `#${'x'.repeat(10 * 1024 * 1024)}\ntrue\n`, code: 166, err: /^qsub: Illegal attribute or resource value \(script: \d+ bytes is over the limit/ },
    { name: 'qstat unknown id', cmd: 'qstat', args: ['424242'], code: 153, err: /^qstat: Unknown Job Id 424242\n$/ },
    { name: 'qdel unknown id', cmd: 'qdel', args: ['424242'], code: 153, err: /^qdel: Unknown Job Id 424242\n$/ },
    { name: 'qdel malformed id', cmd: 'qdel', args: ['bogus!'], code: 1, err: /^qdel: illegally formed job identifier: bogus!\n$/ },
    { name: 'qhold bad -h', cmd: 'qhold', args: ['-h', 'z', '1'], code: 2, err: /^qhold: illegal -h value\n/ },
    { name: 'qrls unknown id', cmd: 'qrls', args: ['424242'], code: 153, err: /^qrls: Unknown Job Id 424242\n$/ },
    { name: 'qdel usage', cmd: 'qdel', args: [], code: 2, err: /^usage:\n\tqdel / },
  ];
  for (const c of cases) {
    const r = await q(c.cmd, c.args, c.input === undefined ? {} : { input: c.input });
    t.is(r.code, c.code, `${c.name}: ${r.stderr}`);
    t.regex(r.stderr, c.err, c.name);
    t.is(r.stdout, '', `${c.name}: nothing on stdout`);
  }
  const ok = await submit([], 'true\n');
  await waitState(ok.id, 'F');
  t.pass('the daemon still serves');
});

test('Open OnDemand PBSPro adapter: what it parses from qstat -f -t is all there', async (t) => {
  const { id } = await submit(['-j', 'oe', '-N', 'ood', '-l', 'walltime=00:05:00', '-A', 'proj1'], 'sleep 60\n');
  await waitState(id, 'R');
  const text = (await q('qstat', ['-f', '-t', id])).stdout;
  // ood_core: gsub("\n\t","").split("\n").map(&:strip), then /^Job Id: (.+)$/ and /^([^\s]+) = (.+)$/
  const lines = text.replace(/\n\t/g, '').split('\n').map((l) => l.trim());
  t.is(/^Job Id: (.+)$/.exec(lines[0] ?? '')?.[1], id);
  const kv = new Map(lines.slice(1).map((l) => /^([^\s]+) = (.+)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2]]));
  t.regex(kv.get('Job_Owner') ?? '', /^[\w\-.]+@.+$/);
  t.is(kv.get('job_state'), 'R');
  t.is(kv.get('Job_Name'), 'ood');
  t.is(kv.get('Account_Name'), 'proj1');
  t.is(kv.get('queue'), 'workq');
  t.regex(kv.get('exec_host') ?? '', new RegExp(`^${SERVER}/\\d+$`));
  t.regex(kv.get('Resource_List.walltime') ?? '', /^\d+:\d\d:\d\d$/);
  t.regex(kv.get('resources_used.walltime') ?? '', /^\d+:\d\d:\d\d$/);
  t.is(kv.get('Resource_List.ncpus'), '1');
  t.is(kv.get('Resource_List.nodect'), '1');
  t.false(Number.isNaN(Date.parse(kv.get('ctime') ?? '')), 'ctime parses as a time');
  t.false(Number.isNaN(Date.parse(kv.get('stime') ?? '')), 'stime parses as a time');
  await q('qdel', [id]);
  await waitState(id, 'F');
  const gone = await q('qstat', ['-f', '-t', id]);
  t.regex(gone.stderr, /Job has finished/, 'ood treats this as completed');
  t.not(gone.code, 0);
});

test('FLEETQ_SERVER points the commands at another address; no daemon gives a clear error', async (t) => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'fq-nohome-'));
  const viaEnv = await run('qstat', ['-B'], { env: { FLEETQ_HOME: elsewhere, FLEETQ_SERVER: `unix:${d.socket}` } });
  t.is(viaEnv.code, 0, viaEnv.stderr);
  t.regex(viaEnv.stdout, new RegExp(`\\n${SERVER} `));
  const none = await run('qsub', [], { input: 'true\n', env: { FLEETQ_HOME: elsewhere } });
  t.not(none.code, 0);
  t.regex(none.stderr, /^qsub: cannot connect to server unix:.*fleetq\.sock \(errno=111\)\n$/);
  const none2 = await run('qstat', [], { env: { FLEETQ_HOME: elsewhere } });
  t.not(none2.code, 0);
  t.regex(none2.stderr, /^qstat: cannot connect to server /);
});
