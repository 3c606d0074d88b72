/**
 * How a node holds its jobs' processes (src/agent/shepherd.ts, native/shepherd): each job runs in a
 * cgroup v2 of its own on its node, so processes that leave its process group (setsid, daemons)
 * are still the job's — counted in resources_used and ended by qdel; its memory share is enforced
 * (here by RLIMIT_DATA: this machine's cgroup v2 has no memory controller, and the agent's log says
 * so); and nothing the daemon or agent had open reaches the job. Real daemon, agents, processes.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, type DaemonHandle } from '../helpers/daemon.js';

let d: DaemonHandle;
const cwd = mkdtempSync(join(tmpdir(), 'fq-contain-'));

test.before(async () => {
  d = await startDaemon({ env: { FLEETQ_SCHEDULER_INTERVAL: '300ms', FLEETQ_AGENT_HEARTBEAT: '300ms', FLEETQ_JOBS_KILL_DELAY: '1s' } });
});
test.after.always(async () => { await d?.stop(); });

async function submit(name: string, script: string, args: string[] = []): Promise<string> {
  writeFileSync(join(cwd, `${name}.sh`), script);
  const r = await run('qsub', ['-N', name, ...args, `${name}.sh`], { home: d.home, cwd });
  if (r.code !== 0) throw new Error(`qsub: ${r.stderr}`);
  return r.stdout.trim();
}

const gone = (marker: string): boolean => { try { execFileSync('pgrep', ['-f', marker]); return false; } catch { return true; } };
const agentLog = (): string => readdirSync(join(d.home, 'agents')).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(d.home, 'agents', f), 'utf8')).join('');
const secondsOf = (hms: unknown): number => String(hms).split(':').reduce((s, p) => s * 60 + Number(p), 0);

test.serial('the agent says how it holds jobs: cgroup v2 here, and what enforces memory and cpus', async (t) => {
  const line = await eventually(async () => agentLog().split('\n').find((l) => l.includes('jobs tracked by')), 10000, 'the agent\'s containment line');
  t.regex(line, /jobs tracked by cgroup v2 \(\/sys\/fs\/cgroup\/[^)]*fleetq\//, 'this machine has a writable cgroup v2 hierarchy; without one the test fails rather than pass on process groups');
  t.regex(line, /memory by (cgroup memory\.max|RLIMIT_DATA)/);
  t.regex(line, /cpus (by cgroup cpu\.max|by CPU affinity|not enforced)/);
});

test.serial('qdel ends a process that left the job\'s process group (setsid), through the job\'s cgroup', async (t) => {
  const id = await submit('escape', [
    '#!/bin/bash',
    "setsid bash -c 'sleep 300; true' fq-escaped-marker < /dev/null > /dev/null 2>&1 &",
    'echo started',
    'sleep 300',
  ].join('\n') + '\n');
  await eventually(async () => !gone('fq-escaped-marker'), 15000, 'the escaped process running');
  const q = await run('qdel', [id], { home: d.home });
  t.is(q.code, 0, q.stderr);
  await finishedJob(d.home, id, 20000);
  await eventually(async () => gone('fq-escaped-marker'), 5000, 'the escaped process ended with the job');
  t.pass();
});

test.serial('resources_used counts cpu time and memory of every process of the job, escaped ones included', async (t) => {
  // ~1.5 s of cpu in a process outside the script's process group, and 64 MiB held for a while.
  const id = await submit('burn', [
    '#!/bin/bash',
    'setsid python3 -c "import time\nwhile time.process_time() < 1.5: pass" &',
    'python3 -c "import time; b = bytearray(64 << 20); b[::4096] = b\'x\' * len(b[::4096]); time.sleep(1.5)"',
    'wait',
    'while pgrep -f "process_time" > /dev/null; do sleep 0.2; done',
  ].join('\n') + '\n');
  const f = await finishedJob(d.home, id, 30000);
  t.is(String(f.Exit_status), '0');
  const used = f.resources_used as Record<string, unknown>;
  t.true(secondsOf(used.cput) >= 1, `cput ${String(used.cput)} counts the escaped process's 1.5 s`);
  const kb = Number(String(used.mem).replace(/kb$/, ''));
  t.true(kb >= 60 * 1024, `mem ${String(used.mem)} saw the 64 MiB held`);
});

test.serial('a job is held to its memory share: past -l mem its allocations fail; within it they succeed', async (t) => {
  const alloc = 'python3 -c "b = bytearray(200 << 20); print(\'allocated\')"';
  const small = await submit('small', `#!/bin/bash\n${alloc}\n`, ['-l', 'select=1:ncpus=1:mem=64mb']);
  const big = await submit('big', `#!/bin/bash\n${alloc}\n`, ['-l', 'select=1:ncpus=1:mem=1gb']);
  const fs = await finishedJob(d.home, small, 30000);
  const fb = await finishedJob(d.home, big, 30000);
  t.not(String(fs.Exit_status), '0');
  t.regex(readFileSync(join(cwd, `small.e${small.split('.')[0]}`), 'utf8'), /MemoryError/);
  t.is(String(fb.Exit_status), '0');
  t.regex(readFileSync(join(cwd, `big.o${big.split('.')[0]}`), 'utf8'), /allocated/);
});

test.serial('a job gets only its stdin, stdout and stderr: no descriptor of the daemon or agent (the job store) leaks in', async (t) => {
  const id = await submit('fds', '#!/bin/bash\nls -l /proc/$$/fd\n');
  const f = await finishedJob(d.home, id, 20000);
  t.is(String(f.Exit_status), '0');
  const out = readFileSync(join(cwd, `fds.o${id.split('.')[0]}`), 'utf8');
  t.notRegex(out, /\.mdb|socket:|pipe:/, out);
  t.regex(out, / 1 -> /);
});
