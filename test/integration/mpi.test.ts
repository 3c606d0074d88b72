/**
 * Multi-node jobs through the real daemon, two local nodes (each with its own agent), real Open MPI:
 * a plain `mpirun` in a job script starts its ranks on both nodes through `fleetq rsh` (no ssh),
 * laid out as the native core's hostfile says; `fleetq rsh` runs commands on the job's other node
 * as that node (its hostname), returns their exit status, refuses callers that are not the job and
 * nodes that are not the job's; qdel ends what the job started on every node.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, BIN, ROOT, type DaemonHandle } from '../helpers/daemon.js';

let d: DaemonHandle;
const cwd = mkdtempSync(join(tmpdir(), 'fq-mpi-'));

test.before(async () => {
  d = await startDaemon({ env: { FLEETQ_LOCAL_NODES: '2', FLEETQ_LOCAL_NCPUS: '4', FLEETQ_SCHEDULER_INTERVAL: '500ms' } });
  await eventually(async () => (d.log().match(/agent registered/g) ?? []).length >= 2, 20000, 'both agents');
});
test.after.always(async () => { await d?.stop(); });

async function submit(script: string, args: string[]): Promise<string> {
  const file = join(cwd, `job-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const r = await run('qsub', [...args, file], { home: d.home, cwd });
  if (r.code !== 0) throw new Error(`qsub: ${r.stderr}`);
  return r.stdout.trim();
}

async function finished(id: string): Promise<Record<string, unknown>> {
  return finishedJob(d.home, id, 90000);
}

const out = (name: string, id: string): string => readFileSync(join(cwd, `${name}.o${id.split('.')[0]}`), 'utf8');

test('mpirun in a job script starts 4 ranks on the 2 nodes through fleetq rsh, as the hostfile lays them out', async (t) => {
  const id = await submit([
    '#!/bin/bash',
    'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1',
    'cat "$FLEETQ_HOSTFILE"',
    "mpirun -np 4 sh -c 'echo RANK $OMPI_COMM_WORLD_RANK $(hostname)'",
  ].join('\n') + '\n', ['-N', 'mpi', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'walltime=00:02:00']);
  const j = await finished(id);
  const text = out('mpi', id);
  t.is(String(j.Exit_status), '0', text);
  const hosts = text.split('\n').filter((l) => /^\S+ slots=\d+$/.test(l)).map((l) => l.split(' ')[0]!);
  t.is(hosts.length, 2, `hostfile: ${text}`);
  const ranks = text.split('\n').filter((l) => l.startsWith('RANK ')).map((l) => l.split(' ')).sort((a, b) => Number(a[1]) - Number(b[1]));
  t.deepEqual(ranks.map((r) => r[1]), ['0', '1', '2', '3'], text);
  // Open MPI fills the hostfile's slots in order: ranks 0-1 on its first node, 2-3 on the second.
  t.deepEqual(ranks.map((r) => r[2]), [hosts[0], hosts[0], hosts[1], hosts[1]], 'each rank ran on the node the layout gave it (its hostname is the node name)');
});

test('a C MPI program (mpicc) runs 4 ranks on 2 nodes that talk to each other, on the nodes the native layout gave them', async (t) => {
  const exe = join(cwd, 'where');
  execFileSync('mpicc', ['-O2', '-o', exe, join(ROOT, 'test', 'fixtures', 'mpi', 'where.c')]);
  const id = await submit([
    '#!/bin/bash',
    'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1',
    'cat "$FLEETQ_HOSTFILE"',
    `mpirun -np 4 ${exe}`,
  ].join('\n') + '\n', ['-N', 'where', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'walltime=00:02:00']);
  const j = await finished(id);
  const text = out('where', id);
  t.is(String(j.Exit_status), '0', text);
  const hosts = text.split('\n').filter((l) => /^\S+ slots=2$/.test(l)).map((l) => l.split(' ')[0]!);
  const lines = [...text.matchAll(/^rank (\d) of (\d) on (\S+) sum (\d+)$/gm)].map((m) => ({ rank: Number(m[1]), size: Number(m[2]), host: m[3]!, sum: Number(m[4]) }));
  t.is(lines.length, 4, text);
  for (const l of lines) {
    t.is(l.size, 4);
    t.is(l.sum, 6, 'the allreduce saw every rank (0+1+2+3)');
    t.is(l.host, hosts[l.rank < 2 ? 0 : 1] ?? '?', `rank ${l.rank} on the node the hostfile gave it`);
  }
});

test('fleetq rsh runs a command on the job\'s other node, as that node, with its exit status; refuses others', async (t) => {
  const id = await submit([
    '#!/bin/bash',
    'other=$(sort -u "$PBS_NODEFILE" | grep -vx "$(head -1 "$PBS_NODEFILE")")',
    'echo "OTHER $other"',
    'echo "THERE $(fleetq-rsh "$other" hostname)"',
    'fleetq-rsh -x -n "$other" "exit 3"; echo "STATUS $?"',
    'echo hi | fleetq-rsh "$other" cat | sed "s/^/ECHO /"',
    'FLEETQ_JOB_TOKEN=wrong fleetq-rsh "$other" true; echo "WRONG $?"',
    'fleetq-rsh not-a-node true; echo "ELSEWHERE $?"',
  ].join('\n') + '\n', ['-N', 'rsh', '-l', 'select=2:ncpus=1', '-l', 'place=scatter', '-l', 'walltime=00:01:00', '-j', 'oe', '-v', `PATH=${BIN}:${process.env.PATH}`]);
  const j = await finished(id);
  const text = out('rsh', id);
  t.is(String(j.Exit_status), '0', text);
  const other = /^OTHER (\S+)$/m.exec(text)?.[1];
  t.truthy(other, text);
  t.regex(text, new RegExp(`^THERE ${other}$`, 'm'), 'hostname there is the node name');
  t.regex(text, /^STATUS 3$/m);
  t.regex(text, /^ECHO hi$/m, 'stdin is relayed');
  t.regex(text, /^WRONG 255$/m);
  t.regex(text, /start\.token: not job \S+ token/);
  t.regex(text, /^ELSEWHERE 255$/m);
  t.regex(text, /start\.host: 'not-a-node' is not a node of job/);
});

test('fleetq rsh outside a job says so', async (t) => {
  const r = await run('fleetq', ['rsh', 'somewhere', 'true'], { home: d.home, env: { PBS_JOBID: '', FLEETQ_JOB_TOKEN: '' } });
  t.is(r.code, 255);
  t.regex(r.stderr, /PBS_JOBID and FLEETQ_JOB_TOKEN are not set/);
});

test('qdel ends what the job started on its other node', async (t) => {
  const marker = `${3000 + Math.floor(Math.random() * 900)}.5`;
  const id = await submit([
    '#!/bin/bash',
    'other=$(sort -u "$PBS_NODEFILE" | grep -vx "$(head -1 "$PBS_NODEFILE")")',
    `fleetq-rsh "$other" sleep ${marker} &`,
    `sleep ${marker}`,
  ].join('\n') + '\n', ['-N', 'kill', '-l', 'select=2:ncpus=1', '-l', 'place=scatter', '-l', 'walltime=00:05:00', '-v', `PATH=${BIN}:${process.env.PATH}`]);
  const count = (): number => { try { return execFileSync('pgrep', ['-f', `sleep ${marker}`]).toString().trim().split('\n').length; } catch { return 0; } };
  await eventually(async () => count() >= 2, 30000, 'the job and its remote sleep to run');
  t.is((await run('qdel', [id], { home: d.home })).code, 0);
  await finished(id);
  await eventually(async () => count() === 0, 20000, 'no process of the job left on any node');
  t.is(count(), 0);
});

test('resources_used sums what the job used on all its nodes: ranks on the other node count too', async (t) => {
  // 4 ranks, each ~1 s of cpu: 2 on the first node, 2 (under orted, started through fleetq rsh) on the other.
  const id = await submit([
    '#!/bin/bash',
    'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1',
    "mpirun -np 4 python3 -c 'import time\nwhile time.process_time() < 1.0: pass'",
  ].join('\n') + '\n', ['-N', 'cpu', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'walltime=00:02:00']);
  const j = await finished(id);
  t.is(String(j.Exit_status), '0', out('cpu', id));
  const used = j.resources_used as Record<string, unknown>;
  const cput = String(used.cput).split(':').reduce((s, p) => s * 60 + Number(p), 0);
  // The first node alone used about 2 s (its 2 ranks and mpirun): more means the other node counted.
  t.true(cput >= 3, `resources_used.cput ${String(used.cput)} covers the 4 ranks on both nodes`);
  t.true(Number(String(used.mem).replace(/kb$/, '')) > 0, `resources_used.mem ${String(used.mem)}`);
});
