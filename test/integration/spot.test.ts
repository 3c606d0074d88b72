/**
 * Spot interruptions: an agent polling its metadata service (amazon-ec2-metadata-mock's spot
 * scenario, IMDSv2 mandatory, the notice 8 s after the mock starts) reports the interruption notice;
 * the daemon drains the node (offline, the notice as its comment), sends the running job the signal
 * it asked for (-l checkpoint_signal=SIGUSR1) and records the notice in the job's journal. Then the
 * instance goes (its agent killed with SIGKILL): the node is down with the notice in its comment,
 * the job — rerunnable — is requeued with its request intact, the capacity provider is told the
 * node is gone, and the job runs to its end on a node that joins later.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let d: DaemonHandle | undefined;
const procs: ChildProcess[] = [];
test.after.always(async () => {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
});

test('a spot notice drains the node and signals the job; when the instance goes, the job is requeued intact and ends on another node', async (t) => {
  const port = await freePort();
  const mock = spawn('ec2-metadata-mock', ['spot', '-n', '127.0.0.1', '-p', String(port), '-I', '-d', '8', '--rebalance-delay-sec', '600', '-x', '-1'], { stdio: 'ignore' });
  procs.push(mock);
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } }).catch(() => undefined))?.ok, 15000, 'the metadata mock');
  // The local node has 1 cpu: the 2-cpu job goes to the spot node.
  d = await startDaemon({ env: { FLEETQ_LOCAL_NCPUS: '1', FLEETQ_SCHEDULER_INTERVAL: '300ms', FLEETQ_AGENT_RECONNECT_GRACE: '1s' } });
  const state = join(d.home, 'agent-spot');
  mkdirSync(state, { recursive: true });
  const agent = spawn(process.execPath, [join(BIN, 'fleetq'), 'agent', '--node', 'spotnode', '--server', `unix:${d.socket}`, '--token-file', join(d.home, 'agent.token'),
    '--state-dir', state, '--ncpus', '2', '--mem', String(2 ** 31), '--imds', `http://127.0.0.1:${port}`, '--notice-poll-ms', '300'], { stdio: 'ignore' });
  procs.push(agent);
  const nodes = async (): Promise<string> => (await run('pbsnodes', ['-a'], { home: d!.home })).stdout;
  await eventually(async () => /^spotnode$/m.test(await nodes()), 15000, 'spotnode registered');

  const cwd = mkdtempSync(join(tmpdir(), 'fq-spot-'));
  const log = join(cwd, 'runs.log');
  writeFileSync(log, '');
  // On the spot node the job takes the signal and carries on (a checkpoint); elsewhere it just ends.
  writeFileSync(join(cwd, 'job.sh'), [
    '#!/bin/bash',
    `echo "start $(hostname)" >> ${log}`,
    `[ "$(hostname)" = spotnode ] || { echo "end $(hostname)" >> ${log}; exit 0; }`,
    `trap 'echo "GOT-USR1 $(hostname)" >> ${log}' USR1`,
    'while :; do sleep 1 & wait; done',
  ].join('\n') + '\n');
  const q = await run('qsub', ['-N', 'spot', '-r', 'y', '-l', 'select=1:ncpus=2', '-l', 'place=scatter', '-l', 'checkpoint_signal=SIGUSR1', '-l', 'walltime=00:02:00', 'job.sh'], { home: d.home, cwd });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  await eventually(async () => readFileSync(log, 'utf8').includes('GOT-USR1 spotnode'), 40000, 'the job got the signal it asked for');
  const block = async (name: string): Promise<string> => (await nodes()).split(/\n(?=\S)/).find((b) => b.startsWith(name)) ?? '';
  t.regex(await block('spotnode'), /state = offline/);
  t.regex(await block('spotnode'), /comment = spot interruption notice: terminate at \d{4}-\d\d-\d\dT/);
  // Nothing new is placed on the drained node.
  const q2 = await run('qsub', ['-N', 'after', '-l', 'select=1:ncpus=2', 'job.sh'], { home: d.home, cwd });
  const id2 = q2.stdout.trim();
  await new Promise((r) => setTimeout(r, 1500));
  t.regex((await run('qstat', ['-f', id2], { home: d.home })).stdout, /job_state = Q/, 'a new job waits rather than start on the drained node');
  await run('qdel', [id2], { home: d.home });

  // The instance goes: its agent dies with it.
  agent.kill('SIGKILL');
  await eventually(async () => /state = down/.test(await block('spotnode')), 15000, 'spotnode down');
  t.regex(await block('spotnode'), /comment = .*spot interruption notice/, 'pbsnodes keeps the notice as the reason');
  const requeued = await eventually(async () => { const o = (await run('qstat', ['-f', id], { home: d!.home })).stdout; return /job_state = Q/.test(o) ? o : undefined; }, 15000, 'the job requeued');
  t.regex(requeued, /Resource_List.select = 1:ncpus=2/, 'its request intact');
  t.regex(requeued, /Resource_List.place = scatter/);
  await eventually(async () => /"msg":"capacity: node gone"/.test(d!.log()) && /spotnode.*spot interruption notice/.test(d!.log().split('\n').find((l) => l.includes('capacity: node gone')) ?? ''), 10000, 'the capacity provider told the node is gone');

  // A node joins (its agent offering what it finds on the machine: no --ncpus, --mem); the job runs there to its end.
  const state2 = join(d.home, 'agent-spot2');
  mkdirSync(state2, { recursive: true });
  procs.push(spawn(process.execPath, [join(BIN, 'fleetq'), 'agent', '--node', 'spotnode2', '--server', `unix:${d.socket}`, '--token-file', join(d.home, 'agent.token'),
    '--state-dir', state2], { stdio: 'ignore' }));
  await eventually(async () => /^spotnode2$/m.test(await nodes()), 15000, 'spotnode2 registered');
  t.regex(await block('spotnode2'), new RegExp(`resources_available.ncpus = ${availableParallelism()}\\b`), 'the machine\'s vCPUs, found by the agent');
  const f = await finishedJob(d!.home, id, 40000);
  t.is(String(f.Exit_status), '0');
  t.regex(String(f.exec_host), /^spotnode2\//);
  t.is(Number(f.run_count), 2);
  t.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['start spotnode', 'GOT-USR1 spotnode', 'start spotnode2', 'end spotnode2']);
  // The journal: the notice, the requeue, the end.
  const c = connect({ address: d.address });
  const kinds: string[] = [];
  let why = '';
  const watch = (async () => {
    for await (const ev of c.watchJobs({ since_revision: 1 })) {
      if (ev.job_id === id) kinds.push(ev.kind);
      if (ev.job_id === id && ev.kind === 'requeued') why = ev.message;
      if (ev.job_id === id && ev.kind === 'finished') break;
    }
  })();
  await Promise.race([watch, new Promise((r) => setTimeout(r, 5000))]);
  c.close();
  const at = (k: string): number => kinds.indexOf(k);
  t.true(at('spot-notice') >= 0 && at('spot-notice') < at('requeued') && at('requeued') < at('finished'), `journal kinds: ${kinds.join(', ')}`);
  t.regex(why, /node spotnode lost/);
});
