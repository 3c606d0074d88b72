/**
 * binding.gyp builds the same addon as CMake, from the same source lists (native/*-sources.txt):
 * node-gyp (the one inside npm, with Node's own headers) builds it in a scratch copy, and the
 * result loads and places a job.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABI_VERSION } from '../../src/native/addon.js';
import { NativeTopology } from '../../src/native/index.js';
import { ROOT } from '../helpers/daemon.js';

test('node-gyp builds binding.gyp into an addon that loads and places', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fq-gyp-'));
  for (const f of ['binding.gyp', 'native', 'package.json', 'scripts']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--strict'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, FLEETQ_NATIVE_BUILDER: 'node-gyp', JOBS: '2' },
  });
  t.is(r.status, 0, `node-gyp build failed:\n${r.stderr.slice(-2000)}`);
  const file = join(dir, 'build', 'Release', 'fleetq_native.node');
  t.true(existsSync(file));
  const addon = createRequire(import.meta.url)(file) as { abiVersion: number; Topology: unknown; ranks: unknown; Profile: unknown };
  t.is(addon.abiVersion, ABI_VERSION);
  t.is(typeof addon.Topology, 'function');
  t.is(typeof addon.ranks, 'function');
  t.is(typeof addon.Profile, 'function');
  // The wrapper on this build (the first load in this process): a 2-node scatter job is placed.
  process.env['FLEETQ_NATIVE_ADDON'] = file;
  const node = (name: string): ConstructorParameters<typeof NativeTopology>[0][number] => ({
    name, ncpus: 4, free_ncpus: 4, mem_bytes: 1 << 30, free_mem_bytes: 1 << 30, ngpus: 0, free_ngpus: 0, efa: 1, njobs: 0,
    exclusive: false, up: true, spot: false, instance_type: 'c5n.18xlarge', az: 'a', placement_group: 'pg', network_nodes: ['t', 'm', 'b'],
    cores: 2, numa: 1, ena_gbps: 100, pg_strategy: 'cluster', pg_partition: -1,
  });
  const p = new NativeTopology([node('x'), node('y')]).place({
    chunks: [{ count: 2, ncpus: 4, mem_bytes: 0, ngpus: 0, mpiprocs: 4, efa: true, instance_type: '', capacity: 'any' }], arrangement: 'scatter', sharing: 'shared', same_group: true,
  });
  t.true(p.ok);
  t.deepEqual(p.slots.map((s) => s.node), [0, 1]);
  t.is(p.level, 0);
});
