/**
 * The rank layout of a started job, from its allocation: the native core lays MPI ranks out on the
 * job's slots and renders what launchers read (PBS_NODEFILE, Open MPI hostfile and rankfile,
 * MPICH/Intel MPI machinefile). Computed at launch from the stored allocation, so a restarted
 * daemon lays a job out exactly as before.
 */
import type { Allocation } from '../jobs/model.js';
import { NativeTopology, rankFiles, type LauncherFiles, type NativeNode, type NativeSlot } from '../native/index.js';

export function launcherFiles(alloc: readonly Allocation[]): LauncherFiles {
  if (alloc.length === 0) return { hostfile: '', rankfile: '', machinefile: '', nodefile: '' };
  const index = new Map<string, number>();
  const nodes: NativeNode[] = [];
  const slots: NativeSlot[] = alloc.map((a, chunk) => {
    let i = index.get(a.node);
    if (i === undefined) {
      i = nodes.length;
      index.set(a.node, i);
      nodes.push({
        name: a.node, ncpus: 0, free_ncpus: 0, mem_bytes: 0, free_mem_bytes: 0, ngpus: 0, free_ngpus: 0, efa: 0, njobs: 0,
        exclusive: false, up: true, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''],
        cores: 0, numa: 1, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
      });
    }
    const n = nodes[i]!;
    n.ncpus += a.ncpus; n.mem_bytes += a.mem_bytes; n.ngpus += a.ngpus;
    return { node: i, chunk, ncpus: a.ncpus, mem_bytes: a.mem_bytes, ngpus: a.ngpus, mpiprocs: a.mpiprocs };
  });
  // The cpu ids the job holds on each node, when every chunk there has them.
  const cpus = new Map<number, number[]>();
  const complete = new Set(index.values());
  alloc.forEach((a) => {
    const i = index.get(a.node)!;
    if (a.cpu_ids?.length !== a.ncpus) complete.delete(i);
    else cpus.set(i, [...(cpus.get(i) ?? []), ...a.cpu_ids]);
  });
  for (const i of cpus.keys()) if (!complete.has(i)) cpus.delete(i);
  return rankFiles(new NativeTopology(nodes), slots, 'slot', { cpus });
}
