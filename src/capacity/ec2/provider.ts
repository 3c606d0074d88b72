/**
 * The EC2 capacity provider: instances for the queues backed by EC2, bought with CreateFleet of type
 * `instant` (the ladder in ./fleet.ts), in placement groups, tagged with the cluster, queue and job
 * they were bought for. It knows its cloud, not the scheduler's policy: the daemon asks it to
 * `grow` for a job that fits no node, tells it which instances are idle, and hears what it
 * launched and terminated.
 *
 * EC2 is the record: every instance carries `fleetq:cluster`, `fleetq:queue` and `fleetq:job` tags,
 * so a daemon that restarts (after a crash too) finds what it owns with one DescribeInstances and
 * forgets nothing; there is no second copy to drift. A fleet that launched less than the job needs
 * (EC2's all-or-nothing makes that rare, but it is not trusted) is terminated at once and recorded.
 */
import {
  EC2Client, CreateFleetCommand, CreateLaunchTemplateCommand, CreatePlacementGroupCommand, DeletePlacementGroupCommand, DescribeInstancesCommand,
  DescribeInstanceTopologyCommand, DescribeInstanceTypesCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, DescribeSpotPriceHistoryCommand, TerminateInstancesCommand,
  type FleetLaunchTemplateSpecificationRequest, type Instance, type InstanceTypeInfo, type RequestLaunchTemplateData, type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { Logger } from '../../util/log.js';
import type { Ec2QueueConfig } from './config.js';
import { attempts, backoffMs, capacityShort, fittingTypes, fleetRequest, groupStrategy, readFleet, type Demand, type FleetError, type Lifecycle, type TypeFacts } from './fleet.js';

export interface Ec2Options {
  /** The cluster's name (server.name): the fleetq:cluster tag. */
  cluster: string;
  region: string;
  /** '' = the AWS configuration chain's (AWS_ENDPOINT_URL_EC2 included). */
  endpoint: string;
  queues: ReadonlyMap<string, Ec2QueueConfig>;
  /** User data for fleetq's own launch templates (queues with image_id), filled in (./userdata.ts); else the queue's user_data as it is. */
  userData?: (queue: string) => string;
  log: Logger;
  client?: EC2Client;
}

/** An instance this cluster owns, as EC2 last described it. */
export interface Ec2Instance {
  id: string;
  queue: string;
  job: string;
  type: string;
  lifecycle: Lifecycle;
  zone: string;
  group: string;
  /** pending | running | shutting-down | terminated | stopping | stopped */
  state: string;
  private_ip: string;
  launched_unix: number;
}

export type GrowResult =
  | { ok: true; instances: Ec2Instance[] }
  /** `retryAfterMs` > 0: capacity was short everywhere, try again then; 0: it can never be met (why says). */
  | { ok: false; why: string; retryAfterMs: number; errors: FleetError[] };

const OWNED_STATES = ['pending', 'running', 'stopping', 'stopped'];

export class Ec2Provider {
  readonly client: EC2Client;
  private readonly facts = new Map<string, TypeFacts>();
  private readonly owned = new Map<string, Ec2Instance>();
  private readonly templates = new Map<string, FleetLaunchTemplateSpecificationRequest>();
  private readonly groups = new Set<string>();
  /** Failed ladder rounds per job, for the backoff. */
  private readonly rounds = new Map<string, number>();
  private readonly spotPrice = new Map<string, number>(); // type/zone → $/h
  /** API calls made, by action (bench/ec2 reads them). */
  readonly calls = new Map<string, number>();

  constructor(private readonly o: Ec2Options) {
    // The SDK would print a plain-text warning on stderr; the daemon's log says it once, as JSON.
    if (Number(process.versions.node.split('.')[0]) < 22 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'true') {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      o.log.warn({ node: process.versions.node }, 'AWS SDK v3 releases after the first week of January 2027 need Node 22; the version package-lock.json pins works on this Node');
    }
    this.client = o.client ?? new EC2Client({
      ...(o.region ? { region: o.region } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    });
  }

  private async send<T>(action: string, cmd: { input: unknown }): Promise<T> {
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
    return this.client.send(cmd as never) as Promise<T>;
  }

  /** At start: the facts of every configured instance type, then what this cluster already owns. */
  async start(): Promise<void> {
    const types = [...new Set([...this.o.queues.values()].flatMap((q) => q.instance_types.map((t) => t.type)))];
    for (let i = 0; i < types.length; i += 100) {
      const out = await this.send<{ InstanceTypes?: InstanceTypeInfo[] }>('DescribeInstanceTypes', new DescribeInstanceTypesCommand({ InstanceTypes: types.slice(i, i + 100) as _InstanceType[] }));
      for (const t of out.InstanceTypes ?? []) this.facts.set(String(t.InstanceType), typeFacts(t));
    }
    const unknown = types.filter((t) => !this.facts.has(t));
    if (unknown.length > 0) this.o.log.warn({ types: unknown }, 'instance types EC2 does not know; jobs will not be placed on them');
    await this.reconcile();
  }

  typeFacts(type: string): TypeFacts | undefined { return this.facts.get(type); }

  /**
   * DescribeInstances by the cluster's tag: what exists now replaces what was known, except
   * instances launched in the last `youngS` seconds (EC2 is eventually consistent: a new instance
   * may not be listed yet). Returns the instances; `gone` gets those known before and not now.
   */
  async reconcile(youngS = 0, gone: Ec2Instance[] = []): Promise<Ec2Instance[]> {
    // Only what was known when the question was asked can be missing from the answer: an instance
    // launched while DescribeInstances was under way is kept.
    const asked = new Set(this.owned.keys());
    const seen = new Map<string, Ec2Instance>();
    let token: string | undefined;
    do {
      const out = await this.send<{ Reservations?: Array<{ Instances?: Instance[] }>; NextToken?: string }>('DescribeInstances', new DescribeInstancesCommand({
        Filters: [{ Name: 'tag:fleetq:cluster', Values: [this.o.cluster] }, { Name: 'instance-state-name', Values: OWNED_STATES }],
        ...(token ? { NextToken: token } : {}),
      }));
      for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) { const x = toInstance(i); if (x) seen.set(x.id, x); }
      token = out.NextToken;
    } while (token);
    const now = Math.floor(Date.now() / 1000);
    for (const [id, x] of this.owned) {
      if (seen.has(id)) continue;
      if (!asked.has(id) || now - x.launched_unix < youngS) seen.set(id, x);
      else gone.push(x);
    }
    this.owned.clear();
    for (const [id, x] of seen) this.owned.set(id, x);
    return [...seen.values()];
  }

  /** An instance this cluster owns, as last seen. */
  instance(id: string): Ec2Instance | undefined { return this.owned.get(id); }

  /** Instances owned now (as last seen), optionally of one queue or job. */
  instances(f: { queue?: string; job?: string } = {}): Ec2Instance[] {
    return [...this.owned.values()].filter((i) => (f.queue === undefined || i.queue === f.queue) && (f.job === undefined || i.job === f.job));
  }

  /** Whether a demand can ever be met by the queue (a type that fits, within max_nodes); the reason when not. */
  feasible(d: Demand): string | undefined {
    const cfg = this.o.queues.get(d.queue);
    if (!cfg) return `queue ${d.queue} is not backed by EC2`;
    if (d.nodes > cfg.max_nodes) return `${d.nodes} nodes is over queue ${d.queue}'s max_nodes ${cfg.max_nodes}`;
    const fit = fittingTypes(cfg, d, this.facts);
    return fit.types.length === 0 ? `no instance type of queue ${d.queue} fits a node of the job (${fit.why})` : undefined;
  }

  /**
   * Buys the nodes a job needs: placement group, then the ladder of instant fleets until one is
   * met. All or nothing: whatever a fleet launched short of the demand is terminated before the
   * next attempt. On failure it says when to try again (backoff per job).
   */
  async grow(d: Demand): Promise<GrowResult> {
    const cfg = this.o.queues.get(d.queue);
    if (!cfg) return { ok: false, why: `queue ${d.queue} is not backed by EC2`, retryAfterMs: 0, errors: [] };
    const never = this.feasible(d);
    if (never) return { ok: false, why: never, retryAfterMs: 0, errors: [] };
    const room = cfg.max_nodes - this.instances({ queue: d.queue }).length;
    if (room < d.nodes) return { ok: false, why: `queue ${d.queue} holds ${cfg.max_nodes - room} of its max_nodes ${cfg.max_nodes}`, retryAfterMs: 30_000, errors: [] };
    const { types } = fittingTypes(cfg, d, this.facts);
    const group = await this.ensureGroup(cfg, d);
    const round = this.rounds.get(d.job) ?? 0;
    const errors: FleetError[] = [];
    let n = 0;
    for (const a of attempts(cfg, d, types)) {
      const templates = new Map<string, FleetLaunchTemplateSpecificationRequest>();
      for (const t of a.types) templates.set(t.type, await this.template(d.queue, cfg, d.efa && cfg.efa ? t.type : ''));
      const req = fleetRequest(cfg, d, a, { cluster: this.o.cluster, group, template: (t) => templates.get(t)!, clientToken: `fleetq-${this.o.cluster}-${d.job}-${round}-${n++}`.slice(0, 64) });
      let out;
      try {
        out = await this.send<Parameters<typeof readFleet>[0]>('CreateFleet', new CreateFleetCommand(req));
      } catch (e) {
        // A refused request (bad template, no permission…) will be refused again: the job is told why.
        const err = e as { name?: string; message?: string };
        this.o.log.warn({ job: d.job, lifecycle: a.lifecycle, subnets: a.subnets, err: err.message }, 'CreateFleet refused');
        errors.push({ code: err.name ?? 'Error', message: err.message ?? '', type: '', zone: '', lifecycle: a.lifecycle });
        continue;
      }
      const r = readFleet(out, d.nodes, a.lifecycle);
      for (const e of r.errors) errors.push(e);
      if (r.errors.length > 0) this.o.log.info({ job: d.job, lifecycle: a.lifecycle, subnets: a.subnets, launched: r.instances.length, errors: r.errors }, 'CreateFleet errors');
      if (r.met) {
        this.rounds.delete(d.job);
        const launched = await this.describe(r.instances.map((i) => i.id));
        this.o.log.info({ job: d.job, queue: d.queue, instances: launched.map((i) => `${i.id}/${i.type}/${i.zone}`), lifecycle: a.lifecycle, group }, 'fleet launched');
        return { ok: true, instances: launched };
      }
      if (r.instances.length > 0) {
        // Short of the demand: the job cannot use part of its nodes, and nothing is left running for it.
        this.o.log.warn({ job: d.job, launched: r.instances.map((i) => i.id), wanted: d.nodes }, 'partial fleet terminated');
        await this.terminate(r.instances.map((i) => i.id), `partial fleet for ${d.job}: ${r.instances.length} of ${d.nodes}`);
      }
    }
    this.rounds.set(d.job, round + 1);
    return { ok: false, why: summarize(errors), retryAfterMs: capacityShort(errors) ? backoffMs(round) : 0, errors };
  }

  /** Terminates instances (idle ones, a partial fleet, a node gone) and forgets them. */
  async terminate(ids: string[], why: string): Promise<void> {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i += 1000) await this.send('TerminateInstances', new TerminateInstancesCommand({ InstanceIds: ids.slice(i, i + 1000) }));
    const jobs = new Set<string>();
    for (const id of ids) { const x = this.owned.get(id); if (x) jobs.add(x.job); this.owned.delete(id); }
    this.o.log.info({ instances: ids, why }, 'instances terminated');
    for (const job of jobs) if (this.instances({ job }).length === 0) await this.dropJobGroup(job);
  }

  /**
   * Where instances sit in EC2's network (DescribeInstanceTopology): their network nodes, top layer
   * first, for the placement core. Types without topology, and instances not yet running, have none.
   */
  async networkNodes(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const wanted = ids.filter((id) => this.owned.has(id));
    for (let i = 0; i < wanted.length; i += 100) {
      let token: string | undefined;
      do {
        const r = await this.send<{ Instances?: Array<{ InstanceId?: string; NetworkNodes?: string[] }>; NextToken?: string }>('DescribeInstanceTopology',
          new DescribeInstanceTopologyCommand({ InstanceIds: wanted.slice(i, i + 100), ...(token ? { NextToken: token } : {}) }));
        for (const x of r.Instances ?? []) if (x.InstanceId && (x.NetworkNodes ?? []).length > 0) out.set(x.InstanceId, x.NetworkNodes ?? []);
        token = r.NextToken;
      } while (token);
    }
    return out;
  }

  /** The price of an instance in $/hour: spot from the price history (cached an hour), on-demand from the queue's config. */
  async price(i: Pick<Ec2Instance, 'type' | 'zone' | 'lifecycle' | 'queue'>): Promise<number> {
    if (i.lifecycle === 'on-demand') return this.o.queues.get(i.queue)?.instance_types.find((t) => t.type === i.type)?.price ?? 0;
    const key = `${i.type}/${i.zone}`;
    if (!this.spotPrice.has(key)) {
      const out = await this.send<{ SpotPriceHistory?: Array<{ SpotPrice?: string; AvailabilityZone?: string; Timestamp?: Date }> }>('DescribeSpotPriceHistory', new DescribeSpotPriceHistoryCommand({
        InstanceTypes: [i.type as _InstanceType], ProductDescriptions: ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'], StartTime: new Date(), ...(i.zone ? { AvailabilityZone: i.zone } : {}),
      }));
      const latest = (out.SpotPriceHistory ?? []).sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
      this.spotPrice.set(key, Number(latest?.SpotPrice ?? 0));
      setTimeout(() => this.spotPrice.delete(key), 3_600_000).unref();
    }
    return this.spotPrice.get(key) ?? 0;
  }

  private async describe(ids: string[]): Promise<Ec2Instance[]> {
    // CreateFleet's answer has no zones or addresses, and EC2 is eventually consistent: DescribeInstances, with retries.
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.send<{ Reservations?: Array<{ Instances?: Instance[] }> }>('DescribeInstances', new DescribeInstancesCommand({ InstanceIds: ids }));
        const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstance).filter((x): x is Ec2Instance => x !== undefined);
        for (const x of found) this.owned.set(x.id, x);
        if (found.length >= ids.length || attempt >= 4) return found;
      } catch (e) {
        if (attempt >= 4) throw e;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }

  /** The placement group for a demand ('' = none): created when missing, reused when it exists. */
  private async ensureGroup(cfg: Ec2QueueConfig, d: Demand): Promise<string> {
    const strategy = groupStrategy(cfg, d);
    if (strategy === '') return '';
    const name = cfg.placement_group === 'job' ? `fleetq-${this.o.cluster}-${d.queue}-${d.job}` : `fleetq-${this.o.cluster}-${d.queue}-${strategy}`;
    if (this.groups.has(name)) return name;
    try {
      await this.send('CreatePlacementGroup', new CreatePlacementGroupCommand({
        GroupName: name, Strategy: strategy, ...(strategy === 'partition' ? { PartitionCount: cfg.partitions } : {}),
        TagSpecifications: [{ ResourceType: 'placement-group', Tags: [{ Key: 'fleetq:cluster', Value: this.o.cluster }, { Key: 'fleetq:queue', Value: d.queue }, { Key: 'fleetq:job', Value: d.job }] }],
      }));
    } catch (e) {
      if ((e as { name?: string }).name !== 'InvalidPlacementGroup.Duplicate') throw e;
    }
    this.groups.add(name);
    return name;
  }

  private async dropJobGroup(job: string): Promise<void> {
    for (const g of this.groups) {
      if (!g.endsWith(`-${job}`)) continue;
      try { await this.send('DeletePlacementGroup', new DeletePlacementGroupCommand({ GroupName: g })); this.groups.delete(g); } catch (e) {
        this.o.log.debug({ group: g, err: (e as Error).message }, 'placement group not deleted yet');
      }
    }
  }

  /**
   * The launch template for a queue's instances; with `efaType`, a template of fleetq's own whose
   * network interfaces are EFA, one per network card of that type (EFA cannot be set in a fleet's
   * overrides). Made once, found by name after a restart.
   */
  private async template(queue: string, cfg: Ec2QueueConfig, efaType: string): Promise<FleetLaunchTemplateSpecificationRequest> {
    const name = `fleetq-${this.o.cluster}-${queue}${efaType ? `-efa-${efaType}` : ''}`;
    const known = this.templates.get(name);
    if (known) return known;
    if (cfg.launch_template !== '' && !efaType) {
      const spec = cfg.launch_template.startsWith('lt-') ? { LaunchTemplateId: cfg.launch_template, Version: '$Latest' } : { LaunchTemplateName: cfg.launch_template, Version: '$Latest' };
      this.templates.set(name, spec);
      return spec;
    }
    const exists = await this.send<{ LaunchTemplates?: unknown[] }>('DescribeLaunchTemplates', new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [name] }] }));
    if ((exists.LaunchTemplates ?? []).length === 0) {
      let data: RequestLaunchTemplateData;
      if (cfg.launch_template !== '') {
        const src = cfg.launch_template.startsWith('lt-') ? { LaunchTemplateId: cfg.launch_template } : { LaunchTemplateName: cfg.launch_template };
        const v = await this.send<{ LaunchTemplateVersions?: Array<{ LaunchTemplateData?: RequestLaunchTemplateData }> }>('DescribeLaunchTemplateVersions', new DescribeLaunchTemplateVersionsCommand({ ...src, Versions: ['$Latest'] }));
        data = { ...(v.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {}) };
      } else {
        const text = this.o.userData?.(queue) ?? cfg.user_data;
        data = { ImageId: cfg.image_id, ...(text ? { UserData: Buffer.from(text).toString('base64') } : {}) };
      }
      if (efaType) {
        const cards = Math.max(1, this.facts.get(efaType)?.network_cards ?? 1);
        data.NetworkInterfaces = Array.from({ length: Math.min(cards, this.facts.get(efaType)?.max_efa || 1) }, (_, c) => ({
          NetworkCardIndex: c, DeviceIndex: c === 0 ? 0 : 1, InterfaceType: 'efa', DeleteOnTermination: true,
          ...(data.SecurityGroupIds ? { Groups: data.SecurityGroupIds } : {}),
        }));
        delete data.SecurityGroupIds; // they go on the interfaces
      }
      try {
        await this.send('CreateLaunchTemplate', new CreateLaunchTemplateCommand({
          LaunchTemplateName: name, LaunchTemplateData: data,
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'fleetq:cluster', Value: this.o.cluster }, { Key: 'fleetq:queue', Value: queue }] }],
        }));
      } catch (e) {
        if (!/AlreadyExists/.test((e as { name?: string }).name ?? '')) throw e;
      }
    }
    const spec = { LaunchTemplateName: name, Version: '$Latest' };
    this.templates.set(name, spec);
    return spec;
  }
}

function typeFacts(t: InstanceTypeInfo): TypeFacts {
  return {
    type: String(t.InstanceType),
    vcpus: t.VCpuInfo?.DefaultVCpus ?? 0,
    cores: t.VCpuInfo?.DefaultCores ?? t.VCpuInfo?.DefaultVCpus ?? 0,
    mem_bytes: (t.MemoryInfo?.SizeInMiB ?? 0) * 2 ** 20,
    gpus: (t.GpuInfo?.Gpus ?? []).reduce((s, g) => s + (g.Count ?? 0), 0),
    max_efa: t.NetworkInfo?.EfaSupported ? t.NetworkInfo.EfaInfo?.MaximumEfaInterfaces ?? 1 : 0,
    network_cards: t.NetworkInfo?.MaximumNetworkCards ?? 1,
    placement: (t.PlacementGroupInfo?.SupportedStrategies ?? []).map(String),
  };
}

function toInstance(i: Instance): Ec2Instance | undefined {
  if (!i.InstanceId) return undefined;
  const tag = (k: string): string => i.Tags?.find((t) => t.Key === k)?.Value ?? '';
  return {
    id: i.InstanceId, queue: tag('fleetq:queue'), job: tag('fleetq:job'), type: String(i.InstanceType ?? ''),
    lifecycle: i.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand', zone: i.Placement?.AvailabilityZone ?? '', group: i.Placement?.GroupName ?? '',
    state: i.State?.Name ?? '', private_ip: i.PrivateIpAddress ?? '', launched_unix: Math.floor((i.LaunchTime?.getTime() ?? Date.now()) / 1000),
  };
}

/** The errors of a failed ladder in a line: codes counted, with the pools they came from. */
function summarize(errors: readonly FleetError[]): string {
  if (errors.length === 0) return 'EC2 launched nothing and said nothing';
  const by = new Map<string, string[]>();
  for (const e of errors) by.set(e.code, [...(by.get(e.code) ?? []), [e.lifecycle, e.type, e.zone].filter((x) => x).join(' ')]);
  return [...by].map(([code, where]) => `${code} (${[...new Set(where)].join(', ')})`).join('; ');
}
