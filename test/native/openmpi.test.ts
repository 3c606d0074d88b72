/**
 * Real Open MPI (Debian's openmpi-bin, installed by scripts/test-deps.sh) accepts a rankfile the
 * native core generated: a 4-rank program on this machine lands each rank on exactly the cpus the
 * rankfile names. Two ranks per core (the machine has 2), and the job's cpu ids are given in reverse
 * so the layout differs from Open MPI's own default mapping and from an unbound run.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NativeTopology, type NativeNode, type NativeSlot } from '../../src/native/index.js';
import { OPENMPI_RANKFILE_ARGS, rankFiles } from '../../src/native/ranks.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SOURCE = join(ROOT, 'test', 'fixtures', 'mpi', 'affinity.c');

/** "0-2,5" → [0, 1, 2, 5]. */
function expand(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) throw new Error(`'${list}' is not a cpu list`);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

test('mpirun binds each rank to the cpus of the generated rankfile', async (t) => {
  t.timeout(60_000);
  t.true(availableParallelism() >= 2, `this test needs 2 cpus, the machine has ${availableParallelism()}`);
  const dir = await mkdtemp(join(tmpdir(), 'fleetq-mpi-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bin = join(dir, 'affinity');
  await run('mpicc', ['-O2', '-o', bin, SOURCE]);

  const host = hostname();
  const node: NativeNode = {
    name: host, ncpus: 2, free_ncpus: 2, mem_bytes: 0, free_mem_bytes: 0, ngpus: 0, free_ngpus: 0, efa: 0, njobs: 0,
    exclusive: false, up: true, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''],
    cores: 0, numa: 1, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
  };
  const topo = new NativeTopology([node]);
  // Two chunks of ncpus=1:mpiprocs=2; the daemon assigned the job cpus 1 then 0.
  const slots: NativeSlot[] = [0, 1].map((chunk) => ({ node: 0, chunk, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 2 }));
  const files = rankFiles(topo, slots, 'slot', { cpus: new Map([[0, [1, 0]]]) });
  t.is(files.rankfile, `rank 0=${host} slot=1\nrank 1=${host} slot=1\nrank 2=${host} slot=0\nrank 3=${host} slot=0\n`);
  const rankfile = join(dir, 'rankfile');
  await writeFile(rankfile, files.rankfile);

  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none' };
  const { stdout } = await run('mpirun', ['--rankfile', rankfile, ...OPENMPI_RANKFILE_ARGS, '-np', '4', bin], { env, timeout: 30_000 });

  const want = new Map<number, number[]>();
  for (const m of (await readFile(rankfile, 'utf8')).matchAll(/^rank (\d+)=(\S+) slot=(\S+)$/gm)) want.set(Number(m[1]), expand(m[3]!));
  const got = new Map<number, number[]>();
  for (const m of stdout.matchAll(/^rank (\d+) cpus (\S+)$/gm)) got.set(Number(m[1]), expand(m[2]!));
  t.is(got.size, 4, `4 ranks expected to report, got:\n${stdout}`);
  for (const [rank, cpus] of want) t.deepEqual(got.get(rank), cpus, `rank ${rank}: bound to ${JSON.stringify(got.get(rank))}, the rankfile names ${JSON.stringify(cpus)}`);
});
