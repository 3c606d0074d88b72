/**
 * fleetq-shepherd (native/shepherd/shepherd.c), the process every job command runs under: it passes
 * the command's end through (exit code, or the same signal), ignores the signals meant for the job,
 * ends the job when its lifeline (fd 3) closes — the agent died — escaped processes included when
 * it has a cgroup, and refuses bad arguments with exit 125. Real processes, a real cgroup v2.
 */
import test from 'ava';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHEPHERD, JobContainment, lifelineUsage } from '../../src/agent/shepherd.js';
import { pino } from 'pino';

const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(SHEPHERD, args, { encoding: 'utf8', timeout: 10000 });
const gone = (marker: string): boolean => { try { execFileSync('pgrep', ['-f', marker]); return false; } catch { return true; } };
const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) return false; await new Promise((r) => setTimeout(r, 50)); }
  return true;
};

test('passes the exit code through, and a signal as the same signal', (t) => {
  t.is(run(['--', 'sh', '-c', 'exit 7']).status, 7);
  const r = run(['--', 'sh', '-c', 'kill -USR1 $$']);
  t.is(r.status, null);
  t.is(r.signal, 'SIGUSR1');
});

test('a command that cannot start is 127; a bad option or value is 125, named', (t) => {
  const a = run(['--', '/no/such/command']);
  t.is(a.status, 127);
  t.regex(String(a.stderr), /cannot run \/no\/such\/command/);
  const b = run(['--grace', 'soon', '--', 'true']);
  t.is(b.status, 125);
  t.regex(String(b.stderr), /--grace: not a number/);
  t.is(run(['--what', 'x', '--', 'true']).status, 125);
  t.regex(String(run(['--cgroup', '/nonexistent/cg', '--', 'true']).stderr), /cannot join cgroup: \/nonexistent\/cg/);
});

test('signals to the group reach the command, not the shepherd: it reports how the command ended', async (t) => {
  const p = spawn(SHEPHERD, ['--', 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done'], { detached: true, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  process.kill(-(p.pid ?? 0), 'SIGTERM');
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  t.is(code, 42);
});

test('when its lifeline closes (the agent died), the job ends: SIGTERM, then SIGKILL after the grace, escaped processes too', async (t) => {
  const c = new JobContainment('shepherd-test', 1, '/tmp/fq-shepherd-test-state', pino({ level: 'silent' }));
  t.truthy(c.base, 'cgroup v2 is writable here (the test fails rather than skip without it)');
  const marker = `fq-lifeline-${process.pid}`;
  const cmd = c.wrap('1.t', { ncpus: 1, mem_bytes: 0, cpu_ids: [] }, 1, 'bash', ['-c', `trap '' TERM; setsid bash -c 'sleep 300; true' ${marker} & sleep 300; true`]);
  // The agent's end of the lifeline is this test's: closing it is what the agent's death does.
  const p = spawn(cmd.cmd, cmd.args, { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  t.true(await until(() => !gone(marker), 5000), 'the escaped process runs');
  t.true((c.pids('1.t') ?? []).length >= 3, 'the job\'s processes are in its cgroup');
  const closed = Date.now();
  (p.stdio[3] as unknown as { destroy: () => void }).destroy();
  const sig = await new Promise<string | null>((r) => p.once('exit', (_c, s) => r(s)));
  t.is(sig, 'SIGKILL');
  const took = Date.now() - closed;
  t.true(took >= 900, `the job ignoring SIGTERM was killed after the 1 s grace (${took} ms)`);
  t.true(await until(() => gone(marker), 3000), 'the process that left the group ended too');
  c.release('1.t');
  t.true(await until(() => !existsSync(join(c.base!, '1.t')), 3000), 'the job\'s cgroup is removed');
  c.close();
});

test('cgroup usage: cpu time of every process of the job, ended ones included', async (t) => {
  const c = new JobContainment('shepherd-usage', 1, '/tmp/fq-shepherd-usage-state', pino({ level: 'silent' }));
  const cmd = c.wrap('2.t', { ncpus: 1, mem_bytes: 0, cpu_ids: [] }, 1, 'sh', ['-c', 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done']);
  const r = spawnSync(cmd.cmd, cmd.args, { timeout: 20000 });
  t.is(r.status, 0);
  const u = c.usage('2.t');
  const usec = Number(/usage_usec (\d+)/.exec(readFileSync(join(c.base!, '2.t', 'cpu.stat'), 'utf8'))?.[1]);
  t.true(usec > 100_000, `the ended loop's cpu time stays counted (${usec} µs)`);
  t.is(u?.cput_seconds, Math.floor(usec / 1e6));
  c.release('2.t');
  c.close();
});

test('a leftover cgroup of a previous agent (its processes included) is swept at start', async (t) => {
  const log = pino({ level: 'silent' });
  const first = new JobContainment('shepherd-sweep', 1, '/tmp/fq-shepherd-sweep-state', log);
  const dir = join(first.base!, '9.t');
  mkdirSync(dir, { recursive: true });
  const marker = `fq-sweep-${process.pid}`;
  const p = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs; exec bash -c 'sleep 300; true' ${marker}`], { stdio: 'ignore' });
  // In the cgroup (the marker alone would match the shell before it joined).
  t.true(await until(() => first.populated('9.t') && !gone(marker), 5000));
  const again = new JobContainment('shepherd-sweep', 1, '/tmp/fq-shepherd-sweep-state', log);
  t.is(again.sweep(), 1);
  await new Promise<void>((r) => p.once('exit', () => r()));
  t.true(await until(() => !existsSync(dir), 3000));
  try { rmdirSync(again.base!); } catch { /* removed */ }
});

test('at its command\'s end it reports on the lifeline the largest process\'s resident memory and the cpu time', async (t) => {
  const p = spawn(SHEPHERD, ['--', 'python3', '-c', 'b = bytearray(48 << 20); b[::4096] = b"x" * len(b[::4096])'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const usage = lifelineUsage(p);
  const code = await new Promise<number | null>((r) => p.once('close', (c) => r(c)));
  t.is(code, 0);
  const u = usage();
  t.true(u.mem_bytes >= 48 << 20, `maxrss ${u.mem_bytes} covers the 48 MiB touched`);
});
