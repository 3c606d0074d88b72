/**
 * A node cut off from the daemon: its agent, in a network namespace of its own, loses its link
 * (the veth to the bridge taken down) while it runs a rerunnable job. The daemon hears nothing:
 * the node goes down after agent.down_after, and after agent.reconnect_grace its job is requeued.
 * When the link comes back the agent reconnects still running the old run; the daemon tells it to
 * drop that run (killed, its end not reported), and the job runs again there, once, to its end.
 */
import test from 'ava';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';
import { makeTestNet, type TestNet } from '../helpers/netns.js';

let net: TestNet | undefined;
let d: DaemonHandle | undefined;
let agent: ChildProcess | undefined;
test.after.always(async () => {
  try { agent?.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
  net?.remove();
});

test('a node whose link goes down: down after agent.down_after, its job requeued; back, the old run is dropped and the job runs once more', async (t) => {
  net = makeTestNet('f', ['cutnode'], 8);
  const port = await freePort();
  d = await startDaemon({ args: ['--listen', `${net.host}:${port}`], env: { FLEETQ_LOCAL_NCPUS: '1', FLEETQ_SCHEDULER_INTERVAL: '300ms', FLEETQ_AGENT_HEARTBEAT: '300ms', FLEETQ_AGENT_DOWN_AFTER: '2s', FLEETQ_AGENT_RECONNECT_GRACE: '1s' } });
  const m = net.members[0]!;
  const state = join(d.home, 'agent-cut');
  mkdirSync(state, { recursive: true });
  agent = spawn('ip', ['netns', 'exec', m.ns, process.execPath, join(BIN, 'fleetq'), 'agent', '--node', m.name, '--server', `${net.host}:${port}`,
    '--token-file', join(d.home, 'agent.token'), '--state-dir', state, '--ncpus', '2', '--mem', String(2 ** 31), '--heartbeat-ms', '300'], { stdio: 'ignore' });
  const block = async (): Promise<string> => (await run('pbsnodes', ['-a'], { home: d!.home })).stdout.split(/\n(?=\S)/).find((b) => b.startsWith('cutnode')) ?? '';
  await eventually(async () => /state = free/.test(await block()), 20000, 'cutnode up');

  const cwd = mkdtempSync(join(tmpdir(), 'fq-cut-'));
  chmodSync(cwd, 0o755);
  const log = join(cwd, 'runs.log');
  writeFileSync(log, '');
  writeFileSync(join(cwd, 'job.sh'), `#!/bin/bash\necho "start $$" >> ${log}\nsleep 8 # fq-cut-marker\necho "end $$" >> ${log}\n`);
  const q = await run('qsub', ['-r', 'y', '-l', 'select=1:ncpus=2', '-N', 'cut', 'job.sh'], { home: d.home, cwd });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  await eventually(async () => readFileSync(log, 'utf8').includes('start'), 20000, 'the job running on cutnode');

  const cut = Date.now();
  execFileSync('ip', ['link', 'set', 'fqvf0', 'down']);
  await eventually(async () => /state = down/.test(await block()), 10000, 'cutnode down');
  const downAfter = Date.now() - cut;
  t.true(downAfter >= 1900 && downAfter < 6000, `down ${downAfter} ms after the cut (agent.down_after 2 s)`);
  await eventually(async () => /job_state = Q/.test((await run('qstat', ['-f', id], { home: d!.home })).stdout), 10000, 'the job requeued');
  t.true(readFileSync(log, 'utf8').includes('start') && !readFileSync(log, 'utf8').includes('end'), 'the old run still runs, cut off');

  execFileSync('ip', ['link', 'set', 'fqvf0', 'up']);
  const f = await finishedJob(d.home, id, 60000);
  t.is(String(f.Exit_status), '0');
  t.is(Number(f.run_count), 2);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const starts = lines.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[1]);
  const ends = lines.filter((l) => l.startsWith('end')).map((l) => l.split(' ')[1]);
  t.is(starts.length, 2, lines.join('; '));
  t.deepEqual(ends, [starts[1]], 'only the second run ended: the first was dropped when its node came back');
  t.regex(d.log(), /agent runs a job that is not running there: killed/);
});
