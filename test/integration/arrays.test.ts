/**
 * Job arrays through the real daemon, agents and bin/ commands: qsub -J and #PBS -J, subjobs that
 * see their index, qstat -t / -J / -f, %max, qdel of one subjob and of the whole array, a
 * 100,000-subjob array as one stored record, and bad -J values refused in PBS's words.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';
import { Store } from '../../src/store/index.js';
import type { JobRecord } from '../../src/jobs/model.js';

let d: DaemonHandle;
const SERVER = 'srv';
test.before(async () => { d = await startDaemon({ env: { FLEETQ_SERVER_NAME: SERVER, FLEETQ_JOBS_KILL_DELAY: '1s', FLEETQ_LOCAL_NCPUS: '2', FLEETQ_LOCAL_MEM: '4gb', FLEETQ_SCHEDULER_INTERVAL: '1s' } }); });
test.after.always(async () => { await d.stop(); });

const q = (cmd: string, args: string[], o: { input?: string; cwd?: string } = {}) => run(cmd, args, { ...o, home: d.home });
const wd = (): string => mkdtempSync(join(tmpdir(), 'fq-arr-'));

async function submit(args: string[], script: string, cwd = wd()): Promise<{ id: string; seq: string; cwd: string }> {
  const r = await q('qsub', args, { input: script, cwd });
  if (r.code !== 0) throw new Error(`qsub ${args.join(' ')} failed: ${r.code} ${r.stderr}`);
  const id = r.stdout.trim();
  return { id, seq: id.split('[')[0] ?? '', cwd };
}

function attr(full: string, name: string): string | undefined {
  return new RegExp(`^    ${name.replace('.', '\\.')} = (.*)$`, 'm').exec(full.replace(/\n\t/g, ''))?.[1];
}
const stateOf = async (id: string): Promise<string> => attr((await q('qstat', ['-x', '-f', id])).stdout, 'job_state') ?? '';
const waitState = (id: string, s: string, ms = 30000) => eventually(async () => (await stateOf(id)) === s, ms, `${id} → ${s}`);

/** `qstat -t -x` rows of one array as `ID=S`, in order. */
async function tree(seq: string, flags = ['-t', '-x']): Promise<string> {
  const r = await q('qstat', [...flags, `${seq}[].${SERVER}`]);
  return r.stdout.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => { const f = l.split(/\s+/); return `${f[0]}=${f[4]}`; }).join(' ');
}

test.serial('a 3-subjob array runs each subjob with its index; qstat -t shows X; -f shows the array attributes', async (t) => {
  const { id, seq, cwd } = await submit(['-J', '1-3', '-N', 'arr'], 'echo "$PBS_ARRAY_INDEX $PBS_ARRAY_ID $PBS_JOBID"\n');
  t.regex(id, new RegExp(`^\\d+\\[\\]\\.${SERVER}$`), 'qsub prints SEQ[].SERVER');
  await waitState(id, 'F');
  for (const i of [1, 2, 3]) {
    t.is(readFileSync(join(cwd, `arr.o${seq}.${i}`), 'utf8'), `${i} ${seq}[].${SERVER} ${seq}[${i}].${SERVER}\n`, `output of subjob ${i}`);
  }
  t.is(await tree(seq), `${seq}[].srv=F ${seq}[1].srv=X ${seq}[2].srv=X ${seq}[3].srv=X`);
  const full = (await q('qstat', ['-x', '-f', id])).stdout;
  t.is(attr(full, 'array'), 'True');
  t.is(attr(full, 'array_indices_submitted'), '1-3');
  t.is(attr(full, 'array_indices_remaining'), '-');
  t.is(attr(full, 'array_state_count'), 'Queued:0 Running:0 Exiting:0 Expired:3');
  t.is(attr(full, 'Exit_status'), '0');
  const sub = (await q('qstat', ['-x', '-f', `${seq}[2]`])).stdout;
  t.is(attr(sub, 'job_state'), 'X');
  t.is(attr(sub, 'array_id'), id);
  t.is(attr(sub, 'array_index'), '2');
  t.is(attr(sub, 'Exit_status'), '0');
});

test.serial('#PBS -J with %1 runs the subjobs one at a time', async (t) => {
  const cwd = wd();
  const log = join(cwd, 'spans');
  writeFileSync(join(cwd, 'one.sh'), `#!/bin/bash\n#PBS -J 1-4%1\n#PBS -N one\necho "start $PBS_ARRAY_INDEX $(date +%s%N)" >> ${log}\nsleep 0.5\necho "end $PBS_ARRAY_INDEX $(date +%s%N)" >> ${log}\n`);
  const { id } = await submit(['one.sh'], '', cwd);
  let maxRunning = 0;
  await eventually(async () => {
    const rows = await tree(id.split('[')[0] ?? '');
    maxRunning = Math.max(maxRunning, (rows.match(/=R/g) ?? []).length);
    return rows.startsWith(`${id.split('.')[0]}.srv=F`) ? rows : '';
  }, 60000, `${id} to finish`);
  t.true(maxRunning <= 1, `at most one subjob running at once; saw ${maxRunning}`);
  const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
  t.is(events.length, 8, `4 starts and 4 ends; got:\n${readFileSync(log, 'utf8')}`);
  let open = 0;
  for (const [kind] of [...events].sort((a, b) => Number(a[2]) - Number(b[2]))) {
    open += kind === 'start' ? 1 : -1;
    t.true(open <= 1, 'no two subjobs overlap in time');
  }
});

test.serial('qdel of one queued subjob, of one running subjob, then of the whole array', async (t) => {
  const { id, seq } = await submit(['-J', '1-4', '-l', 'select=1:ncpus=1'], 'sleep 60\n');
  await eventually(async () => (await tree(seq)) === `${seq}[].srv=B ${seq}[1].srv=R ${seq}[2].srv=R ${seq}[3].srv=Q ${seq}[4].srv=Q`, 30000, 'two running, two queued');
  const queued = (await q('qstat', ['-f', `${seq}[3].${SERVER}`])).stdout;
  t.is(attr(queued, 'job_state'), 'Q', 'qstat -f of a queued subjob');
  t.is(attr(queued, 'array_index'), '3');
  const parent = (await q('qstat', ['-f', id])).stdout;
  t.is(attr(parent, 'array_state_count'), 'Queued:2 Running:2 Exiting:0 Expired:0');
  t.is(attr(parent, 'array_indices_remaining'), '3-4');
  t.is((await q('qdel', [`${seq}[3]`])).code, 0);
  t.is((await q('qdel', [`${seq}[1].${SERVER}`])).code, 0);
  // Subjob 1's cpu frees: subjob 4 may start in its place.
  await eventually(async () => /\[1\]\.srv=X .*\[3\]\.srv=X/.test(await tree(seq)), 30000, 'subjobs 1 and 3 to be X');
  t.is((await q('qdel', [id])).code, 0);
  await waitState(id, 'F');
  t.is(await tree(seq), `${seq}[].srv=F ${seq}[1].srv=X ${seq}[2].srv=X ${seq}[3].srv=X ${seq}[4].srv=X`);
  t.is(attr((await q('qstat', ['-x', '-f', id])).stdout, 'Exit_status'), '2', 'a subjob deleted before it ran: exit status 2');
  const again = await q('qdel', [id]);
  t.is(again.stderr, `qdel: Job has finished ${id}\n`);
});

test.serial('qstat -J shows arrays only, -J -t subjobs only; qhold/qrls on the array', async (t) => {
  const plain = await submit(['-h'], 'true\n');
  const { id, seq } = await submit(['-h', '-J', '5-9:2'], 'true\n');
  const arrays = (await q('qstat', ['-J'])).stdout;
  t.true(arrays.includes(`${seq}[].srv`), arrays);
  t.false(arrays.includes(plain.id.split('.')[0] ?? 'x'), `no plain job in -J: ${arrays}`);
  const subs = (await q('qstat', ['-J', '-t'])).stdout.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => l.split(/\s+/)[0]);
  t.deepEqual(subs.filter((s) => s?.startsWith(`${seq}[`)), [`${seq}[5].srv`, `${seq}[7].srv`, `${seq}[9].srv`]);
  t.is(await stateOf(id), 'H');
  t.is(attr((await q('qstat', ['-f', id])).stdout, 'array_indices_remaining'), '5-9:2');
  t.is((await q('qrls', [id])).code, 0);
  await waitState(id, 'F');
  t.is((await q('qdel', [plain.id])).code, 0);
});

test.serial('a 100,000-subjob array submits as one stored record, fast', async (t) => {
  const t0 = performance.now();
  const { id } = await submit(['-h', '-J', '1-100000'], 'true\n');
  const ms = performance.now() - t0;
  t.log(`qsub -J 1-100000 took ${ms.toFixed(0)} ms (the qsub process included)`);
  t.true(ms < 3000, `qsub of a 100,000-subjob array took ${ms.toFixed(0)} ms; expected under 3 s`);
  const full = (await q('qstat', ['-f', id])).stdout;
  t.is(attr(full, 'array_indices_remaining'), '1-100000');
  t.is(attr(full, 'array_state_count'), 'Queued:100000 Running:0 Exiting:0 Expired:0');
  const store = await Store.open<JobRecord, { name: string }, { name: string }>(join(d.home, 'db'));
  try {
    const seq = Number(id.split('[')[0]);
    t.is(store.allJobs().filter((j) => j.seq === seq).length, 1, 'the array is one job record');
    t.is(store.allSubjobs().filter((j) => j.seq === seq).length, 0, 'and no subjob records');
  } finally { await store.close(); }
  t.is((await q('qdel', [id])).code, 0);
});

test.serial('bad -J values are refused as PBS does; too big an array and a bad range over gRPC name the field', async (t) => {
  for (const bad of ['1-1', '5-2', '1-5:0', 'a-b', '1,2,3', '1-3%0']) {
    const r = await q('qsub', ['-J', bad], { input: 'true\n' });
    t.is(r.code, 2, `-J ${bad}: exit`);
    t.true(r.stderr.startsWith('qsub: illegal -J value\nusage: qsub'), `-J ${bad}: ${r.stderr}`);
  }
  const dir = await q('qsub', [], { input: '#PBS -J 3-3\ntrue\n' });
  t.true(dir.stderr.startsWith('qsub: illegal -J value'), `#PBS -J 3-3: ${dir.stderr}`);
  const big = await q('qsub', ['-J', '1-100001'], { input: 'true\n' });
  t.is(big.code, 188, big.stderr);
  t.regex(big.stderr, /^qsub: Job violates queue and\/or server resource limits \(array_indices: 100001 subjobs is over the limit of 100000 \(jobs\.max_array_size\)\)/);
  const c = connect({ address: d.address });
  try {
    const e = await t.throwsAsync(c.submitJob({ spec: { script: 'true\n', workdir: '/tmp', array_indices: '9-2' } })) as { code?: number; details?: string };
    t.is(e.code, 3, 'INVALID_ARGUMENT');
    t.regex(e.details ?? '', /^array_indices: '9-2'/);
    const { job } = await c.submitJob({ spec: { script: 'true\n', workdir: '/tmp', array_indices: '1-2', hold: true } });
    const dep = await t.throwsAsync(c.submitJob({ spec: { script: 'true\n', workdir: '/tmp', depend: `afterok:${job.seq}` } })) as { details?: string };
    t.regex(dep.details ?? '', /is a job array; dependencies on job arrays are not supported/);
    await c.cancelJob({ id: job.id });
  } finally { c.close(); }
});
