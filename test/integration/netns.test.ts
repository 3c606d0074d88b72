/**
 * Agents as separate nodes: two agents on this machine, each in a network namespace of its own with
 * its own address (test/helpers/netns.ts), registering with a daemon over TCP on the bridge. A
 * 2-node MPI job (a C program built with mpicc) runs 2 ranks in each namespace — ranks exchange
 * data over the bridge — each on the node the hostfile gave it. Killing a running job's agent with
 * kill -9 takes its node down, ends the job's processes there (their shepherd sees the agent go) and
 * requeues the job, which then runs to its end on the other node — once, not twice at the same time.
 * Where namespaces cannot be made the test fails, saying so.
 */
import test from 'ava';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, freePort, BIN, ROOT, type DaemonHandle } from '../helpers/daemon.js';
import { makeTestNet, type TestNet } from '../helpers/netns.js';

let net: TestNet | undefined;
let d: DaemonHandle | undefined;
const agents: ChildProcess[] = [];

test.after.always(async () => {
  for (const a of agents) try { a.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
  net?.remove();
});

test('two agents in network namespaces are two nodes: an MPI job spans them; kill -9 of an agent requeues its job onto the other', async (t) => {
  net = makeTestNet('n', ['nsnode1', 'nsnode2'], 7);
  const port = await freePort();
  // The local node has 1 cpu: the 2-cpu chunks can only go to the namespaced nodes.
  d = await startDaemon({ args: ['--listen', `${net.host}:${port}`], env: { FLEETQ_LOCAL_NCPUS: '1', FLEETQ_SCHEDULER_INTERVAL: '500ms', FLEETQ_AGENT_HEARTBEAT: '300ms', FLEETQ_AGENT_DOWN_AFTER: '3s', FLEETQ_AGENT_RECONNECT_GRACE: '2s' } });
  for (const m of net.members) {
    const state = join(d.home, `agent-${m.name}`);
    mkdirSync(state, { recursive: true });
    const a = spawn('ip', ['netns', 'exec', m.ns, process.execPath, join(BIN, 'fleetq'), 'agent', '--node', m.name, '--server', `${net.host}:${port}`,
      '--token-file', join(d.home, 'agent.token'), '--state-dir', state, '--ncpus', '2', '--mem', String(2 ** 31), '--heartbeat-ms', '300'], { stdio: 'ignore' });
    agents.push(a);
  }
  const nodes = async (): Promise<string> => (await run('pbsnodes', ['-aSj'], { home: d!.home })).stdout;
  await eventually(async () => /nsnode1\s+free/.test(await nodes()) && /nsnode2\s+free/.test(await nodes()), 20000, 'both namespaced agents registered');

  const cwd = mkdtempSync(join(tmpdir(), 'fq-ns-'));
  chmodSync(cwd, 0o755);
  const exe = join(cwd, 'where');
  execFileSync('mpicc', ['-O2', '-o', exe, join(ROOT, 'test', 'fixtures', 'mpi', 'where.c')]);
  writeFileSync(join(cwd, 'job.sh'), [
    '#!/bin/bash',
    'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1',
    'echo "ADDR $(hostname) $(ip -4 -o addr show eth0 | awk \'{print $4}\')"',
    `mpirun -np 4 ${exe}`,
  ].join('\n') + '\n');
  const q = await run('qsub', ['-N', 'span', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'walltime=00:02:00', 'job.sh'], { home: d.home, cwd });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  const f = await finishedJob(d!.home, id, 90000);
  const out = readFileSync(join(cwd, `span.o${id.split('.')[0]}`), 'utf8');
  t.is(String(f.Exit_status), '0', out);
  t.regex(String(f.exec_host), /^nsnode1\/0\*2\+nsnode2\/0\*2$/);
  t.regex(out, /^ADDR nsnode1 198\.18\.7\.10\/24$/m, 'the script ran in the first node\'s namespace, under its name');
  const ranks = [...out.matchAll(/^rank (\d) of 4 on (\S+) sum 6$/gm)].map((m) => [Number(m[1]), m[2]] as const).sort((a, b) => a[0] - b[0]);
  t.deepEqual(ranks, [[0, 'nsnode1'], [1, 'nsnode1'], [2, 'nsnode2'], [3, 'nsnode2']], out);

  // A rerunnable 2-cpu job runs on one of the namespaced nodes (the local node has 1 cpu); kill -9 of
  // that node's agent: the node goes down, the job's processes there end, the job is requeued and
  // runs to its end on the other node.
  const log = join(cwd, 'runs.log');
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  writeFileSync(join(cwd, 'long.sh'), [
    '#!/bin/bash',
    `echo "start $(hostname)" >> ${log}`,
    'sleep 6  # fq-kill9-marker',
    `echo "end $(hostname)" >> ${log}`,
  ].join('\n') + '\n');
  const q2 = await run('qsub', ['-N', 'again', '-r', 'y', '-l', 'select=1:ncpus=2', 'long.sh'], { home: d.home, cwd });
  t.is(q2.code, 0, q2.stderr);
  const id2 = q2.stdout.trim();
  const qstatF = async (): Promise<Record<string, unknown>> => {
    const r = await run('qstat', ['-fx', '-F', 'json', id2], { home: d!.home });
    return (JSON.parse(r.stdout) as { Jobs: Record<string, Record<string, unknown>> }).Jobs[id2] ?? {};
  };
  const first = await eventually(async () => { const j = await qstatF(); return j.job_state === 'R' && readFileSync(log, 'utf8').includes('start') ? String(j.exec_host).split('/')[0] : undefined; }, 30000, 'the job running');
  const other = first === 'nsnode1' ? 'nsnode2' : 'nsnode1';
  const pid = Number(execFileSync('pgrep', ['-f', `agent --node ${first} --server ${net.host}:${port}`]).toString().trim().split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  await eventually(async () => new RegExp(`${first}\\s+down`).test(await nodes()), 15000, `${first} down`);
  // Its shepherd ended the job's processes on the dead agent's node.
  await eventually(async () => { try { execFileSync('pgrep', ['-f', 'fq-kill9-marker']); return undefined; } catch { return true; } }, 5000, 'no process of the first run left');
  const f2 = await finishedJob(d.home, id2, 60000);
  t.is(String(f2.Exit_status), '0');
  t.regex(String(f2.exec_host), new RegExp(`^${other}/`), 'the second run was on the other node');
  t.is(Number(f2.run_count), 2);
  t.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [`start ${first}`, `start ${other}`, `end ${other}`], 'the first run ended with its agent; only the second ran to its end');
  t.regex(await nodes(), new RegExp(`${other}\\s+free`));
});
