/**
 * The configuration of a queue backed by EC2 (`queues[i].provider: ec2`, `queues[i].ec2: {...}`),
 * checked at start with errors that name the key. Only what the EC2 provider needs; the scheduler
 * sees the queue as any other.
 *
 *   instance_types   [c5n.18xlarge, hpc6a.48xlarge] in order of preference, or
 *                    [{type: c5n.18xlarge, priority: 0, price: 3.888}] (priority: lower first, for
 *                    on-demand `prioritized`, default the list order; price: the on-demand $/hour,
 *                    for cost). A node is one instance: fleets count instances, not weighted units,
 *                    since an MPI job asks for a number of nodes.
 *   subnets          subnet ids, in order of preference (each is one availability zone)
 *   launch_template  name or lt-… id of a template that starts `fleetq agent` (its user data), or
 *   image_id         an AMI, with user_data, from which fleetq makes a launch template of its own
 *   user_data        the instance's user data (text; {server} and {token} are filled in)
 *   capacity_type    spot | on-demand | spot-then-on-demand (default on-demand)
 *   spot_allocation  price-capacity-optimized (default) | capacity-optimized | lowest-price | diversified
 *   on_demand_allocation  lowest-price (default) | prioritized
 *   max_nodes        most instances this queue may hold at once (default 16)
 *   idle_time        how long a node with no job stays before it is terminated (default 10m)
 *   placement_group  job (a cluster group per multi-node job, default) | queue (one cluster group
 *                    for the queue) | partition | spread | none
 *   partitions       partition count for placement_group partition (default 7, EC2's maximum)
 *   efa              true: EFA interfaces for jobs that ask efa=true, on types that have it (default true)
 */
import { parseDuration } from '../../jobs/resources.js';
import { configBlock } from '../block.js';

export type CapacityType = 'spot' | 'on-demand' | 'spot-then-on-demand';
export type SpotAllocation = 'price-capacity-optimized' | 'capacity-optimized' | 'lowest-price' | 'diversified';
export type OnDemandAllocation = 'lowest-price' | 'prioritized';
export type PlacementPolicy = 'job' | 'queue' | 'partition' | 'spread' | 'none';

export interface InstanceTypeChoice {
  type: string;
  /** For on-demand `prioritized`: lower first. Defaults to the list order. */
  priority: number;
  /** On-demand price in $/hour, for cost; 0 = unknown. */
  price: number;
}

export interface Ec2QueueConfig {
  instance_types: InstanceTypeChoice[];
  subnets: string[];
  launch_template: string;
  image_id: string;
  user_data: string;
  capacity_type: CapacityType;
  spot_allocation: SpotAllocation;
  on_demand_allocation: OnDemandAllocation;
  max_nodes: number;
  idle_time_s: number;
  placement_group: PlacementPolicy;
  partitions: number;
  efa: boolean;
}

const KEYS = ['instance_types', 'subnets', 'launch_template', 'image_id', 'user_data', 'capacity_type', 'spot_allocation', 'on_demand_allocation',
  'max_nodes', 'idle_time', 'placement_group', 'partitions', 'efa'];

function oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`${key}: '${String(v)}' is not one of ${allowed.join(', ')}`);
}

function wholeNumber(key: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new Error(`${key}: '${String(v)}' is not a whole number`);
  if (n < min || n > max) throw new Error(`${key}: ${n} is out of range ${min}..${max}`);
  return n;
}

/** EC2 instance type names: family, optional generation/attributes, size (c5n.18xlarge, p5e.48xlarge, u-6tb1.metal). */
const TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

function instanceTypes(key: string, v: unknown): InstanceTypeChoice[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error(`${key}: must be a non-empty list of instance types (c5n.18xlarge, or {type, priority, price})`);
  const seen = new Set<string>();
  return v.map((t: unknown, i) => {
    const k = `${key}[${i}]`;
    const o: Record<string, unknown> = typeof t === 'string' ? { type: t } : t !== null && typeof t === 'object' && !Array.isArray(t) ? t as Record<string, unknown> : { type: undefined };
    const extra = Object.keys(o).filter((x) => !['type', 'priority', 'price'].includes(x));
    if (extra.length > 0) throw new Error(`${k}: unknown keys ${extra.join(', ')}`);
    const type = String(o.type ?? '');
    if (!TYPE.test(type)) throw new Error(`${k}: '${type}' is not an EC2 instance type (family.size, e.g. c5n.18xlarge)`);
    if (seen.has(type)) throw new Error(`${k}: ${type} is listed twice`);
    seen.add(type);
    const price = o.price === undefined ? 0 : Number(o.price);
    if (!Number.isFinite(price) || price < 0) throw new Error(`${k}.price: '${String(o.price)}' is not a price in $/hour`);
    return { type, priority: wholeNumber(`${k}.priority`, o.priority, i, 0, 65535), price };
  });
}

function subnets(key: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error(`${key}: must be a non-empty list of subnet ids (subnet-…)`);
  return v.map((s: unknown, i) => {
    if (typeof s !== 'string' || !/^subnet-[0-9a-f]{1,40}$/.test(s)) throw new Error(`${key}[${i}]: '${String(s)}' is not a subnet id (subnet-…)`);
    return s;
  });
}

/**
 * Checks and defaults queues[i].ec2; `key` is its path for messages (queues[2].ec2). `launch: false`
 * (a pcluster queue's block, describing its cluster's compute): no launch template or image needed.
 */
export function compileEc2Queue(key: string, raw: unknown, o: { launch: boolean } = { launch: true }): Ec2QueueConfig {
  const { q, str } = configBlock(key, raw, KEYS, '{instance_types, subnets, launch_template | image_id, ...} for a queue with provider ec2');
  const launchTemplate = str('launch_template');
  const imageId = str('image_id');
  if (o.launch && launchTemplate === '' && imageId === '') throw new Error(`${key}: needs launch_template (a template whose user data starts fleetq agent) or image_id (with user_data)`);
  if (launchTemplate !== '' && imageId !== '') throw new Error(`${key}: launch_template and image_id exclude each other (the template names its image)`);
  if (launchTemplate !== '' && !/^(lt-[0-9a-f]{1,40}|[\w().\-/]{3,128})$/.test(launchTemplate)) throw new Error(`${key}.launch_template: '${launchTemplate}' is not a launch template name or id`);
  if (imageId !== '' && !/^ami-[0-9a-f]{1,40}$/.test(imageId)) throw new Error(`${key}.image_id: '${imageId}' is not an image id (ami-…)`);
  const userData = str('user_data');
  if (Buffer.byteLength(userData) > 16 * 1024) throw new Error(`${key}.user_data: ${Buffer.byteLength(userData)} bytes is over EC2's 16 KB`);
  const efa = q.efa === undefined ? true : q.efa;
  if (typeof efa !== 'boolean') throw new Error(`${key}.efa: '${String(efa)}' is not true or false`);
  let idle = 600;
  if (q.idle_time !== undefined) {
    const m = /^(\d+)(s|m|h)$/.exec(String(q.idle_time).trim());
    idle = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] : parseDuration(`${key}.idle_time`, String(q.idle_time));
  }
  const placement = oneOf(`${key}.placement_group`, q.placement_group, ['job', 'queue', 'partition', 'spread', 'none'] as const, 'job');
  return {
    instance_types: instanceTypes(`${key}.instance_types`, q.instance_types),
    subnets: subnets(`${key}.subnets`, q.subnets),
    launch_template: launchTemplate,
    image_id: imageId,
    user_data: userData,
    capacity_type: oneOf(`${key}.capacity_type`, q.capacity_type, ['spot', 'on-demand', 'spot-then-on-demand'] as const, 'on-demand'),
    spot_allocation: oneOf(`${key}.spot_allocation`, q.spot_allocation, ['price-capacity-optimized', 'capacity-optimized', 'lowest-price', 'diversified'] as const, 'price-capacity-optimized'),
    on_demand_allocation: oneOf(`${key}.on_demand_allocation`, q.on_demand_allocation, ['lowest-price', 'prioritized'] as const, 'lowest-price'),
    max_nodes: wholeNumber(`${key}.max_nodes`, q.max_nodes, 16, 1, 10_000),
    idle_time_s: idle,
    placement_group: placement,
    partitions: wholeNumber(`${key}.partitions`, q.partitions, 7, 1, 7),
    efa,
  };
}
