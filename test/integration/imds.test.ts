/**
 * An agent on EC2 reads its instance's facts from the instance metadata service with an IMDSv2
 * token — here amazon-ec2-metadata-mock (installed by scripts/test-deps.sh) with IMDSv2 made
 * mandatory — and registers them: pbsnodes shows instance id, type, zone, placement group and
 * lifecycle. A metadata service that does not answer stops the agent with a message naming it.
 */
import test from 'ava';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, run, eventually, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';

let d: DaemonHandle | undefined;
const procs: ChildProcess[] = [];
test.after.always(async () => {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
});

function agentArgs(home: string, node: string, imds: string): string[] {
  const state = join(home, `agent-${node}`);
  mkdirSync(state, { recursive: true });
  return [join(BIN, 'fleetq'), 'agent', '--node', node, '--server', `unix:${join(home, 'fleetq.sock')}`, '--token-file', join(home, 'agent.token'),
    '--state-dir', state, '--ncpus', '2', '--mem', String(2 ** 31), '--imds', imds];
}

test('an agent registers the facts of its EC2 instance from the metadata service (IMDSv2)', async (t) => {
  const port = await freePort();
  const mock = spawn('ec2-metadata-mock', ['-n', '127.0.0.1', '-p', String(port), '-I'], { stdio: 'ignore' });
  procs.push(mock);
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } }).catch(() => undefined))?.ok, 15000, 'the metadata mock');
  d = await startDaemon();
  const agent = spawn(process.execPath, agentArgs(d.home, 'ec2node', `http://127.0.0.1:${port}`), { stdio: 'ignore' });
  procs.push(agent);
  const text = await eventually(async () => {
    const o = (await run('pbsnodes', ['-a'], { home: d!.home })).stdout;
    return /^ec2node$/m.test(o) ? o.split(/\n(?=\S)/).find((b) => b.startsWith('ec2node')) : undefined;
  }, 20000, 'ec2node in pbsnodes');
  t.regex(text, /resources_available\.instance_id = i-1234567890abcdef0/);
  t.regex(text, /resources_available\.instance_type = m4\.xlarge/);
  t.regex(text, /resources_available\.availability_zone = us-east-1a/);
  t.regex(text, /resources_available\.placement_group = a-placement-group/);
  t.regex(text, /resources_available\.capacity = ondemand/);
});

test('an agent whose metadata service does not answer stops, naming it', async (t) => {
  const home = d?.home ?? '/tmp';
  const port = await freePort(); // nothing listens there
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, agentArgs(home, 'nowhere', `http://127.0.0.1:${port}`), { timeout: 20000 }, (err, _o, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }));
  });
  t.not(r.code, 0);
  t.regex(r.stderr, new RegExp(`--imds http://127\\.0\\.0\\.1:${port}`));
});
