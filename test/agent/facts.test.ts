/** What an agent finds on its machine (src/agent/facts.ts): a made-up /sys and /proc, and this machine. */
import test from 'ava';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { cpuList, machineFacts } from '../../src/agent/facts.js';

test('kernel cpu lists', (t) => {
  t.deepEqual(cpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  t.deepEqual(cpuList(''), []);
});

test('a two-socket machine with hyperthreads, 2 NUMA domains, 2 GPUs and one EFA device', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fq-facts-'));
  const w = (p: string, text: string): void => { mkdirSync(join(root, p, '..'), { recursive: true }); writeFileSync(join(root, p), text); };
  w('sys/devices/system/cpu/online', '0-7\n');
  for (let c = 0; c < 8; c++) {
    // cpus 0-3 on package 0, 4-7 on package 1; cpu c and c+2 are threads of one core.
    w(`sys/devices/system/cpu/cpu${c}/topology/physical_package_id`, `${c < 4 ? 0 : 1}\n`);
    w(`sys/devices/system/cpu/cpu${c}/topology/core_id`, `${c % 2}\n`);
  }
  for (const n of ['node0', 'node1']) mkdirSync(join(root, 'sys/devices/system/node', n), { recursive: true });
  w('sys/devices/system/node/possible', '0-1\n');
  w('proc/meminfo', 'MemTotal:       16384000 kB\nMemFree: 1 kB\n');
  for (const g of ['0000:00:1e.0', '0000:00:1f.0']) mkdirSync(join(root, 'proc/driver/nvidia/gpus', g), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/drivers/efa'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/drivers/mlx5_core'), { recursive: true });
  for (const [dev, drv] of [['rdmap0s6', 'efa'], ['mlx5_0', 'mlx5_core']] as const) {
    mkdirSync(join(root, 'sys/class/infiniband', dev, 'device'), { recursive: true });
    symlinkSync(join(root, 'sys/bus/pci/drivers', drv), join(root, 'sys/class/infiniband', dev, 'device/driver'));
  }
  const f = machineFacts(root);
  t.is(f.ncpus, 8);
  t.is(f.cores, 4, '2 packages × 2 cores');
  t.is(f.numa, 2);
  t.is(f.mem_bytes, 16384000 * 1024);
  t.is(f.ngpus, 2);
  t.is(f.efa, 1, 'only the device bound to the efa driver');
});

test('this machine', (t) => {
  const f = machineFacts();
  t.is(f.ncpus, availableParallelism());
  t.true(f.cores >= 1 && f.cores <= f.ncpus);
  t.true(f.numa >= 1);
  t.is(f.mem_bytes, totalmem());
  t.is(f.efa, 0, 'no EFA here');
});
