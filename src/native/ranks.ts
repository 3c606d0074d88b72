/**
 * MPI rank layout through the native core: which rank runs on which node and cpu, and the files
 * launchers read (Open MPI hostfile and rankfile, MPICH/Intel MPI machinefile, PBS_NODEFILE).
 */
import { call, checkCount, loadAddon, NativeError } from './addon.js';
import type { NativeSlot, NativeTopology } from './index.js';

/** What MPI launchers read, for one placement. */
export interface LauncherFiles { hostfile: string; rankfile: string; machinefile: string; nodefile: string }
export type RankOrder = 'slot' | 'node';

/**
 * Lays MPI ranks out on placed slots (by slot: fill each node; by node: round-robin) and renders the
 * Open MPI hostfile and rankfile, the MPICH/Intel MPI machinefile and PBS_NODEFILE.
 * Throws NativeError EINVAL naming the slot field that is out of range.
 */
export function rankFiles(topo: NativeTopology, slots: readonly NativeSlot[], order: RankOrder = 'slot'): LauncherFiles {
  slots.forEach((s, i) => {
    for (const k of ['node', 'chunk', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`slots[${i}].${k}`, s[k]);
    if (s.node >= topo.size) throw new NativeError('EINVAL', `slots[${i}].node: ${s.node} is not a node of this topology (${topo.size} nodes)`);
  });
  const addon = loadAddon();
  return call(() => addon.ranks(topo.raw, [...slots], order === 'slot' ? 0 : 1) as LauncherFiles);
}
