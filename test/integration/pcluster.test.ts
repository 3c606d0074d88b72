/**
 * A queue served by a ParallelCluster head, against a real Slurm (test/helpers/slurm.ts: munged,
 * slurmctld, two slurmd and slurmrestd as an unprivileged user, on loopback) and a real daemon:
 * qsub into the queue → the job is translated and submitted through slurmrestd with a token fleetq
 * signs for its owner → Slurm runs it → qstat shows Slurm's state, nodes, exit status and comment.
 * Also: arrays and dependencies translate; qdel cancels in Slurm; qhold, qalter and qrls act on the
 * pending Slurm job; what has no translation is refused at qsub and what Slurm refuses ends the job
 * with Slurm's reason; a daemon restarted mid-job re-attaches (and takes back a job Slurm already
 * has instead of submitting it twice); stopping slurmrestd stops the queue with why, and the jobs
 * wait until it is back.
 */
import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlurm, type SlurmFixture } from '../helpers/slurm.js';
import { startDaemon, run, eventually, finishedJob, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let slurm: SlurmFixture;
let d: DaemonHandle;
let work: string;

/** qstat -f -F json of one job (with history). */
async function job(id: string): Promise<Record<string, unknown>> {
  const r = await run('qstat', ['-x', '-f', '-F', 'json', id], { home: d.home });
  return (JSON.parse(r.stdout || '{}') as { Jobs?: Record<string, Record<string, unknown>> }).Jobs?.[id] ?? {};
}

/** `scontrol show job N` as key=value pairs. */
async function scontrol(sid: string | number): Promise<Record<string, string>> {
  const r = await slurm.cmd('scontrol', ['show', 'job', '-o', String(sid)]);
  const out: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/(\w+(?:\/\w+)?)=(\S*)/g)) out[m[1]!] ??= m[2]!;
  return out;
}

const slurmId = (j: Record<string, unknown>): string => String(j.external_id ?? '').split(':').pop() ?? '';

async function qsub(args: string[], script: string): Promise<string> {
  const r = await run('qsub', ['-q', 'pc', ...args], { home: d.home, cwd: work, input: script });
  if (r.code !== 0) throw new Error(`qsub ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

test.before(async () => {
  slurm = await startSlurm({ nodes: 2, cpus: 4, nodePrefix: 'pcn', restSocket: true });
  work = mkdtempSync(join(tmpdir(), 'fq-pc-'));
  chmodSync(work, 0o777);
  d = await startDaemon({
    env: {
      FLEETQ_SERVER_NAME: 'pcit', FLEETQ_SCHEDULER_INTERVAL: '300ms', FLEETQ_LOG_LEVEL: 'debug',
      FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' }, {
        name: 'pc', provider: 'pcluster',
        pcluster: { url: slurm.restUrl, jwt_key: slurm.jwtKey, partition: slurm.partition, cluster: 'pc1', poll_interval: '300ms', timeout: '3s' },
      }, {
        // The same head through slurmrestd's unix socket (rest_auth/local): jobs run as slurmrestd's user.
        name: 'pcl', provider: 'pcluster', pcluster: { url: `unix:${slurm.restSocket}`, auth: 'local', partition: slurm.partition, cluster: 'pc1', poll_interval: '300ms' },
      }]),
    },
  });
});

test.after.always(async () => {
  await d?.stop();
  await slurm?.stop();
});

test.serial('qsub → Slurm → qstat: an MPI-shaped job runs on two Slurm nodes as its owner; its output, exit status and nodes come back', async (t) => {
  const id = await qsub(['-N', 'hello', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'place=scatter', '-l', 'walltime=00:05:00', '-j', 'oe'],
    '#!/bin/bash\necho "PBS_JOBID=$PBS_JOBID PBS_QUEUE=$PBS_QUEUE WORKDIR=$PBS_O_WORKDIR"\necho "tasks=$SLURM_NTASKS nodes=$SLURM_JOB_NUM_NODES"\ncat "$PBS_NODEFILE"\nexit 3\n');
  t.regex(id, /^\d+\.pcit$/);
  const f = await finishedJob(d.home, id, 60000);
  t.log(`qstat -f ${id} (trimmed):\n${Object.entries(f).filter(([k]) => ['job_state', 'queue', 'exec_host', 'Exit_status', 'comment', 'external_id', 'run_count'].includes(k)).map(([k, v]) => `    ${k} = ${String(v)}`).join('\n')}`);
  t.is(f.Exit_status, 3);
  t.regex(String(f.external_id), /^slurm:pc1:\d+$/);
  t.regex(String(f.exec_host), /^pcn[12]\/0\*2\+pcn[12]\/0\*2$/);
  t.regex(String(f.comment), /^Job run at .* on pcn\S+ \(Slurm job \d+ on pc1\) and failed/);
  const out = readFileSync(join(work, `hello.o${id.split('.')[0]}`), 'utf8');
  t.regex(out, new RegExp(`^PBS_JOBID=${id.replace('.', '\\.')} PBS_QUEUE=pc WORKDIR=${work}$`, 'm'));
  t.regex(out, /^tasks=4 nodes=2$/m);
  t.deepEqual(out.split('\n').filter((l) => /^pcn\d$/.test(l)).sort(), ['pcn1', 'pcn1', 'pcn2', 'pcn2'], 'PBS_NODEFILE: each node once per task');
  const s = await scontrol(slurmId(f));
  t.is(s.JobState, 'FAILED');
  t.is(s.NumNodes, '2');
  t.is(s.NumTasks, '4');
  t.is(s.Comment, `fleetq:${id}`);
  t.is(s.ExitCode, '3:0');
  const table = await run('qstat', ['-x', id], { home: d.home });
  t.log(`qstat -x ${id}:\n${table.stdout}`);
  t.regex(table.stdout, /hello\s+root\s+\S+\s+F pc/);
});

test.serial('a job submitted for an unprivileged user runs as that user in Slurm (a token fleetq signs for the owner); WatchJobs streams its path', async (t) => {
  const fq = connect({ address: d.address, user: 'fleetq-test' });
  const watcher = connect({ address: d.address, user: 'root' });
  try {
    const rev = Number((await watcher.getServer()).revision);
    const { job: j } = await fq.submitJob({ spec: { script: '#!/bin/bash\nid -un\n', workdir: work, name: 'who', user: 'fleetq-test', queue: 'pc' } });
    const kinds: string[] = [];
    for await (const ev of watcher.watchJobs({ since_revision: rev, ids: [j.id] })) {
      kinds.push(ev.kind);
      if (ev.kind === 'finished') break;
    }
    // (since_revision 0 means from now on: run alone, this test's daemon has no revision yet to replay from.)
    t.deepEqual(kinds.filter((k) => k !== 'comment' && (rev > 0 || k !== 'submitted')), [...(rev > 0 ? ['submitted'] : []), 'forwarded', 'started', 'finished'], 'one view: Slurm\'s changes as fleetq events');
    const f = await finishedJob(d.home, j.id, 60000);
    t.is(f.Exit_status, 0);
    t.is(readFileSync(join(work, `who.o${j.id.split('.')[0]}`), 'utf8').trim(), 'fleetq-test');
    t.is((await scontrol(slurmId(f))).UserId?.split('(')[0], 'fleetq-test');
  } finally { fq.close(); watcher.close(); }
});

test.serial('auth local: through slurmrestd\'s unix socket, the job runs as slurmrestd\'s user', async (t) => {
  const r = await run('qsub', ['-q', 'pcl', '-N', 'local'], { home: d.home, cwd: work, input: 'id -un\n' });
  t.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  const f = await finishedJob(d.home, id, 60000);
  t.is(f.Exit_status, 0);
  t.is(readFileSync(join(work, `local.o${id.split('.')[0]}`), 'utf8').trim(), 'fleetq-rest');
});

test.serial('R while Slurm runs it; qdel cancels it in Slurm', async (t) => {
  const id = await qsub(['-N', 'long'], 'sleep 120\n');
  const r = await eventually(async () => { const j = await job(id); return j.job_state === 'R' ? j : undefined; }, 30000, 'R');
  t.regex(String(r.exec_host), /^pcn[12]\/0$/);
  t.is((await scontrol(slurmId(r))).JobState, 'RUNNING');
  const del = await run('qdel', [id], { home: d.home });
  t.is(del.code, 0, del.stderr);
  const f = await finishedJob(d.home, id, 30000);
  t.regex(String(f.comment), /Job deleted at request of root/);
  t.true(Number(f.Exit_status) > 256, `killed by a signal: ${String(f.Exit_status)}`);
  t.is((await scontrol(slurmId(f))).JobState, 'CANCELLED');
});

test.serial('arrays: -J 1-3 is one Slurm array; each subjob gets its index and its own output, and qstat -t shows them', async (t) => {
  const id = await qsub(['-N', 'arr', '-J', '1-3'], 'echo "index=$PBS_ARRAY_INDEX id=$PBS_JOBID"\n');
  t.regex(id, /^\d+\[\]\.pcit$/);
  const f = await finishedJob(d.home, id, 60000);
  t.is(f.Exit_status, 0);
  const seq = id.split('[')[0]!;
  for (const i of [1, 2, 3]) {
    const out = readFileSync(join(work, `arr.o${seq}.${i}`), 'utf8');
    t.is(out.trim(), `index=${i} id=${seq}[${i}].pcit`);
  }
  const tt = await run('qstat', ['-x', '-t', id], { home: d.home });
  t.is(tt.stdout.split('\n').filter((l) => new RegExp(`^${seq}\\[\\d\\]`).test(l) && / X /.test(l)).length, 3, tt.stdout);
  const s = await scontrol(slurmId(f));
  t.is(s.ArrayJobId, slurmId(f), 'one Slurm array job, whose id fleetq keeps on the array');
});

test.serial('dependencies on jobs of the same head are Slurm dependencies; one that can never be met deletes the job in both', async (t) => {
  const a = await qsub(['-N', 'first'], 'sleep 3; exit 0\n');
  const b = await qsub(['-N', 'second', '-W', `depend=afterok:${a}`], 'date +%s\n');
  const aj = await eventually(async () => { const j = await job(a); return j.external_id ? j : undefined; }, 20000, 'a forwarded');
  const bj = await eventually(async () => { const j = await job(b); return j.external_id ? j : undefined; }, 20000, 'b forwarded before a ends');
  const sb = await scontrol(slurmId(bj));
  t.regex(sb.Dependency ?? '', new RegExp(`^afterok:${slurmId(aj)}`), 'Slurm waits for it');
  const fa = await finishedJob(d.home, a, 60000);
  const fb = await finishedJob(d.home, b, 60000);
  t.is(fb.Exit_status, 0);
  t.true(Number(readFileSync(join(work, `second.o${b.split('.')[0]}`), 'utf8').trim()) >= Math.floor(Date.parse(String(fa.obittime)) / 1000) - 1, 'second ran after first');
  // afterok on a job that fails: never met.
  const c = await qsub(['-N', 'fails'], 'sleep 2; exit 1\n');
  const e = await qsub(['-N', 'never', '-W', `depend=afterok:${c}`], 'true\n');
  const ej = await eventually(async () => { const j = await job(e); return j.external_id ? j : undefined; }, 20000, 'e forwarded');
  const fe = await finishedJob(d.home, e, 60000);
  t.regex(String(fe.comment), /dependency/);
  const cancelled = await eventually(async () => { const s = await scontrol(slurmId(ej)); return s.JobState === 'CANCELLED' ? s : undefined; }, 20000, 'cancelled in Slurm')
    .catch(async () => scontrol(slurmId(ej)));
  t.is(cancelled.JobState, 'CANCELLED', 'cancelled in Slurm too');
});

test.serial('qhold, qalter and qrls act on the job pending in Slurm', async (t) => {
  const blocker = await qsub(['-N', 'blocker', '-l', 'select=2:ncpus=4', '-l', 'place=scatter'], 'sleep 120\n');
  await eventually(async () => ((await job(blocker)).job_state === 'R' ? true : undefined), 30000, 'blocker running');
  const x = await qsub(['-N', 'waiting', '-l', 'walltime=00:10:00'], 'echo "name=$PBS_JOBNAME"\n');
  const xj = await eventually(async () => { const j = await job(x); return j.external_id && /pending/.test(String(j.comment)) ? j : undefined; }, 20000, 'x pending in Slurm');
  const sid = slurmId(xj);
  t.is((await run('qhold', [x], { home: d.home })).code, 0);
  t.is((await job(x)).job_state, 'H');
  t.regex((await scontrol(sid)).Reason ?? '', /JobHeld/);
  const alt = await run('qalter', ['-l', 'walltime=00:02:00', x], { home: d.home });
  t.is(alt.code, 0, alt.stderr);
  t.is((await scontrol(sid)).TimeLimit, '00:02:00');
  t.is((await job(x)).Resource_List && ((await job(x)).Resource_List as Record<string, string>).walltime, '00:02:00');
  // Slurm 22.05's REST API takes a new name and ignores it: fleetq reads back, and says so.
  const rename = await run('qalter', ['-N', 'renamed', x], { home: d.home });
  t.not(rename.code, 0);
  t.regex(rename.stderr, /did not apply name/);
  t.is((await job(x)).Job_Name, 'waiting', 'fleetq keeps what Slurm has');
  const bad = await run('qalter', ['-o', '/tmp/elsewhere', x], { home: d.home });
  t.not(bad.code, 0);
  t.regex(bad.stderr, /cannot be altered once job .* is in Slurm/);
  t.is((await run('qrls', [x], { home: d.home })).code, 0);
  t.notRegex((await scontrol(sid)).Reason ?? '', /JobHeld/);
  t.is((await run('qdel', [blocker], { home: d.home })).code, 0);
  const f = await finishedJob(d.home, x, 60000);
  t.is(f.Exit_status, 0);
});

test.serial('what has no Slurm translation is refused at qsub; what Slurm refuses ends the job with Slurm\'s reason', async (t) => {
  const odd = await run('qsub', ['-q', 'pc', '-l', 'select=1:ncpus=3:mpiprocs=2'], { home: d.home, cwd: work, input: 'true\n' });
  t.not(odd.code, 0);
  t.regex(odd.stderr, /ncpus=3 is not a multiple of mpiprocs=2/);
  const spot = await run('qsub', ['-q', 'pc', '-l', 'select=1:ncpus=1:capacity=spot'], { home: d.home, cwd: work, input: 'true\n' });
  t.not(spot.code, 0);
  t.regex(spot.stderr, /Resource_List.capacity: has no Slurm translation/);
  // Slurm's own refusal: no node has the feature this instance type becomes.
  const id = await qsub(['-l', 'select=1:ncpus=1:instance_type=c5n.18xlarge'], 'true\n');
  const f = await finishedJob(d.home, id, 30000);
  t.regex(String(f.comment), /^Job not run: Slurm refused the job: .*feature/i);
  t.is(f.Exit_status, -1);
});

test.serial('a daemon restarted mid-job re-attaches, and takes back a job Slurm already has instead of submitting it twice', async (t) => {
  const id = await qsub(['-N', 'across'], 'sleep 4; exit 7\n');
  await eventually(async () => ((await job(id)).job_state === 'R' ? true : undefined), 30000, 'R');
  await d.kill9();
  await new Promise((r) => setTimeout(r, 5000)); // it ends in Slurm while fleetq is down
  await d.restart();
  const f = await finishedJob(d.home, id, 30000);
  t.is(f.Exit_status, 7);
  t.is(f.run_count, 1);
  // A job Slurm has with its tag but whose Slurm id fleetq never stored (a crash between the two).
  await slurm.stopRest();
  const lost = await qsub(['-N', 'twice'], 'echo once\n');
  await eventually(async () => (/unreachable/.test(String((await job(lost)).comment)) ? true : undefined), 20000, 'waiting for the head');
  await d.stop();
  const sb = await slurm.cmd('sbatch', ['--parsable', '-p', slurm.partition, `--comment=fleetq:${lost}`, `--output=${work}/twice.o${lost.split('.')[0]}`, '--wrap', 'echo once']);
  t.is(sb.code, 0, sb.stderr);
  await slurm.startRest();
  await d.restart();
  const fl = await finishedJob(d.home, lost, 30000);
  t.is(slurmId(fl), sb.stdout.trim().split(';')[0] ?? '');
  const q = await slurm.cmd('squeue', ['-h', '-t', 'all', '-o', '%k']);
  t.is(q.stdout.split('\n').filter((l) => l.trim() === `fleetq:${lost}`).length, 1, 'one Slurm job for it');
});

test.serial('slurmrestd stopped: the queue is stopped with why and jobs wait; started again: the queue comes back and they run', async (t) => {
  await slurm.stopRest();
  const q = await eventually(async () => {
    const r = await run('qstat', ['-Q', '-f', 'pc'], { home: d.home });
    return /started = False/.test(r.stdout) ? r.stdout : undefined;
  }, 20000, 'queue stopped');
  t.regex(q, /comment = head pc1 unreachable: /);
  const id = await qsub(['-N', 'patient'], 'echo waited\n');
  const w = await eventually(async () => { const j = await job(id); return /unreachable/.test(String(j.comment)) ? j : undefined; }, 20000, 'the job says why it waits');
  t.is(w.job_state, 'Q');
  await slurm.startRest();
  await eventually(async () => (/started = True/.test((await run('qstat', ['-Q', '-f', 'pc'], { home: d.home })).stdout) ? true : undefined), 20000, 'queue started');
  const f = await finishedJob(d.home, id, 30000);
  t.is(f.Exit_status, 0);
  t.true(existsSync(join(work, `patient.o${id.split('.')[0]}`)));
});
