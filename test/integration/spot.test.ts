/**
 * Spot interruptions: an agent polling its metadata service (amazon-ec2-metadata-mock's spot
 * scenario, IMDSv2 mandatory, the notice 8 s after the mock starts) reports the interruption notice;
 * the daemon drains the node (offline, the notice as its comment), sends the running job the signal
 * it asked for (-l checkpoint_signal=SIGUSR1) and records the notice in the job's journal.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let d: DaemonHandle | undefined;
const procs: ChildProcess[] = [];
test.after.always(async () => {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
});

test('a spot interruption notice drains the node, signals the job as it asked and is journaled', async (t) => {
  const port = await freePort();
  const mock = spawn('ec2-metadata-mock', ['spot', '-n', '127.0.0.1', '-p', String(port), '-I', '-d', '8', '--rebalance-delay-sec', '600', '-x', '-1'], { stdio: 'ignore' });
  procs.push(mock);
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } }).catch(() => undefined))?.ok, 15000, 'the metadata mock');
  // The local node has 1 cpu: the 2-cpu job goes to the spot node.
  d = await startDaemon({ env: { FLEETQ_LOCAL_NCPUS: '1', FLEETQ_SCHEDULER_INTERVAL: '300ms' } });
  const state = join(d.home, 'agent-spot');
  mkdirSync(state, { recursive: true });
  const agent = spawn(process.execPath, [join(BIN, 'fleetq'), 'agent', '--node', 'spotnode', '--server', `unix:${d.socket}`, '--token-file', join(d.home, 'agent.token'),
    '--state-dir', state, '--ncpus', '2', '--mem', String(2 ** 31), '--imds', `http://127.0.0.1:${port}`, '--notice-poll-ms', '300'], { stdio: 'ignore' });
  procs.push(agent);
  const nodes = async (): Promise<string> => (await run('pbsnodes', ['-a'], { home: d!.home })).stdout;
  await eventually(async () => /^spotnode$/m.test(await nodes()), 15000, 'spotnode registered');

  const cwd = mkdtempSync(join(tmpdir(), 'fq-spot-'));
  writeFileSync(join(cwd, 'job.sh'), '#!/bin/bash\ntrap \'echo GOT-USR1; exit 0\' USR1\necho started\nsleep 120 &\nwait\n');
  const q = await run('qsub', ['-N', 'spot', '-l', 'select=1:ncpus=2', '-l', 'checkpoint_signal=SIGUSR1', '-l', 'walltime=00:02:00', 'job.sh'], { home: d.home, cwd });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  const f = await finishedJob(d!.home, id, 40000);
  t.regex(String(f.exec_host), /^spotnode\//);
  const out = readFileSync(join(cwd, `spot.o${id.split('.')[0]}`), 'utf8');
  t.regex(out, /^started$/m);
  t.regex(out, /^GOT-USR1$/m, 'the job got the signal it asked for');
  const block = (await nodes()).split(/\n(?=\S)/).find((b) => b.startsWith('spotnode')) ?? '';
  t.regex(block, /state = offline/);
  t.regex(block, /comment = spot interruption notice: terminate at \d{4}-\d\d-\d\dT/);
  // The journal: a spot-notice event for the job.
  const c = connect({ address: d.address });
  const kinds: string[] = [];
  const watch = (async () => {
    for await (const ev of c.watchJobs({ since_revision: 1 })) {
      if (ev.job_id === id) kinds.push(ev.kind);
      if (ev.job_id === id && ev.kind === 'finished') break;
    }
  })();
  await Promise.race([watch, new Promise((r) => setTimeout(r, 5000))]);
  c.close();
  t.true(kinds.includes('spot-notice'), `journal kinds: ${kinds.join(', ')}`);
  // Nothing new is placed on the drained node.
  const q2 = await run('qsub', ['-N', 'after', '-l', 'select=1:ncpus=2', 'job.sh'], { home: d.home, cwd });
  const id2 = q2.stdout.trim();
  await new Promise((r) => setTimeout(r, 1500));
  const s2 = (await run('qstat', ['-f', id2], { home: d.home })).stdout;
  t.regex(s2, /job_state = Q/, 'a new job waits rather than start on the drained node');
  await run('qdel', [id2], { home: d.home });
});
