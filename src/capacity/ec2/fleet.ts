/**
 * What to ask EC2 for, and how to read its answer: pure functions, no client, no clock.
 *
 * A job's demand (nodes × per-node cpus, memory, GPUs, EFA) becomes a ladder of attempts, each one
 * CreateFleet of type `instant`:
 *   - capacity types in the queue's order: spot, on-demand, or spot then on-demand;
 *   - for a tightly coupled job (more than one node, or EFA) one attempt per subnet, i.e. per
 *     availability zone, in the queue's order, since a cluster placement group and EFA traffic
 *     stay in one zone; a one-node job's attempt spans every subnet and EC2 picks;
 *   - within an attempt, the queue's instance types that fit the job, in its order, as overrides.
 * A multi-node attempt is all or nothing: SingleAvailabilityZone, and MinTargetCapacity = the node
 * count, and SingleInstanceType in a cluster placement group, where EC2 advises one type.
 * The answer's Errors are read as the EC2 documentation says: they can be present when the
 * capacity was met (a short pool the fleet filled from another), so only the instances count.
 */
import type { CreateFleetCommandInput, CreateFleetCommandOutput, FleetLaunchTemplateSpecificationRequest, Tag } from '@aws-sdk/client-ec2';
import type { Ec2QueueConfig, InstanceTypeChoice } from './config.js';

/** What one instance type offers (from DescribeInstanceTypes). */
export interface TypeFacts {
  type: string;
  vcpus: number;
  cores: number;
  mem_bytes: number;
  gpus: number;
  /** EFA interfaces it can take (0 = no EFA). */
  max_efa: number;
  network_cards: number;
  /** Placement-group strategies it supports (cluster, partition, spread). */
  placement: string[];
}

/** What a job needs of new nodes. */
export interface Demand {
  job: string;
  queue: string;
  nodes: number;
  ncpus: number;
  mem_bytes: number;
  ngpus: number;
  efa: boolean;
}

export type Lifecycle = 'spot' | 'on-demand';

export interface Attempt {
  lifecycle: Lifecycle;
  subnets: string[];
  types: InstanceTypeChoice[];
}

interface ChunkLike { count: number; ncpus: number; mem_bytes: number; ngpus: number; other?: Record<string, string> }

/**
 * A job's chunks as nodes to launch: one node per chunk (EC2 nodes are bought whole, and an MPI
 * job's chunks are its hosts), each big enough for the largest chunk; with place=pack, one node
 * for everything.
 */
export function demandOf(job: string, queue: string, chunks: readonly ChunkLike[], place: string): Demand {
  const efa = chunks.some((c) => /^(true|yes|1)$/i.test(c.other?.efa ?? ''));
  if (/(^|:)pack(:|$)/.test(place)) {
    const sum = (f: (c: ChunkLike) => number): number => chunks.reduce((s, c) => s + c.count * f(c), 0);
    return { job, queue, nodes: 1, ncpus: sum((c) => c.ncpus), mem_bytes: sum((c) => c.mem_bytes), ngpus: sum((c) => c.ngpus), efa };
  }
  const max = (f: (c: ChunkLike) => number): number => chunks.reduce((m, c) => Math.max(m, f(c)), 0);
  return { job, queue, nodes: chunks.reduce((s, c) => s + c.count, 0), ncpus: max((c) => c.ncpus), mem_bytes: max((c) => c.mem_bytes), ngpus: max((c) => c.ngpus), efa };
}

/** Whether the job is tightly coupled: its nodes must come together, in one zone. */
export function coupled(d: Demand): boolean { return d.nodes > 1 || d.efa; }

/** The cluster placement group a job's nodes go in ('' = none), by the queue's policy. */
export function groupStrategy(cfg: Ec2QueueConfig, d: Demand): 'cluster' | 'partition' | 'spread' | '' {
  switch (cfg.placement_group) {
    case 'job': case 'queue': return d.nodes > 1 ? 'cluster' : '';
    case 'partition': return 'partition';
    case 'spread': return 'spread';
    default: return '';
  }
}

/**
 * The queue's instance types that fit one node of the demand, in the queue's order; or why none does.
 * A type whose facts are unknown does not fit (EC2 would not know it either).
 */
export function fittingTypes(cfg: Ec2QueueConfig, d: Demand, facts: ReadonlyMap<string, TypeFacts>): { types: InstanceTypeChoice[]; why: string } {
  if (d.efa && !cfg.efa) return { types: [], why: 'efa=true, but the queue has efa off' };
  const strategy = groupStrategy(cfg, d);
  const why: string[] = [];
  const types = cfg.instance_types.filter((t) => {
    const f = facts.get(t.type);
    const no = (r: string): boolean => { why.push(`${t.type}: ${r}`); return false; };
    if (!f) return no('unknown to EC2');
    if (f.vcpus < d.ncpus) return no(`${f.vcpus} vCPUs < ncpus=${d.ncpus}`);
    if (f.mem_bytes < d.mem_bytes) return no(`${Math.floor(f.mem_bytes / 2 ** 20)} MiB < mem=${Math.floor(d.mem_bytes / 2 ** 20)} MiB`);
    if (f.gpus < d.ngpus) return no(`${f.gpus} GPUs < ngpus=${d.ngpus}`);
    if (d.efa && f.max_efa === 0) return no('no EFA');
    if (strategy !== '' && !f.placement.includes(strategy)) return no(`no ${strategy} placement groups`);
    return true;
  });
  return { types, why: why.join('; ') };
}

/** The ladder of CreateFleet attempts for a demand, in order (see the file's comment). */
export function attempts(cfg: Ec2QueueConfig, d: Demand, types: readonly InstanceTypeChoice[]): Attempt[] {
  const lifecycles: Lifecycle[] = cfg.capacity_type === 'spot' ? ['spot'] : cfg.capacity_type === 'on-demand' ? ['on-demand'] : ['spot', 'on-demand'];
  const out: Attempt[] = [];
  for (const lifecycle of lifecycles) {
    if (coupled(d)) for (const s of cfg.subnets) out.push({ lifecycle, subnets: [s], types: [...types] });
    else out.push({ lifecycle, subnets: [...cfg.subnets], types: [...types] });
  }
  return out;
}

export interface FleetContext {
  cluster: string;
  /** The launch template for an instance type (EFA templates differ per type: one interface per network card). */
  template(type: string): FleetLaunchTemplateSpecificationRequest;
  /** Placement group name, '' = none. */
  group: string;
  /** Idempotency: the same token for a retried call makes no second fleet (EC2 ClientToken). */
  clientToken: string;
}

/** The tags that tie an instance to fleetq's cluster, queue and job (how a restarted daemon finds its instances). */
export function fleetTags(cluster: string, d: Demand): Tag[] {
  return [
    { Key: 'Name', Value: `fleetq-${cluster}-${d.queue}` },
    { Key: 'fleetq:cluster', Value: cluster },
    { Key: 'fleetq:queue', Value: d.queue },
    { Key: 'fleetq:job', Value: d.job },
  ];
}

/** One attempt as a CreateFleet request. */
export function fleetRequest(cfg: Ec2QueueConfig, d: Demand, a: Attempt, ctx: FleetContext): CreateFleetCommandInput {
  const tight = d.nodes > 1;
  const cluster = ctx.group !== '' && groupStrategy(cfg, d) === 'cluster';
  const options = {
    ...(tight ? { SingleAvailabilityZone: true, MinTargetCapacity: d.nodes } : {}),
    // In a cluster group, one instance type (EC2's advice, and an MPI job's ranks run alike).
    ...(tight && cluster ? { SingleInstanceType: true } : {}),
  };
  const tags = fleetTags(ctx.cluster, d);
  return {
    Type: 'instant',
    ClientToken: ctx.clientToken,
    LaunchTemplateConfigs: a.types.map((t) => ({
      LaunchTemplateSpecification: ctx.template(t.type),
      Overrides: a.subnets.map((s) => ({
        InstanceType: t.type as never,
        SubnetId: s,
        ...(a.lifecycle === 'on-demand' && cfg.on_demand_allocation === 'prioritized' ? { Priority: t.priority } : {}),
        ...(ctx.group !== '' ? { Placement: { GroupName: ctx.group } } : {}),
      })),
    })),
    TargetCapacitySpecification: {
      TotalTargetCapacity: d.nodes,
      DefaultTargetCapacityType: a.lifecycle,
      ...(a.lifecycle === 'spot' ? { SpotTargetCapacity: d.nodes } : { OnDemandTargetCapacity: d.nodes }),
    },
    ...(a.lifecycle === 'spot'
      ? { SpotOptions: { AllocationStrategy: cfg.spot_allocation, InstanceInterruptionBehavior: 'terminate', ...options } }
      : { OnDemandOptions: { AllocationStrategy: cfg.on_demand_allocation, ...options } }),
    TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'fleet', Tags: tags }],
  };
}

export interface FleetError { code: string; message: string; type: string; zone: string; lifecycle: string }

export interface FleetResult {
  /** Launched: instance id → its type and lifecycle. */
  instances: Array<{ id: string; type: string; lifecycle: Lifecycle }>;
  errors: FleetError[];
  /** Whether the whole demand came (the only thing that decides; errors may come with success). */
  met: boolean;
  /** Errors that say capacity was short (worth the next attempt), as opposed to a request EC2 refuses. */
  capacityShort: boolean;
}

/** Codes that mean "not here, not now": the next type, zone or capacity type may have it. */
const CAPACITY_CODES = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'InsufficientHostCapacity', 'InsufficientReservedInstanceCapacity',
  'MaxSpotInstanceCountExceeded', 'SpotMaxPriceTooLow', 'UnfulfillableCapacity', 'InsufficientFreeAddressesInSubnet', 'Unsupported', 'InstanceLimitExceeded', 'VcpuLimitExceeded']);

export function readFleet(out: Pick<CreateFleetCommandOutput, 'Instances' | 'Errors'>, want: number, lifecycle: Lifecycle): FleetResult {
  const instances = (out.Instances ?? []).flatMap((g) => (g.InstanceIds ?? []).map((id) => ({
    id, type: String(g.InstanceType ?? g.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? ''), lifecycle: (g.Lifecycle as Lifecycle | undefined) ?? lifecycle,
  })));
  const errors = (out.Errors ?? []).map((e) => ({
    code: e.ErrorCode ?? '', message: e.ErrorMessage ?? '', type: String(e.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? ''),
    zone: e.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone ?? '', lifecycle: String(e.Lifecycle ?? lifecycle),
  }));
  return { instances, errors, met: instances.length >= want, capacityShort: capacityShort(errors) };
}

/** Whether failed attempts are worth trying again later: capacity was short (or EC2 said nothing), not a request EC2 refuses. */
export function capacityShort(errors: readonly Pick<FleetError, 'code'>[]): boolean {
  return errors.length === 0 || errors.some((e) => CAPACITY_CODES.has(e.code));
}

/** Backoff before the ladder is tried again after every attempt failed: 5 s doubling to 5 min, with ±20 % jitter. */
export function backoffMs(round: number, random: () => number = Math.random): number {
  const base = Math.min(300_000, 5000 * 2 ** Math.max(0, round));
  return Math.round(base * (0.8 + 0.4 * random()));
}
