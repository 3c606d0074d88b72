/**
 * What a node is, read from the machine the agent runs on (Linux /proc and /sys), as pbs_mom and
 * slurmd discover it: vCPUs, physical cores, NUMA domains, memory, GPUs and EFA devices. The agent
 * registers these unless its command line says otherwise (--ncpus, --mem, --ngpus), e.g. to offer
 * only part of a machine. `root` lets tests point it at a made-up tree.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, hostname, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineFacts {
  host: string;
  ncpus: number;      // online vCPUs this process may use
  cores: number;      // physical cores among them (0 = unknown)
  numa: number;       // NUMA domains (at least 1)
  mem_bytes: number;
  ngpus: number;      // NVIDIA GPUs
  efa: number;        // EFA devices (RDMA devices bound to the efa driver)
}

function list(dir: string): string[] { try { return readdirSync(dir); } catch { return []; } }
function read(path: string): string { try { return readFileSync(path, 'utf8').trim(); } catch { return ''; } }

/** CPU numbers in a kernel list such as "0-3,8,10-11". */
export function cpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

export function machineFacts(root = '/'): MachineFacts {
  const sys = join(root, 'sys');
  const online = cpuList(read(join(sys, 'devices/system/cpu/online')));
  const cores = new Set(online.map((c) => {
    const t = join(sys, `devices/system/cpu/cpu${c}/topology`);
    const core = read(join(t, 'core_id'));
    return core === '' ? '' : `${read(join(t, 'physical_package_id'))}:${core}`;
  }).filter((k) => k !== ''));
  const numa = list(join(sys, 'devices/system/node')).filter((n) => /^node\d+$/.test(n)).length;
  const gpus = list(join(root, 'proc/driver/nvidia/gpus')).length || list(join(root, 'dev')).filter((d) => /^nvidia\d+$/.test(d)).length;
  const ib = join(sys, 'class/infiniband');
  const efa = list(ib).filter((d) => { try { return /\/efa$/.test(readlinkSync(join(ib, d, 'device/driver'))); } catch { return false; } }).length;
  return {
    host: hostname(),
    ncpus: root === '/' ? availableParallelism() : online.length,
    cores: cores.size,
    numa: Math.max(1, numa),
    mem_bytes: root === '/' ? totalmem() : Number(/MemTotal:\s+(\d+) kB/.exec(read(join(root, 'proc/meminfo')))?.[1] ?? 0) * 1024,
    ngpus: gpus,
    efa: existsSync(ib) ? efa : 0,
  };
}
