/**
 * The node agent against the daemon's real agent hub, over real gRPC on a Unix socket, running
 * real processes: environment, output files, exit statuses, walltime, signals, and end reports
 * that survive a lost connection.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { AgentHub, type HubListener } from '../../src/agent/hub.js';
import { loadProto } from '../../src/proto/load.js';
import type { JobEnded__Output } from '../../src/gen/fleetq/v1/JobEnded.js';
import type { Register__Output } from '../../src/gen/fleetq/v1/Register.js';
import type { Launch } from '../../src/gen/fleetq/v1/Launch.js';

const FLEETQ = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'bin', 'fleetq');
const silent = pino({ level: 'silent' });

class Recorder implements HubListener {
  regs: Register__Output[] = [];
  notice(): void { /* not used here */ }
  ends = new Map<string, JobEnded__Output>();
  starts = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private poke(): void { for (const w of this.waiters.splice(0)) w(); }
  registered(r: Register__Output): void { this.regs.push(r); this.poke(); }
  disconnected(): void { this.poke(); }
  heartbeat(): void {}
  usage(): void {}
  started(_n: string, id: string, pid: number): void { this.starts.set(id, pid); this.poke(); }
  async ended(_n: string, e: JobEnded__Output): Promise<void> { this.ends.set(e.job_id, e); this.poke(); }
  async until(cond: () => boolean, ms = 15000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }
}

interface Rig { dir: string; hub: AgentHub; rec: Recorder; server: grpc.Server; agent: ChildProcess; address: string }

async function rig(dir = mkdtempSync(join(tmpdir(), 'fq-agent-'))): Promise<Rig> {
  writeFileSync(join(dir, 'token'), 'secret');
  const rec = new Recorder();
  const hub = new AgentHub('secret', rec, silent);
  const server = new grpc.Server();
  server.addService(loadProto().fleetq.v1.Agent.service, hub.handlers());
  const address = `unix:${join(dir, 's.sock')}`;
  await new Promise<void>((res, rej) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  const agent = spawn(process.execPath, [FLEETQ, 'agent', '--node', 'n1', '--server', address, '--token-file', join(dir, 'token'),
    '--state-dir', join(dir, 'state'), '--ncpus', '2', '--mem', String(1 << 30), '--heartbeat-ms', '200'], { stdio: 'ignore' });
  live.add(agent);
  agent.once('exit', () => live.delete(agent));
  await rec.until(() => hub.connected('n1'));
  return { dir, hub, rec, server, agent, address };
}

/** Agents still running when the test process ends (a test that failed before close()) are stopped, so the file can exit. */
const live = new Set<ChildProcess>();
test.after.always(() => { for (const a of live) try { a.kill('SIGKILL'); } catch { /* gone */ } });

function launch(r: Rig, id: string, script: string, extra: Partial<Launch> = {}): void {
  r.hub.launch('n1', {
    job_id: id, job_name: 'j', script, workdir: r.dir, stdout_path: join(r.dir, `${id}.o`), stderr_path: join(r.dir, `${id}.e`),
    env: { PBS_JOBID: id, TMPDIR: join(r.dir, `tmp-${id}`), PATH: process.env.PATH ?? '/usr/bin:/bin' },
    walltime_seconds: 0, kill_delay_seconds: 1, shell: '', nodefile: ['n1', 'n1'], uid: 0, gid: 0, hostfile: '', rankfile: '', machinefile: '', ...extra,
  });
}

async function close(r: Rig): Promise<void> {
  r.hub.shutdown();
  await new Promise<void>((res) => r.agent.once('exit', () => res()).kill('SIGTERM'));
  r.server.forceShutdown();
}

test('registers with its resources, runs a job with its environment and files, reports the exit code', async (t) => {
  const r = await rig();
  t.is(r.rec.regs[0]?.resources?.ncpus, 2);
  launch(r, '1.s', '#!/bin/bash\necho "id=$PBS_JOBID tmp=$TMPDIR"; wc -l < $PBS_NODEFILE; pwd; echo err >&2; exit 7\n');
  await r.rec.until(() => r.rec.ends.has('1.s'));
  t.is(r.rec.ends.get('1.s')?.exit_status, 7);
  t.true((r.rec.starts.get('1.s') ?? 0) > 0);
  t.deepEqual(readFileSync(join(r.dir, '1.s.o'), 'utf8').split('\n'), [`id=1.s tmp=${join(r.dir, 'tmp-1.s')}`, '2', r.dir, '']);
  t.is(readFileSync(join(r.dir, '1.s.e'), 'utf8'), 'err\n');
  t.false(existsSync(join(r.dir, 'tmp-1.s')), 'TMPDIR is removed after the job');
  await close(r);
});

test('writes the rank layout it is given and names the files in the job environment', async (t) => {
  const r = await rig();
  launch(r, '5.s', '#!/bin/bash\ncat "$FLEETQ_HOSTFILE" "$FLEETQ_RANKFILE" "$FLEETQ_MACHINEFILE"; echo "mf=${FLEETQ_MACHINEFILE##*.}"\n', {
    hostfile: 'n1 slots=2\n', rankfile: 'rank 0=n1 slot=0\nrank 1=n1 slot=1\n', machinefile: 'n1:2\n',
  });
  await r.rec.until(() => r.rec.ends.has('5.s'));
  t.is(r.rec.ends.get('5.s')?.exit_status, 0);
  t.is(readFileSync(join(r.dir, '5.s.o'), 'utf8'), 'n1 slots=2\nrank 0=n1 slot=0\nrank 1=n1 slot=1\nn1:2\nmf=machinefile\n');
  t.deepEqual(readdirSync(join(r.dir, 'state', 'jobs')).filter((f) => f.startsWith('5.s')), [], 'the files go with the job');
  await close(r);
});

test('walltime: SIGTERM, then SIGKILL after the kill delay, recorded as -29', async (t) => {
  const r = await rig();
  const t0 = Date.now();
  launch(r, '2.s', 'trap "" TERM; sleep 30\n', { walltime_seconds: 1, kill_delay_seconds: 1 });
  await r.rec.until(() => r.rec.ends.has('2.s'));
  t.is(r.rec.ends.get('2.s')?.exit_status, -29);
  t.is(r.rec.ends.get('2.s')?.reason, 'walltime');
  t.true(Date.now() - t0 >= 1900, 'not killed before walltime + kill delay');
  await close(r);
});

test('a signal ends the job with 256+signal; a bad workdir fails the launch with -1', async (t) => {
  const r = await rig();
  launch(r, '3.s', 'sleep 30\n');
  await r.rec.until(() => r.rec.starts.has('3.s'));
  r.hub.signal('n1', '3.s', 'SIGTERM', true);
  await r.rec.until(() => r.rec.ends.has('3.s'));
  t.is(r.rec.ends.get('3.s')?.exit_status, 271);
  launch(r, '4.s', 'true\n', { workdir: '/nonexistent/dir', stdout_path: '/nonexistent/dir/o', stderr_path: '/nonexistent/dir/e' });
  await r.rec.until(() => r.rec.ends.has('4.s'));
  t.is(r.rec.ends.get('4.s')?.exit_status, -1);
  await close(r);
});

test('an end that happens while the daemon is away is reported when the agent reconnects', async (t) => {
  const r = await rig();
  launch(r, '5.s', 'sleep 1; exit 4\n');
  await r.rec.until(() => r.rec.starts.has('5.s'));
  r.server.forceShutdown(); // the "daemon" goes away while the job runs
  await new Promise((res) => setTimeout(res, 1500));
  const rec2 = new Recorder();
  const hub2 = new AgentHub('secret', rec2, silent);
  const server2 = new grpc.Server();
  server2.addService(loadProto().fleetq.v1.Agent.service, hub2.handlers());
  await new Promise<void>((res, rej) => server2.bindAsync(r.address, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  await rec2.until(() => rec2.ends.has('5.s'));
  t.is(rec2.regs[0]?.ended[0]?.exit_status, 4, 'the spooled report comes with Register');
  await rec2.until(() => !existsSync(join(r.dir, 'state', 'ended', '5.s.json')));
  t.pass('the spooled report is removed once acknowledged');
  hub2.shutdown();
  await new Promise<void>((res) => r.agent.once('exit', () => res()).kill('SIGTERM'));
  server2.forceShutdown();
});

test('a wrong token is refused', async (t) => {
  const r = await rig();
  const proto = loadProto();
  const c = new proto.fleetq.v1.Agent(r.address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('x-fleetq-agent-token', 'wrong');
  const s = c.Connect(md);
  const err = await new Promise<grpc.ServiceError>((res) => s.on('error', res));
  t.is(err.code, grpc.status.PERMISSION_DENIED);
  c.close();
  await close(r);
});

test('one agent per state directory: a second one refuses to start, naming the first', async (t) => {
  const r = await rig();
  try {
    const second = spawnSync(process.execPath, [FLEETQ, 'agent', '--node', 'n1', '--server', r.address, '--token-file', join(r.dir, 'token'),
      '--state-dir', join(r.dir, 'state'), '--ncpus', '1', '--mem', String(1 << 30)], { encoding: 'utf8', timeout: 10000 });
    t.is(second.status, 1);
    t.regex(second.stderr, /another fleetq agent \(pid \d+\) is already running on this state directory/);
    t.true(r.hub.connected('n1'), 'the first agent is untouched');
  } finally { await close(r); }
});
