/**
 * `fleetq pcluster config`: a ParallelCluster 3 cluster configuration made from fleetq's queue
 * definitions, so that the cluster a `provider: pcluster` queue forwards to has the compute the
 * queue describes. Pure: queues and options in, a plain object (and notes) out; renderClusterConfig
 * writes it as YAML with the notes as comments. Checked against ParallelCluster 3.16's schema and its
 * validators that need no AWS call (test/fixtures/pcluster/validate.py runs them offline).
 *
 * One fleetq queue → one Slurm queue (partition) named by the queue's `pcluster.partition`, else its
 * name. Its compute comes from its `ec2:` block:
 *   instance_types   one compute resource per type (in priority order), each `Instances: [{InstanceType}]`
 *                    — the form ParallelCluster allows with several subnets; with `flexible`, one
 *                    compute resource listing them all (ParallelCluster then requires equal vCPUs and
 *                    GPUs, which only its AWS-backed validators check).
 *   max_nodes        MaxCount of each compute resource (ParallelCluster has no per-queue total).
 *   min_count        (option) MinCount of the queue's first compute resource: static nodes.
 *   capacity_type    spot → SPOT, on-demand → ONDEMAND; spot-then-on-demand → SPOT (noted): a Slurm
 *                    queue has one capacity type, and the fallback would be a second queue the job
 *                    is not submitted to.
 *   spot_allocation / on_demand_allocation → AllocationStrategy (diversified, which ParallelCluster
 *                    lacks, → price-capacity-optimized, noted).
 *   efa              Efa.Enabled on types that have EFA (a table from EC2's DescribeInstanceTypes).
 *   placement_group  job | queue → PlacementGroup.Enabled (ParallelCluster's managed cluster group per
 *                    compute resource); none → Enabled false; partition | spread → Enabled false, noted
 *                    (ParallelCluster manages cluster groups only).
 *   subnets          Networking.SubnetIds; with a placement group or EFA only the first (ParallelCluster
 *                    refuses both across zones, and fleetq's own attempts use one zone each), noted.
 *   idle_time        SlurmSettings.ScaledownIdletime (minutes, rounded up; the longest of the queues').
 */
import YAML from 'yaml';
import type { QueueConfig } from '../../config/index.js';
import type { Ec2QueueConfig, InstanceTypeChoice } from '../ec2/config.js';

/** A configuration the generator cannot make: `usage` for bad arguments (exit 2), else the queues'. */
export class ClusterConfigError extends Error {
  constructor(message: string, readonly usage = false) {
    super(message);
    this.name = 'ClusterConfigError';
  }
}

/** An explanation attached to a node of the document (a YAML comment before it). */
export interface Note { path: (string | number)[]; text: string }

export interface FsxNew { mountDir: string; storageCapacity: number; deploymentType: 'SCRATCH_1' | 'SCRATCH_2' | 'PERSISTENT_1' | 'PERSISTENT_2'; throughput?: number }
export interface FsxExisting { mountDir: string; fileSystemId: string }

export interface ClusterConfigOptions {
  headInstanceType?: string;
  /** Default: the first queue's first subnet. */
  headSubnet?: string;
  keyName?: string;
  os?: string;
  region?: string;
  /** Static nodes of each queue's first compute resource (default 0). */
  minCount?: number;
  /** Minutes (default: the longest of the queues' idle_time). */
  scaledownIdletime?: number;
  fsx?: FsxNew;
  fsxExisting?: FsxExisting;
  /** One compute resource per queue with all its types under Instances. */
  flexible?: boolean;
}

export interface GeneratedClusterConfig { config: Record<string, unknown>; notes: Note[] }

/** ParallelCluster 3.16: constants.py SUPPORTED_OSES. */
export const SUPPORTED_OSES = ['alinux2023', 'ubuntu2204', 'ubuntu2404', 'rhel8', 'rocky8', 'rhel9', 'rocky9'] as const;
export const DEFAULTS = { headInstanceType: 'c5.xlarge', os: 'alinux2023', minCount: 0 } as const;
/** constants.py: MAX_NUMBER_OF_QUEUES, MAX_COMPUTE_RESOURCES_PER_QUEUE = MAX_NUMBER_OF_COMPUTE_RESOURCES_PER_CLUSTER. */
export const MAX_QUEUES = 50;
export const MAX_COMPUTE_RESOURCES = 50;
/** validators/cluster_validators.py: NAME_REGEX, NAME_MAX_LENGTH (queues and compute resources). */
const NAME = /^[a-z][a-z0-9-]*$/;
const NAME_MAX = 25;
/** schemas/common_schema.py subnet_id; cluster_schema.py FileSystemId. */
const SUBNET = /^subnet-([0-9a-z]{8}|[0-9a-z]{17})$/;
const FS_ID = /^fs-[0-9a-z]{17}$/;
/** common_schema.py file_path, and SharedStorageMountDirValidator's reserved directories. */
const MOUNT_DIR = /^\/?[^/.\\][^/\\]*(\/[^/.\\][^/]*)*$/;
const RESERVED_DIRS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/media', '/mnt', '/opt', '/opt/parallelcluster', '/opt/parallelcluster/shared',
  '/opt/parallelcluster/shared_login_nodes', '/opt/slurm', '/opt/intel', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var'];
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const KEY_NAME = /^[\x20-\x7e]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Instance types with EFA (NetworkInfo.EfaSupported), family:sizes, from EC2's DescribeInstanceTypes
 * as moto 5.2.1 ships it (263 types). A type not listed gets no Efa (noted): ParallelCluster's
 * EfaValidator refuses EFA on a type without it.
 */
const EFA_TABLE = 'c5n:18xlarge,9xlarge,metal c6a:48xlarge,metal c6gn:16xlarge c6i:32xlarge,metal c6id:32xlarge,metal c6in:32xlarge,metal '
  + 'c7a:48xlarge,metal-48xl c7g:16xlarge,metal c7gd:16xlarge,metal c7gn:16xlarge,metal c7i:48xlarge,metal-48xl c8a:48xlarge,metal-48xl '
  + 'c8g:24xlarge,48xlarge,metal-24xl,metal-48xl c8gb:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl c8gd:24xlarge,48xlarge,metal-24xl,metal-48xl '
  + 'c8gn:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl c8i:48xlarge,96xlarge,metal-48xl,metal-96xl c8ib:48xlarge,96xlarge,metal-48xl,metal-96xl '
  + 'c8id:48xlarge,96xlarge,metal-48xl,metal-96xl c8in:48xlarge,96xlarge,metal-48xl,metal-96xl dl1:24xlarge dl2q:24xlarge f2:48xlarge '
  + 'g4dn:12xlarge,16xlarge,8xlarge,metal g5:12xlarge,16xlarge,24xlarge,48xlarge,8xlarge g6:12xlarge,16xlarge,24xlarge,48xlarge,8xlarge '
  + 'g6e:12xlarge,16xlarge,24xlarge,48xlarge,8xlarge g7e:12xlarge,24xlarge,48xlarge,8xlarge gr6:8xlarge hpc6a:48xlarge hpc6id:32xlarge '
  + 'hpc7a:12xlarge,24xlarge,48xlarge,96xlarge hpc7g:16xlarge,4xlarge,8xlarge hpc8a:96xlarge i3en:12xlarge,24xlarge,metal i4g:16xlarge '
  + 'i4i:32xlarge,metal i7i:24xlarge,48xlarge,metal-48xl i7ie:48xlarge,metal-48xl i8g:48xlarge,metal-48xl i8ge:48xlarge,metal-48xl im4gn:16xlarge '
  + 'inf1:24xlarge m5dn:24xlarge,metal m5n:24xlarge,metal m5zn:12xlarge,metal m6a:48xlarge,metal m6i:32xlarge,metal m6id:32xlarge,metal '
  + 'm6idn:32xlarge,metal m6in:32xlarge,metal m7a:48xlarge,metal-48xl m7g:16xlarge,metal m7gd:16xlarge,metal m7i:48xlarge,metal-48xl '
  + 'm8a:48xlarge,metal-48xl m8azn:24xlarge,metal-24xl m8g:24xlarge,48xlarge,metal-24xl,metal-48xl m8gb:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl '
  + 'm8gd:24xlarge,48xlarge,metal-24xl,metal-48xl m8gn:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl m8i:48xlarge,96xlarge,metal-48xl,metal-96xl '
  + 'm8ib:48xlarge,96xlarge m8id:48xlarge,96xlarge,metal-48xl,metal-96xl m8in:48xlarge,96xlarge p3dn:24xlarge p4d:24xlarge p4de:24xlarge '
  + 'p5:48xlarge,4xlarge p5e:48xlarge p5en:48xlarge p6-b200:48xlarge p6-b300:48xlarge r5dn:24xlarge,metal r5n:24xlarge,metal '
  + 'r6a:48xlarge,metal r6i:32xlarge,metal r6id:32xlarge,metal r6idn:32xlarge,metal r6in:32xlarge,metal r7a:48xlarge,metal-48xl '
  + 'r7g:16xlarge,metal r7gd:16xlarge,metal r7i:48xlarge,metal-48xl r7iz:32xlarge,metal-32xl r8a:48xlarge,metal-48xl '
  + 'r8g:24xlarge,48xlarge,metal-24xl,metal-48xl r8gb:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl r8gd:24xlarge,48xlarge,metal-24xl,metal-48xl '
  + 'r8gn:16xlarge,24xlarge,48xlarge,metal-24xl,metal-48xl r8i:48xlarge,96xlarge,metal-48xl,metal-96xl r8ib:48xlarge,96xlarge '
  + 'r8id:48xlarge,96xlarge,metal-48xl,metal-96xl r8in:48xlarge,96xlarge trn1:32xlarge trn1n:32xlarge trn2:3xlarge,48xlarge '
  + 'u7i-12tb:224xlarge u7i-6tb:112xlarge u7i-8tb:112xlarge u7in-16tb:224xlarge u7in-24tb:224xlarge u7in-32tb:224xlarge vt1:24xlarge '
  + 'x2idn:32xlarge,metal x2iedn:32xlarge,metal x2iezn:12xlarge,metal x8aedz:24xlarge,metal-24xl x8g:24xlarge,48xlarge,metal-24xl,metal-48xl '
  + 'x8i:48xlarge,64xlarge,96xlarge,metal-48xl,metal-96xl';

let efaTypes: Set<string> | undefined;
/** Whether EC2 lists EFA for the instance type. */
export function supportsEfa(type: string): boolean {
  efaTypes ??= new Set(EFA_TABLE.split(' ').flatMap((f) => { const [fam, sizes] = f.split(':'); return (sizes ?? '').split(',').map((s) => `${fam}.${s}`); }));
  return efaTypes.has(type);
}

/**
 * The Slurm partition a queue's jobs go to: `pcluster.partition` (provider pcluster), else the
 * queue's name. Read as an optional field so this compiles whether QueueConfig declares it or not.
 */
export function partitionOf(q: QueueConfig): string {
  const p = (q as QueueConfig & { pcluster?: { partition?: unknown } }).pcluster?.partition;
  return typeof p === 'string' && p !== '' ? p : q.name;
}

function hasPartitionKey(q: QueueConfig): boolean {
  const p = (q as QueueConfig & { pcluster?: { partition?: unknown } }).pcluster?.partition;
  return typeof p === 'string' && p !== '';
}

/** Why a name is not a ParallelCluster queue or compute resource name, or undefined. */
export function badName(name: string): string | undefined {
  if (!NAME.test(name)) return 'ParallelCluster names begin with a lowercase letter and hold only lowercase letters, digits and hyphens';
  if (name.length > NAME_MAX) return `ParallelCluster names are at most ${NAME_MAX} characters (${name.length})`;
  if (name === 'default') return "ParallelCluster forbids the name 'default'";
  return undefined;
}

/** `MOUNT:GB[:DEPLOYMENT[:THROUGHPUT]]`, e.g. /fsx:1200 or /scratch:2400:PERSISTENT_2:250. */
export function parseFsx(spec: string): FsxNew {
  const [mountDir = '', cap = '', type = 'SCRATCH_2', tput] = spec.split(':');
  const bad = (why: string): never => { throw new ClusterConfigError(`--fsx ${spec}: ${why} (MOUNT:GB[:SCRATCH_1|SCRATCH_2|PERSISTENT_1|PERSISTENT_2[:MB/s/TiB]], e.g. /fsx:1200)`, true); };
  checkMountDir('--fsx', mountDir, true);
  if (!/^\d+$/.test(cap)) bad(`'${cap}' is not a capacity in GB`);
  const storageCapacity = Number(cap);
  const deploymentType = type as FsxNew['deploymentType'];
  if (!['SCRATCH_1', 'SCRATCH_2', 'PERSISTENT_1', 'PERSISTENT_2'].includes(type)) bad(`'${type}' is not a deployment type`);
  // FSx capacities (ParallelCluster's FsxStorageCapacityValidator, SSD).
  if (deploymentType === 'SCRATCH_1' && !(storageCapacity === 1200 || storageCapacity === 2400 || (storageCapacity > 0 && storageCapacity % 3600 === 0))) bad('SCRATCH_1 capacity is 1200, 2400 or a multiple of 3600 GB');
  if (deploymentType !== 'SCRATCH_1' && !(storageCapacity === 1200 || (storageCapacity > 0 && storageCapacity % 2400 === 0))) bad(`${deploymentType} capacity is 1200 or a multiple of 2400 GB`);
  const out: FsxNew = { mountDir, storageCapacity, deploymentType };
  if (deploymentType.startsWith('PERSISTENT')) {
    // PerUnitStorageThroughput is required for PERSISTENT (FsxPersistentOptionsValidator); FSx's SSD values.
    const allowed = deploymentType === 'PERSISTENT_1' ? [50, 100, 200] : [125, 250, 500, 1000];
    const t = tput === undefined ? allowed[0]! : Number(tput);
    if (!allowed.includes(t)) bad(`${deploymentType} throughput is one of ${allowed.join(', ')} MB/s/TiB`);
    out.throughput = t;
  } else if (tput !== undefined) bad('a throughput is only for PERSISTENT_1 and PERSISTENT_2');
  return out;
}

/** `fs-…[:MOUNT]` (default /fsx): an existing FSx for Lustre file system. */
export function parseFsxId(spec: string): FsxExisting {
  const i = spec.indexOf(':');
  const fileSystemId = i < 0 ? spec : spec.slice(0, i);
  const mountDir = i < 0 ? '/fsx' : spec.slice(i + 1);
  if (!FS_ID.test(fileSystemId)) throw new ClusterConfigError(`--fsx-id ${spec}: '${fileSystemId}' is not an FSx file system id (fs- and 17 characters)`, true);
  checkMountDir('--fsx-id', mountDir, true);
  return { fileSystemId, mountDir };
}

function checkMountDir(opt: string, dir: string, usage: boolean): void {
  if (!MOUNT_DIR.test(dir)) throw new ClusterConfigError(`${opt}: '${dir}' is not a mount directory (/fsx)`, usage);
  const abs = dir.startsWith('/') ? dir : `/${dir}`;
  if (RESERVED_DIRS.includes(abs.replace(/\/+$/, ''))) throw new ClusterConfigError(`${opt}: ${abs} is reserved by ParallelCluster`, usage);
}

/** The compute resource name for an instance type: c5n.18xlarge → c5n-18xlarge. */
export function computeResourceName(type: string): string { return type.toLowerCase().replace(/[^a-z0-9-]/g, '-'); }

const byPriority = (types: readonly InstanceTypeChoice[]): InstanceTypeChoice[] => types.map((t, i) => ({ t, i })).sort((a, b) => a.t.priority - b.t.priority || a.i - b.i).map((x) => x.t);

/**
 * The cluster configuration for the named queues of `configured` (the configuration's whole list,
 * so that messages name `queues[i]`). Throws ClusterConfigError naming the fleetq key at fault.
 */
export function clusterConfig(configured: readonly QueueConfig[], names: readonly string[], opts: ClusterConfigOptions = {}): GeneratedClusterConfig {
  if (names.length === 0) throw new ClusterConfigError('QUEUE: name at least one queue', true);
  const seen = new Set<string>();
  const picked = names.map((n) => {
    const i = configured.findIndex((q) => q.name === n);
    if (i < 0) throw new ClusterConfigError(`${n}: not a configured queue (queues: ${configured.map((q) => q.name).join(', ')})`, true);
    if (seen.has(n)) throw new ClusterConfigError(`${n}: named twice`, true);
    seen.add(n);
    return { q: configured[i]!, key: `queues[${i}]` };
  });
  if (picked.length > MAX_QUEUES) throw new ClusterConfigError(`${picked.length} queues: ParallelCluster takes at most ${MAX_QUEUES} Slurm queues`, true);

  const notes: Note[] = [];
  const partitions = new Map<string, string>();
  const queues = picked.map(({ q, key }, qi) => {
    const path = ['Scheduling', 'SlurmQueues', qi];
    if (q.provider === 'local') throw new ClusterConfigError(`${key}.provider: queue ${q.name} is provider local: its nodes are this machine's, with no EC2 compute to describe (a queue of provider ec2 or pcluster with an ec2: block is needed)`);
    const ec2 = (q as QueueConfig & { ec2?: Ec2QueueConfig }).ec2;
    if (!ec2) throw new ClusterConfigError(`${key}.ec2: queue ${q.name} has no ec2: block; it is what describes the cluster's compute (instance_types, subnets, capacity_type, max_nodes, ...)`);
    const name = partitionOf(q);
    const nameKey = hasPartitionKey(q) ? `${key}.pcluster.partition` : `${key}.name`;
    const why = badName(name);
    if (why) throw new ClusterConfigError(`${nameKey}: '${name}' cannot be a Slurm queue: ${why}${hasPartitionKey(q) ? '' : ` (set ${key}.pcluster.partition to a name that can)`}`);
    const other = partitions.get(name);
    if (other) throw new ClusterConfigError(`${nameKey}: '${name}' is also the Slurm queue of ${other}: ParallelCluster queue names must be unique`);
    partitions.set(name, key);
    return queueOf(ec2, q, key, name, path, opts, notes);
  });

  const crTotal = queues.reduce((n, q) => n + (q.ComputeResources as unknown[]).length, 0);
  if (crTotal > MAX_COMPUTE_RESOURCES) {
    throw new ClusterConfigError(`${picked.map((p) => `${p.key}.ec2.instance_types`).join(', ')}: ${crTotal} compute resources in all; ParallelCluster takes at most ${MAX_COMPUTE_RESOURCES} in a cluster${opts.flexible ? '' : ' (--flexible puts a queue\'s types in one)'}`);
  }

  const first = queues[0]!;
  const headSubnet = opts.headSubnet ?? ((first.Networking as { SubnetIds: string[] }).SubnetIds[0]!);
  if (!SUBNET.test(headSubnet)) throw new ClusterConfigError(`--head-subnet: '${headSubnet}' is not a subnet id ParallelCluster takes (subnet- and 8 or 17 characters)`, true);
  const headType = opts.headInstanceType ?? DEFAULTS.headInstanceType;
  if (!INSTANCE_TYPE.test(headType)) throw new ClusterConfigError(`--head-instance-type: '${headType}' is not an EC2 instance type (c5.xlarge)`, true);
  const os = opts.os ?? DEFAULTS.os;
  if (!(SUPPORTED_OSES as readonly string[]).includes(os)) throw new ClusterConfigError(`--os: '${os}' is not one of ${SUPPORTED_OSES.join(', ')} (ParallelCluster 3)`, true);
  if (opts.keyName !== undefined && !KEY_NAME.test(opts.keyName)) throw new ClusterConfigError(`--key-name: '${opts.keyName}' is not an EC2 key pair name`, true);
  if (opts.region !== undefined && opts.region !== '' && !REGION.test(opts.region)) throw new ClusterConfigError(`--region: '${opts.region}' is not an AWS region (us-east-1)`, true);

  // ScaledownIdletime is the cluster's, not a queue's: the longest the queues asked for.
  const idles = picked.map(({ q }) => Math.max(1, Math.ceil(((q as QueueConfig & { ec2?: Ec2QueueConfig }).ec2?.idle_time_s ?? 600) / 60)));
  let idle = Math.max(...idles);
  if (opts.scaledownIdletime !== undefined) {
    if (!Number.isInteger(opts.scaledownIdletime) || opts.scaledownIdletime < 1) throw new ClusterConfigError(`--scaledown-idletime: '${opts.scaledownIdletime}' is not a whole number of minutes ≥ 1`, true);
    idle = opts.scaledownIdletime;
  } else if (new Set(idles).size > 1) {
    notes.push({ path: ['Scheduling', 'SlurmSettings', 'ScaledownIdletime'], text: `The queues' idle_time differ (${picked.map(({ q }, i) => `${q.name} ${idles[i]} min`).join(', ')}); ParallelCluster has one for the cluster: the longest.` });
  }

  const storage: Record<string, unknown>[] = [];
  if (opts.fsx) {
    const subnets = [...new Set(queues.flatMap((q) => (q.Networking as { SubnetIds: string[] }).SubnetIds))];
    if (subnets.length > 1) {
      throw new ClusterConfigError(`--fsx: the queues' compute is in ${subnets.length} subnets (${picked.map((p) => `${p.key}.ec2.subnets`).join(', ')}); a file system ParallelCluster makes lives in one zone and it refuses it with several compute subnets: give the queues one subnet, or name an existing file system (--fsx-id)`);
    }
    const s: Record<string, unknown> = { StorageCapacity: opts.fsx.storageCapacity, DeploymentType: opts.fsx.deploymentType };
    if (opts.fsx.throughput !== undefined) s.PerUnitStorageThroughput = opts.fsx.throughput;
    storage.push({ MountDir: opts.fsx.mountDir, Name: 'fsx', StorageType: 'FsxLustre', FsxLustreSettings: s });
  }
  if (opts.fsxExisting) {
    if (opts.fsx && opts.fsx.mountDir.replace(/\/+$/, '') === opts.fsxExisting.mountDir.replace(/\/+$/, '')) throw new ClusterConfigError(`--fsx and --fsx-id: both mount on ${opts.fsx.mountDir}`, true);
    storage.push({ MountDir: opts.fsxExisting.mountDir, Name: opts.fsx ? 'fsx-existing' : 'fsx', StorageType: 'FsxLustre', FsxLustreSettings: { FileSystemId: opts.fsxExisting.fileSystemId } });
  }

  const head: Record<string, unknown> = { InstanceType: headType, Networking: { SubnetId: headSubnet } };
  if (opts.keyName !== undefined) head.Ssh = { KeyName: opts.keyName };
  const config: Record<string, unknown> = {};
  if (opts.region) config.Region = opts.region;
  config.Image = { Os: os };
  config.HeadNode = head;
  config.Scheduling = { Scheduler: 'slurm', SlurmSettings: { ScaledownIdletime: idle }, SlurmQueues: queues };
  if (storage.length > 0) config.SharedStorage = storage;
  return { config, notes };
}

function queueOf(ec2: Ec2QueueConfig, q: QueueConfig, key: string, name: string, path: (string | number)[], opts: ClusterConfigOptions, notes: Note[]): Record<string, unknown> {
  const note = (sub: (string | number)[], text: string): void => { notes.push({ path: [...path, ...sub], text }); };
  ec2.subnets.forEach((s, j) => {
    if (!SUBNET.test(s)) throw new ClusterConfigError(`${key}.ec2.subnets[${j}]: '${s}' is not a subnet id ParallelCluster takes (subnet- and 8 or 17 characters)`);
  });
  const types = byPriority(ec2.instance_types);
  if (!opts.flexible && types.length > MAX_COMPUTE_RESOURCES) throw new ClusterConfigError(`${key}.ec2.instance_types: ${types.length} types, one compute resource each; ParallelCluster takes at most ${MAX_COMPUTE_RESOURCES} in a queue (--flexible puts them in one)`);
  const minCount = opts.minCount ?? DEFAULTS.minCount;
  if (!Number.isInteger(minCount) || minCount < 0) throw new ClusterConfigError(`--min-count: '${minCount}' is not a whole number ≥ 0`, true);
  if (minCount > ec2.max_nodes) throw new ClusterConfigError(`--min-count ${minCount}: above ${key}.ec2.max_nodes (${ec2.max_nodes}) of queue ${q.name}; MinCount cannot exceed MaxCount`);

  const out: Record<string, unknown> = { Name: name };
  // Capacity.
  if (ec2.capacity_type === 'on-demand') out.CapacityType = 'ONDEMAND';
  else {
    out.CapacityType = 'SPOT';
    if (ec2.capacity_type === 'spot-then-on-demand') {
      note(['CapacityType'], `${key}.ec2.capacity_type spot-then-on-demand: a ParallelCluster queue has one capacity type, so SPOT (the first rung); Slurm requeues a job whose spot node is reclaimed or cannot be had, but does not fall back to on-demand. Add an ONDEMAND queue by hand for that.`);
    }
  }
  if (ec2.capacity_type === 'on-demand') out.AllocationStrategy = ec2.on_demand_allocation;
  else if (ec2.spot_allocation === 'diversified') {
    out.AllocationStrategy = 'price-capacity-optimized';
    note(['AllocationStrategy'], `${key}.ec2.spot_allocation diversified: ParallelCluster has no such strategy; price-capacity-optimized (EC2's recommendation for spot) instead.`);
  } else out.AllocationStrategy = ec2.spot_allocation;

  // Placement, EFA and the zones they allow.
  const placement = ec2.placement_group === 'job' || ec2.placement_group === 'queue';
  const efaOf = (t: string): boolean => ec2.efa && supportsEfa(t);
  const anyEfa = opts.flexible ? types.every((t) => efaOf(t.type)) : types.some((t) => efaOf(t.type));
  let subnets = ec2.subnets;
  if (subnets.length > 1 && (placement || anyEfa)) {
    subnets = subnets.slice(0, 1);
    note(['Networking', 'SubnetIds'], `${key}.ec2.subnets: the first only (${ec2.subnets.slice(1).join(', ')} left out): ParallelCluster refuses ${[placement ? 'a placement group' : '', anyEfa ? 'EFA' : ''].filter(Boolean).join(' and ')} across availability zones.`);
  }
  out.Networking = { SubnetIds: subnets, PlacementGroup: { Enabled: placement } };
  if (ec2.placement_group === 'job') note(['Networking', 'PlacementGroup'], `${key}.ec2.placement_group job: ParallelCluster keeps one cluster placement group per compute resource, for all its jobs.`);
  if (ec2.placement_group === 'partition' || ec2.placement_group === 'spread') {
    note(['Networking', 'PlacementGroup'], `${key}.ec2.placement_group ${ec2.placement_group}: ParallelCluster makes cluster placement groups only, so none; PlacementGroup.Id may name a ${ec2.placement_group} group made beforehand.`);
  }

  // Compute resources.
  const resources: Record<string, unknown>[] = [];
  if (opts.flexible) {
    const cr: Record<string, unknown> = { Name: 'flex', Instances: types.map((t) => ({ InstanceType: t.type })), MinCount: minCount, MaxCount: ec2.max_nodes, Efa: { Enabled: anyEfa } };
    resources.push(cr);
    note(['ComputeResources', 0], `${key}.ec2.instance_types in one compute resource (--flexible): ParallelCluster requires the types to have equal vCPUs and GPUs (checked at create-cluster).`);
    const without = types.filter((t) => !supportsEfa(t.type)).map((t) => t.type);
    if (ec2.efa && !anyEfa && without.length < types.length) note(['ComputeResources', 0, 'Efa'], `${key}.ec2.efa: not enabled, since ${without.join(', ')} lack EFA and ParallelCluster enables it for all of a compute resource's types or none.`);
  } else {
    const names = new Map<string, string>();
    types.forEach((t, ti) => {
      const j = ec2.instance_types.indexOf(t);
      const crName = computeResourceName(t.type);
      const why = badName(crName);
      if (why) throw new ClusterConfigError(`${key}.ec2.instance_types[${j}]: ${t.type} gives the compute resource name '${crName}': ${why} (--flexible names it 'flex')`);
      if (names.has(crName)) throw new ClusterConfigError(`${key}.ec2.instance_types[${j}]: ${t.type} gives the compute resource name '${crName}', as ${names.get(crName)} does`);
      names.set(crName, t.type);
      resources.push({ Name: crName, Instances: [{ InstanceType: t.type }], MinCount: ti === 0 ? minCount : 0, MaxCount: ec2.max_nodes, Efa: { Enabled: efaOf(t.type) } });
    });
    if (types.length > 1) note(['ComputeResources'], `One compute resource per type of ${key}.ec2.instance_types, in priority order, each up to max_nodes (${ec2.max_nodes}): ParallelCluster has no total for a queue.${minCount > 0 ? ` The static nodes (MinCount ${minCount}) are the first type's.` : ''}`);
  }
  if (ec2.efa) {
    const noEfa = types.filter((t) => !supportsEfa(t.type)).map((t) => t.type);
    if (noEfa.length > 0 && !opts.flexible) note(['ComputeResources'], `No EFA for ${noEfa.join(', ')}: not among the types EC2 lists with EFA.`);
  }
  out.ComputeResources = resources;
  return out;
}

/** The document as YAML, each note a comment before what it explains; `header` comment lines on top. */
export function renderClusterConfig(g: GeneratedClusterConfig, header: string[] = []): string {
  const doc = new YAML.Document(g.config);
  for (const n of g.notes) {
    const parentPath = n.path.slice(0, -1);
    const last = n.path[n.path.length - 1];
    const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
    let target: { commentBefore?: string | null } | undefined;
    if (YAML.isMap(parent)) {
      const pair = parent.items.find((p) => YAML.isScalar(p.key) && p.key.value === last);
      target = pair && YAML.isScalar(pair.key) ? pair.key : undefined;
    } else if (YAML.isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      target = YAML.isNode(item) ? item : undefined;
    }
    if (!target) continue;
    const text = wrap(n.text, 96).map((l) => ` ${l}`).join('\n');
    target.commentBefore = target.commentBefore ? `${target.commentBefore}\n${text}` : text;
  }
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur !== '' && cur.length + 1 + w.length > width) { lines.push(cur); cur = w; } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}
