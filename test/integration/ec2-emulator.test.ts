/**
 * The EC2 emulator the EC2 capacity provider is tested against (test/fixtures/ec2/emulator.py),
 * tested through the AWS SDK v3 as the provider will use it: placement groups, instant fleets with
 * per-zone capacity, all-or-nothing and fallback, spot, the pending state, instance topology,
 * capacity given back on termination, the request log and reset. One emulator for the file, reset
 * before each test; the tests are serial because they share it.
 */
import test, { type ExecutionContext } from 'ava';
import {
  CreateFleetCommand, CreateLaunchTemplateCommand, CreatePlacementGroupCommand, DeleteFleetsCommand, DeletePlacementGroupCommand,
  DescribeImagesCommand, DescribeInstanceTopologyCommand, DescribeInstanceTypesCommand, DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand, DescribePlacementGroupsCommand, DescribeSpotPriceHistoryCommand, DescribeSubnetsCommand,
  RunInstancesCommand, TerminateInstancesCommand,
  type CreateFleetCommandInput, type CreateFleetCommandOutput, type EC2Client, type FleetLaunchTemplateOverridesRequest, type Instance,
  type LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
} from '@aws-sdk/client-ec2';
import { startEc2Emulator, type Ec2Emulator } from '../helpers/ec2.js';

const PENDING_MS = 300;
let emu: Ec2Emulator;
let ec2: EC2Client;
let ami: string;

test.before(async () => {
  emu = await startEc2Emulator({ pendingMs: PENDING_MS, nodesPerBottom: 4 });
  ec2 = emu.client();
  // One of moto's stock AMIs; they survive resets.
  const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images ?? [];
  ami = images[0]?.ImageId ?? '';
  if (!ami.startsWith('ami-')) throw new Error(`DescribeImages gave no x86_64 AMI of amazon's: ${JSON.stringify(images.slice(0, 3))}`);
});
test.after.always(async () => { ec2?.destroy(); await emu?.stop(); });
test.beforeEach(async () => { await emu.reset(); });

// ---- small helpers ------------------------------------------------------------------------------

type Override = FleetLaunchTemplateOverridesRequest;
const EFA: LaunchTemplateInstanceNetworkInterfaceSpecificationRequest[] = [{ DeviceIndex: 0, NetworkCardIndex: 0, InterfaceType: 'efa' }];

async function template(name: string, data: { groupName?: string; efa?: boolean } = {}): Promise<string> {
  const r = await ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: name,
    LaunchTemplateData: { ImageId: ami, ...(data.groupName ? { Placement: { GroupName: data.groupName } } : {}), ...(data.efa ? { NetworkInterfaces: EFA } : {}) },
  }));
  return r.LaunchTemplate!.LaunchTemplateId!;
}

async function group(name: string, strategy: 'cluster' | 'partition' | 'spread' = 'cluster', partitions?: number): Promise<void> {
  await ec2.send(new CreatePlacementGroupCommand({ GroupName: name, Strategy: strategy, PartitionCount: partitions }));
}

/** The default subnet of each zone. */
async function subnets(): Promise<Record<string, string>> {
  const r = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  return Object.fromEntries((r.Subnets ?? []).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
}

/** An instant fleet of `count` from one launch template; on-demand unless `spot`. */
function fleet(lt: string, overrides: FleetLaunchTemplateOverridesRequest[], count: number,
  o: { spot?: boolean; allOrNothing?: boolean; singleZone?: boolean; strategy?: string; extra?: Partial<CreateFleetCommandInput> } = {}): Promise<CreateFleetCommandOutput> {
  const options = { AllocationStrategy: o.strategy, SingleAvailabilityZone: o.singleZone ?? o.allOrNothing, MinTargetCapacity: o.allOrNothing ? count : undefined };
  return ec2.send(new CreateFleetCommand({
    Type: 'instant',
    LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: lt, Version: '$Latest' }, Overrides: overrides }],
    TargetCapacitySpecification: { TotalTargetCapacity: count, DefaultTargetCapacityType: o.spot ? 'spot' : 'on-demand' },
    ...(o.spot ? { SpotOptions: { ...options, AllocationStrategy: (o.strategy ?? 'capacity-optimized') as 'capacity-optimized' } }
      : { OnDemandOptions: { ...options, AllocationStrategy: o.strategy as 'prioritized' | undefined } }),
    ...o.extra,
  }));
}

const idsOf = (r: CreateFleetCommandOutput): string[] => (r.Instances ?? []).flatMap((i) => i.InstanceIds ?? []);
const errorsOf = (r: CreateFleetCommandOutput): string[] =>
  (r.Errors ?? []).map((e) => `${e.Lifecycle} ${e.LaunchTemplateAndOverrides?.Overrides?.InstanceType} ${e.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone} ${e.ErrorCode}`);
/** Instance ids per zone, sorted: what a test compares. */
const zonesOf = (instances: Instance[]): Record<string, number> =>
  instances.reduce<Record<string, number>>((a, i) => ({ ...a, [i.Placement!.AvailabilityZone!]: (a[i.Placement!.AvailabilityZone!] ?? 0) + 1 }), {});

async function describe(ids: string[]): Promise<Instance[]> {
  if (ids.length === 0) return [];
  const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return (r.Reservations ?? []).flatMap((res) => res.Instances ?? []);
}

async function allInstances(): Promise<Instance[]> {
  const r = await ec2.send(new DescribeInstancesCommand({}));
  return (r.Reservations ?? []).flatMap((res) => res.Instances ?? []);
}

async function untilRunning(t: ExecutionContext, ids: string[], ms = 5000): Promise<Instance[]> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await describe(ids);
    if (got.length === ids.length && got.every((i) => i.State?.Name === 'running')) return got;
    if (Date.now() > end) { t.fail(`expected ${ids.length} running instances within ${ms} ms, got ${JSON.stringify(got.map((i) => [i.InstanceId, i.State?.Name]))}`); return got; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- placement groups -----------------------------------------------------------------------------

test.serial('placement groups: created, described and deleted, with EC2 error codes', async (t) => {
  await group('cpg');
  await group('ppg', 'partition', 3);
  const created = await ec2.send(new CreatePlacementGroupCommand({ GroupName: 'spg', Strategy: 'spread' }));
  t.like(created.PlacementGroup, { GroupName: 'spg', Strategy: 'spread', State: 'available', SpreadLevel: 'rack' });
  t.regex(created.PlacementGroup?.GroupId ?? '', /^pg-[0-9a-f]{17}$/);

  const all = (await ec2.send(new DescribePlacementGroupsCommand({}))).PlacementGroups ?? [];
  t.deepEqual(all.map((g) => [g.GroupName, g.Strategy, g.PartitionCount]).sort(), [['cpg', 'cluster', undefined], ['ppg', 'partition', 3], ['spg', 'spread', undefined]]);
  const partitions = await ec2.send(new DescribePlacementGroupsCommand({ Filters: [{ Name: 'strategy', Values: ['partition'] }] }));
  t.deepEqual(partitions.PlacementGroups?.map((g) => g.GroupName), ['ppg']);

  await t.throwsAsync(group('cpg'), { name: 'InvalidPlacementGroup.Duplicate', message: /'cpg' already exists/ });
  await t.throwsAsync(ec2.send(new DescribePlacementGroupsCommand({ GroupNames: ['nope'] })), { name: 'InvalidPlacementGroup.Unknown' });
  await t.throwsAsync(group('bad', 'cluster', 2), { name: 'InvalidParameterCombination' });

  await ec2.send(new DeletePlacementGroupCommand({ GroupName: 'cpg' }));
  await t.throwsAsync(ec2.send(new DeletePlacementGroupCommand({ GroupName: 'cpg' })), { name: 'InvalidPlacementGroup.Unknown' });
  t.deepEqual((await ec2.send(new DescribePlacementGroupsCommand({}))).PlacementGroups?.map((g) => g.GroupName).sort(), ['ppg', 'spg']);
});

// ---- instant fleets ---------------------------------------------------------------------------------

test.serial('an all-or-nothing fleet launches 4 c5n.18xlarge in its placement group and zone, pending then running', async (t) => {
  await group('cpg');
  const lt = await template('compute', { efa: true });
  const subnet = (await subnets())['us-east-1b']!;
  const r = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', SubnetId: subnet, Placement: { GroupName: 'cpg' } }], 4, {
    allOrNothing: true, extra: { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'fleetq:job', Value: '42' }] }] },
  });
  t.deepEqual(r.Errors ?? [], []);
  t.is(r.Instances?.length, 1, 'one entry per override and lifecycle');
  t.like(r.Instances?.[0], { Lifecycle: 'on-demand', InstanceType: 'c5n.18xlarge', LaunchTemplateAndOverrides: { Overrides: { SubnetId: subnet, AvailabilityZone: 'us-east-1b' } } });
  const ids = idsOf(r);
  t.is(ids.length, 4);

  const fresh = await describe(ids);
  t.deepEqual(fresh.map((i) => i.State), ids.map(() => ({ Code: 0, Name: 'pending' })));
  for (const i of fresh) {
    t.like(i, { InstanceType: 'c5n.18xlarge', SubnetId: subnet, Placement: { GroupName: 'cpg', AvailabilityZone: 'us-east-1b' } });
    t.is(i.InstanceLifecycle, undefined, 'on-demand instances have no InstanceLifecycle');
    t.is(i.NetworkInterfaces?.[0]?.InterfaceType, 'efa');
    t.deepEqual(Object.fromEntries((i.Tags ?? []).map((x) => [x.Key, x.Value])), {
      'fleetq:job': '42', 'aws:ec2:fleet-id': r.FleetId, 'aws:ec2launchtemplate:id': lt, 'aws:ec2launchtemplate:version': '1',
    });
  }
  const running = await untilRunning(t, ids);
  t.deepEqual(running.map((i) => i.State), ids.map(() => ({ Code: 16, Name: 'running' })));
  t.deepEqual((await emu.instances()).map((i) => [i.groupName, i.zone, i.networkInterfaces]), ids.map(() => ['cpg', 'us-east-1b', EFA]));
  const inGroup = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'placement-group-name', Values: ['cpg'] }] }));
  t.is(inGroup.Reservations?.flatMap((x) => x.Instances ?? []).length, 4);
});

test.serial('with capacity for 3 in the zone, the all-or-nothing fleet of 4 launches nothing and reports InsufficientInstanceCapacity', async (t) => {
  const lt = await template('compute', { groupName: 'cpg' });
  await group('cpg');
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 3 });
  const r = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a' }], 4, { allOrNothing: true });
  t.deepEqual(idsOf(r), []);
  t.deepEqual(errorsOf(r), ['on-demand c5n.18xlarge us-east-1a InsufficientInstanceCapacity']);
  t.regex(r.Errors?.[0]?.ErrorMessage ?? '', /sufficient c5n\.18xlarge capacity .*us-east-1a/);
  t.deepEqual(await allInstances(), []);
  t.deepEqual(await emu.capacity(), [{ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', lifecycle: null, available: 3 }], 'nothing taken');

  const three = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a' }], 3, { allOrNothing: true });
  t.is(idsOf(three).length, 3);
  t.deepEqual((await describe(idsOf(three))).map((i) => i.Placement?.GroupName), ['cpg', 'cpg', 'cpg'], 'the group comes from the launch template');
  t.is((await emu.capacity())[0]?.available, 0);
});

test.serial('a single-zone fleet falls back to a zone with capacity; without SingleAvailabilityZone it fills from both and still reports the short pool', async (t) => {
  const lt = await template('compute');
  const net = await subnets();
  const overrides: Override[] = ['us-east-1a', 'us-east-1b'].map((z) => ({ InstanceType: 'c5n.18xlarge', SubnetId: net[z]! }));
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 2 });

  const single = await fleet(lt, overrides, 4, { allOrNothing: true });
  t.deepEqual(zonesOf(await describe(idsOf(single))), { 'us-east-1b': 4 });
  t.deepEqual(errorsOf(single), ['on-demand c5n.18xlarge us-east-1a InsufficientInstanceCapacity']);

  const spread = await fleet(lt, overrides, 4);
  t.deepEqual(zonesOf(await describe(idsOf(spread))), { 'us-east-1a': 2, 'us-east-1b': 2 });
  t.deepEqual(spread.Instances?.map((i) => [i.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, i.InstanceIds?.length]), [['us-east-1a', 2], ['us-east-1b', 2]]);
  t.deepEqual(errorsOf(spread), ['on-demand c5n.18xlarge us-east-1a InsufficientInstanceCapacity'], 'EC2 reports the short pool even when the total was met');
});

test.serial('on-demand prioritized takes the lowest Priority first; WeightedCapacity counts units', async (t) => {
  const lt = await template('compute');
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 1 });
  const r = await fleet(lt, [
    { InstanceType: 'c5n.9xlarge', AvailabilityZone: 'us-east-1a', Priority: 2 },
    { InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a', Priority: 1 },
  ], 3, { strategy: 'prioritized' });
  t.deepEqual(r.Instances?.map((i) => [i.InstanceType, i.InstanceIds?.length]), [['c5n.18xlarge', 1], ['c5n.9xlarge', 2]]);
  t.deepEqual(errorsOf(r), ['on-demand c5n.18xlarge us-east-1a InsufficientInstanceCapacity']);

  const weighted = await fleet(lt, [{ InstanceType: 'c5n.9xlarge', AvailabilityZone: 'us-east-1a', WeightedCapacity: 2 }], 4);
  t.is(idsOf(weighted).length, 2, '4 units of weight 2 are 2 instances');
});

test.serial('a spot fleet launches spot instances and draws on spot capacity only', async (t) => {
  const lt = await template('compute');
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', lifecycle: 'spot', available: 0 });
  const overrides: Override[] = ['us-east-1a', 'us-east-1b'].map((z) => ({ InstanceType: 'c5n.18xlarge', AvailabilityZone: z }));
  const spot = await fleet(lt, overrides, 2, { spot: true, allOrNothing: true, strategy: 'lowest-price' });
  t.deepEqual(spot.Instances?.map((i) => [i.Lifecycle, i.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone, i.InstanceIds?.length]), [['spot', 'us-east-1b', 2]]);
  t.deepEqual(errorsOf(spot), ['spot c5n.18xlarge us-east-1a InsufficientInstanceCapacity']);
  t.deepEqual((await describe(idsOf(spot))).map((i) => i.InstanceLifecycle), ['spot', 'spot']);
  const spotOnly = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-lifecycle', Values: ['spot'] }] }));
  t.is(spotOnly.Reservations?.flatMap((x) => x.Instances ?? []).length, 2);

  const onDemand = await fleet(lt, [overrides[0]!], 2, { allOrNothing: true });
  t.deepEqual(zonesOf(await describe(idsOf(onDemand))), { 'us-east-1a': 2 }, 'the spot limit does not hold on-demand back');
});

test.serial('fleet requests EC2 would refuse or cannot place are answered as EC2 does', async (t) => {
  const lt = await template('compute');
  await t.throwsAsync(fleet(lt, [{ InstanceType: 'c5n.18xlarge' }], 2, { extra: { OnDemandOptions: { MinTargetCapacity: 2 } } }), { name: 'InvalidParameterCombination' });
  const unknown = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', Placement: { GroupName: 'nope' } }], 2);
  t.deepEqual(idsOf(unknown), []);
  t.deepEqual(unknown.Errors?.map((e) => [e.ErrorCode, e.ErrorMessage]), [['InvalidPlacementGroup.Unknown', "The Placement Group 'nope' is unknown."]]);
});

// ---- instance topology ----------------------------------------------------------------------------------

test.serial('DescribeInstanceTopology: a cluster group\'s hpc7a share the upper layers, 4 to a bottom node; others have their own', async (t) => {
  await group('hpc');
  const lt = await template('hpc', { efa: true });
  const grouped = idsOf(await fleet(lt, [{ InstanceType: 'hpc7a.96xlarge', AvailabilityZone: 'us-east-1a', Placement: { GroupName: 'hpc' } }], 6, { allOrNothing: true }));
  const loner = idsOf(await fleet(lt, [{ InstanceType: 'hpc7a.96xlarge', AvailabilityZone: 'us-east-1a' }], 1));
  const c5n = idsOf(await fleet(lt, [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a', Placement: { GroupName: 'hpc' } }], 1));
  t.true(grouped.length === 6 && loner.length === 1 && c5n.length === 1);

  const pending = (await ec2.send(new DescribeInstanceTopologyCommand({ InstanceIds: grouped }))).Instances ?? [];
  t.deepEqual(pending.map((i) => i.NetworkNodes ?? []), grouped.map(() => []), 'no network nodes while pending');

  await untilRunning(t, [...grouped, ...loner, ...c5n]);
  const all = (await ec2.send(new DescribeInstanceTopologyCommand({}))).Instances ?? [];
  t.deepEqual(all.map((i) => i.InstanceId).sort(), [...grouped, ...loner].sort(), 'c5n has no topology');
  const nodes = new Map(all.map((i) => [i.InstanceId!, i.NetworkNodes ?? []]));
  const g = grouped.map((id) => nodes.get(id)!);
  t.true(g.every((n) => n.length === 3 && n.every((x) => /^nn-[0-9a-f]{17}$/.test(x))), JSON.stringify(g));
  t.is(new Set(g.map((n) => `${n[0]} ${n[1]}`)).size, 1, 'one group shares the top two layers');
  t.deepEqual(g.map((n) => n[2]), [g[0]![2], g[0]![2], g[0]![2], g[0]![2], g[4]![2], g[4]![2]], 'packed 4 per bottom node in launch order');
  t.not(g[0]![2], g[4]![2]);
  const alone = nodes.get(loner[0]!)!;
  t.is(alone.length, 3);
  t.true(alone.every((x) => !g.flat().includes(x)), 'an instance outside the group shares no node with it');
  t.like(all.find((i) => i.InstanceId === grouped[0]), { GroupName: 'hpc', AvailabilityZone: 'us-east-1a', InstanceType: 'hpc7a.96xlarge' });
  t.regex(all[0]?.ZoneId ?? '', /^use1-az\d$/);

  const byGroup = await ec2.send(new DescribeInstanceTopologyCommand({ GroupNames: ['hpc'] }));
  t.is(byGroup.Instances?.length, 6);
  const byType = await ec2.send(new DescribeInstanceTopologyCommand({ Filters: [{ Name: 'instance-type', Values: ['hpc7a.*'] }], MaxResults: 5 }));
  t.is(byType.Instances?.length, 5);
  const rest = await ec2.send(new DescribeInstanceTopologyCommand({ Filters: [{ Name: 'instance-type', Values: ['hpc7a.*'] }], MaxResults: 5, NextToken: byType.NextToken }));
  t.is(rest.Instances?.length, 2);
  t.is(rest.NextToken, undefined);

  await emu.config({ nodesPerBottom: 2 });
  const two = (await ec2.send(new DescribeInstanceTopologyCommand({ InstanceIds: grouped }))).Instances ?? [];
  t.is(new Set(two.map((i) => i.NetworkNodes?.[2])).size, 3, '6 instances at 2 per bottom node');
});

// ---- termination and capacity ------------------------------------------------------------------------------

test.serial('TerminateInstances gives capacity back; a termination from outside looks like a spot reclaim', async (t) => {
  const lt = await template('compute');
  const pool: Override[] = [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a' }];
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 4 });
  const four = idsOf(await fleet(lt, pool, 4, { allOrNothing: true }));
  t.is(four.length, 4);
  t.deepEqual(errorsOf(await fleet(lt, pool, 1)), ['on-demand c5n.18xlarge us-east-1a InsufficientInstanceCapacity']);

  const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: four.slice(0, 2) }));
  t.deepEqual(term.TerminatingInstances?.map((i) => i.InstanceId).sort(), four.slice(0, 2).sort());
  t.is((await emu.capacity())[0]?.available, 2);
  t.is(idsOf(await fleet(lt, pool, 2, { allOrNothing: true })).length, 2);

  await emu.terminate([four[2]!]);
  const [reclaimed] = await describe([four[2]!]);
  t.like(reclaimed, { State: { Name: 'terminated', Code: 48 }, StateReason: { Code: 'Server.SpotInstanceTermination' } });
  t.is((await emu.capacity())[0]?.available, 1);
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [four[2]!] }));
  t.is((await emu.capacity())[0]?.available, 1, 'terminating twice gives back once');
});

test.serial('moto still does the rest: RunInstances into a group, DeleteFleets, spot prices, instance types', async (t) => {
  await group('cpg');
  const ran = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'c5n.18xlarge', MinCount: 2, MaxCount: 2, Placement: { GroupName: 'cpg' } }));
  t.deepEqual(ran.Instances?.map((i) => [i.State?.Name, i.Placement?.GroupName]), [['pending', 'cpg'], ['pending', 'cpg']]);
  await t.throwsAsync(ec2.send(new RunInstancesCommand({ ImageId: ami, MinCount: 1, MaxCount: 1, Placement: { GroupName: 'nope' } })), { name: 'InvalidPlacementGroup.Unknown' });
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 1 });
  await t.throwsAsync(ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'c5n.18xlarge', MinCount: 2, MaxCount: 2 })), { name: 'InsufficientInstanceCapacity' });

  const lt = await template('compute');
  const f = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a' }], 1);
  t.is((await emu.capacity())[0]?.available, 0);
  const deleted = await ec2.send(new DeleteFleetsCommand({ FleetIds: [f.FleetId!], TerminateInstances: true }));
  t.is(deleted.SuccessfulFleetDeletions?.[0]?.CurrentFleetState, 'deleted_terminating');
  t.is((await describe(idsOf(f)))[0]?.State?.Name, 'terminated');
  t.is((await emu.capacity())[0]?.available, 1, 'DeleteFleets with TerminateInstances gives capacity back');

  const prices = await ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['c5n.18xlarge'] }));
  t.true((prices.SpotPriceHistory ?? []).some((p) => p.InstanceType === 'c5n.18xlarge' && p.AvailabilityZone?.startsWith('us-east-1')));
  const types = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['c5n.18xlarge'] }));
  t.is(types.InstanceTypes?.[0]?.NetworkInfo?.EfaSupported, true);
});

// ---- the control API ------------------------------------------------------------------------------------------

test.serial('the request log and call counts show what was sent', async (t) => {
  await group('cpg');
  const lt = await template('compute', { efa: true });
  const r = await fleet(lt, [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a', Placement: { GroupName: 'cpg' } }], 2, { allOrNothing: true });
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: idsOf(r) }));
  await describe(idsOf(r));

  t.deepEqual((await emu.requests()).map((x) => x.action), ['CreatePlacementGroup', 'CreateLaunchTemplate', 'CreateFleet', 'TerminateInstances']);
  t.deepEqual((await emu.requests('CreatePlacementGroup'))[0]?.params, { GroupName: 'cpg', Strategy: 'cluster' });
  const sent = (await emu.requests('CreateFleet'))[0]?.params;
  t.like(sent, {
    Type: 'instant',
    OnDemandOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 2 },
    TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'on-demand' },
    LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: lt, Version: '$Latest' },
      Overrides: [{ InstanceType: 'c5n.18xlarge', AvailabilityZone: 'us-east-1a', Placement: { GroupName: 'cpg' } }] }],
  });
  t.deepEqual((await emu.requests('TerminateInstances'))[0]?.params.InstanceIds, idsOf(r));
  t.like(await emu.calls(), { CreatePlacementGroup: 1, CreateLaunchTemplate: 1, CreateFleet: 1, TerminateInstances: 1, DescribeInstances: 1 });
});

test.serial('reset clears instances, templates, groups, capacity, the log and the config', async (t) => {
  await group('cpg');
  const lt = await template('compute');
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 0 });
  await emu.config({ pendingMs: 0, prices: { 'c5n.18xlarge': 3.888 }, honourMinTarget: false });
  await ec2.send(new RunInstancesCommand({ ImageId: ami, MinCount: 1, MaxCount: 1 }));

  await emu.reset();
  t.deepEqual(await allInstances(), []);
  t.deepEqual((await ec2.send(new DescribePlacementGroupsCommand({}))).PlacementGroups ?? [], []);
  t.deepEqual((await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [], []);
  t.deepEqual(await emu.capacity(), []);
  t.deepEqual(await emu.requests(), []);
  t.deepEqual(await emu.calls(), { DescribePlacementGroups: 1, DescribeLaunchTemplates: 1, DescribeInstances: 1 });
  t.deepEqual(await emu.config(), { pendingMs: PENDING_MS, nodesPerBottom: 4, prices: {}, honourMinTarget: true });
  await t.throwsAsync(ec2.send(new CreateFleetCommand({
    Type: 'instant', LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: lt, Version: '1' } }], TargetCapacitySpecification: { TotalTargetCapacity: 1 },
  })), { name: 'InvalidLaunchTemplateId.NotFound' }, 'the launch template is gone');
});
