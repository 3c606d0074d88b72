/**
 * MPI rank layout through the native core: which rank runs on which node, bound to which cpus (and
 * GPU), and the files launchers read — Open MPI hostfile and rankfile, MPICH/Intel MPI machinefile,
 * PBS_NODEFILE.
 *
 * ```ts
 * const files = rankFiles(topo, placement.slots, 'gpu', {
 *   cpus: new Map([[0, [0, 1, 2, 3]], [4, [8, 9, 10, 11]]]),   // node index → cpu ids the job holds there
 *   hardware: new Map([[0, { numa: 2, cpu_numa: null, gpu_numa: [0, 1], efa_numa: null }]]),
 * });
 * // files.rankfile: "rank 0=nodeA slot=0-1\n…"; run it as
 * //   mpirun --rankfile FILE ...OPENMPI_RANKFILE_ARGS -np N prog
 * ```
 *
 * Layout rules (native/include/fleetq/ranks.h): every slot gives max(1, mpiprocs) ranks on its node;
 * each slot takes the next `ncpus` (`ngpus`) ids the job holds on that node, in slot order; its ranks
 * split those cpus into equal consecutive shares and its GPUs into blocks (rank j of P gets GPU
 * j·G/P). Orders: 'slot' fills a node before the next (first-use order), 'node' round-robins over
 * the nodes, 'gpu' numbers as 'slot' and binds each GPU's block of ranks near that GPU. With
 * bind 'numa' (implied by 'gpu') a rank is bound to every cpu the job holds on its node in the NUMA
 * domain nearest its GPU, or, for efa jobs, its EFA device (node-local rank i of R uses device
 * i·E/R); a rank with neither keeps its own share.
 */
import { call, checkCount, loadAddon, NativeError } from './addon.js';
import type { NativeSlot, NativeTopology } from './index.js';
import { checkSlots } from './wire.js';

/** What MPI launchers read, for one placement. */
export interface LauncherFiles { hostfile: string; rankfile: string; machinefile: string; nodefile: string }

/** One rank, in rank order. */
export interface RankInfo {
  /** Node index in the topology. */
  node: number;
  /** Index into the slots passed to rankFiles. */
  slot: number;
  /** GPU id on the node, -1 when the rank's chunk has none (for CUDA_VISIBLE_DEVICES). */
  gpu: number;
  /** NUMA domain the rank is bound near, -1 when bound to its own share of cpus. */
  numa: number;
  /** The cpu ids it is bound to, ascending (what the rankfile names). */
  cpus: number[];
}

export interface RankLayout extends LauncherFiles { ranks: RankInfo[] }

export type RankOrder = 'slot' | 'node' | 'gpu';
export type RankBinding = 'cpus' | 'numa';

/**
 * A node's exact NUMA shape, where the topology's (NativeNode.numa and cores) is not enough. `null`
 * (and numa 0) derive it from the topology: its `numa` domains, the cores split into that many
 * equal contiguous blocks (with SMT, ncpus a multiple of cores, cpu c is a thread of core c mod
 * cores, as Linux numbers them on EC2), GPUs and EFA devices spread evenly over the domains in
 * index order.
 */
export interface NodeHardware {
  /** NUMA domains; 0 = the topology's count (NativeNode.numa). */
  numa: number;
  /** Domain of each cpu id (index = cpu id). */
  cpu_numa: readonly number[] | null;
  /** Domain of each GPU id. */
  gpu_numa: readonly number[] | null;
  /** Domain of each EFA device. */
  efa_numa: readonly number[] | null;
}

export interface RankOptions {
  /**
   * Per node index of the job: the cpu ids the daemon assigned the job there, in chunk order, as
   * many as the node's slots' ncpus, no repeats. A node not listed holds 0..n-1.
   */
  cpus?: ReadonlyMap<number, readonly number[]>;
  /** The same for GPU ids (default 0..g-1 in chunk order). */
  gpus?: ReadonlyMap<number, readonly number[]>;
  /** Default 'cpus' ('numa' with order 'gpu'). */
  bind?: RankBinding;
  /** The job uses EFA: with bind 'numa', ranks without a GPU sit near an EFA device. */
  efa?: boolean;
  /** Exact NUMA shapes per node index; a node not listed takes its shape from the topology. */
  hardware?: ReadonlyMap<number, NodeHardware>;
}

/**
 * mpirun arguments that make Open MPI 4.1 (Debian 12's) read the rankfile's slot lists as physical
 * cpu ids and bind to exactly those hardware threads (without --use-hwthread-cpus a physical id
 * widens to its whole core). Pass them with `--rankfile FILE`.
 */
export const OPENMPI_RANKFILE_ARGS: readonly string[] = ['--mca', 'rmaps_rank_file_physical', '1', '--use-hwthread-cpus'];

const ORDER: Record<RankOrder, number> = { slot: 0, node: 1, gpu: 2 };
const BINDING: Record<RankBinding, number> = { cpus: 0, numa: 1 };

function checkIds(field: string, ids: readonly number[] | null): void {
  if (ids === null) return;
  if (!Array.isArray(ids)) throw new NativeError('EINVAL', `${field}: an array of ids is required`);
  ids.forEach((v, i) => checkCount(`${field}[${i}]`, v));
}

function checkNodeKey(field: string, node: number, size: number): void {
  checkCount(field, node);
  if (node >= size) throw new NativeError('EINVAL', `${field}: ${node} is not a node of this topology (${size} nodes)`);
}

/** Options as they cross: one entry per node named anywhere, every field set. */
function toRaw(topo: NativeTopology, slots: readonly NativeSlot[], order: RankOrder, o: RankOptions): unknown {
  if (!(order in ORDER)) throw new NativeError('EINVAL', `order: '${String(order)}' is not one of ${Object.keys(ORDER).join(', ')}`);
  const bind = o.bind ?? (order === 'gpu' ? 'numa' : 'cpus');
  if (!(bind in BINDING)) throw new NativeError('EINVAL', `bind: '${String(bind)}' is not one of ${Object.keys(BINDING).join(', ')}`);
  const need = new Map<number, { ncpus: number; ngpus: number }>();
  for (const s of slots) { const n = need.get(s.node) ?? { ncpus: 0, ngpus: 0 }; n.ncpus += s.ncpus; n.ngpus += s.ngpus; need.set(s.node, n); }
  const keys = new Set<number>([...(o.cpus?.keys() ?? []), ...(o.gpus?.keys() ?? []), ...(o.hardware?.keys() ?? [])]);
  const nodes = [...keys].map((node) => {
    checkNodeKey('options node', node, topo.size);
    const cpus = o.cpus?.get(node) ?? null;
    const gpus = o.gpus?.get(node) ?? null;
    const hw = o.hardware?.get(node) ?? { numa: 0, cpu_numa: null, gpu_numa: null, efa_numa: null };
    checkIds(`cpus[${node}]`, cpus);
    checkIds(`gpus[${node}]`, gpus);
    checkCount(`hardware[${node}].numa`, hw.numa);
    for (const k of ['cpu_numa', 'gpu_numa', 'efa_numa'] as const) checkIds(`hardware[${node}].${k}`, hw[k]);
    const n = need.get(node) ?? { ncpus: 0, ngpus: 0 };
    if (cpus && cpus.length !== n.ncpus) throw new NativeError('EINVAL', `cpus[${node}]: ${cpus.length} ids given, the node's slots take ${n.ncpus}`);
    if (gpus && gpus.length !== n.ngpus) throw new NativeError('EINVAL', `gpus[${node}]: ${gpus.length} ids given, the node's slots take ${n.ngpus}`);
    for (const [k, ids] of [['cpus', cpus], ['gpus', gpus]] as const)
      if (ids && new Set(ids).size !== ids.length) throw new NativeError('EINVAL', `${k}[${node}]: an id is repeated`);
    return { node, cpus: cpus ? [...cpus] : null, gpus: gpus ? [...gpus] : null, numa: hw.numa, cpu_numa: hw.cpu_numa ? [...hw.cpu_numa] : null, gpu_numa: hw.gpu_numa ? [...hw.gpu_numa] : null, efa_numa: hw.efa_numa ? [...hw.efa_numa] : null };
  });
  for (const [node, n] of need) if (n.ncpus === 0) throw new NativeError('EINVAL', `slots on node ${node}: no cpu to bind their ranks to`);
  return { order: ORDER[order], binding: BINDING[bind], efa: o.efa ?? false, nodes };
}

/**
 * Lays MPI ranks out on placed slots and renders the Open MPI hostfile and rankfile, the
 * MPICH/Intel MPI machinefile and PBS_NODEFILE (see the module comment for the rules). Pure: the
 * same arguments give the same files. Throws NativeError EINVAL naming the field that is wrong (a
 * slot out of range, a cpu list of the wrong length or with repeats, a NUMA domain out of range).
 */
export function rankFiles(topo: NativeTopology, slots: readonly NativeSlot[], order: RankOrder = 'slot', options: RankOptions = {}): RankLayout {
  checkSlots(slots, topo.size);
  const raw = toRaw(topo, slots, order, options);
  const addon = loadAddon();
  return call(() => addon.ranks(topo.raw, slots as NativeSlot[], raw) as RankLayout);
}
