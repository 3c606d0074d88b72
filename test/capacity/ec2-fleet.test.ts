/**
 * The EC2 provider's pure parts: the queue configuration (every bad value named by its key), a
 * job's demand, which instance types fit, the ladder of fleet attempts, the CreateFleet request
 * (all or nothing for multi-node jobs, placement group, tags, strategies) and reading the answer
 * (errors with success count as success; partial is not met).
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { compileEc2Queue } from '../../src/capacity/ec2/config.js';
import { attempts, backoffMs, demandOf, fittingTypes, fleetRequest, readFleet, type TypeFacts } from '../../src/capacity/ec2/fleet.js';

const base = { instance_types: ['c5n.18xlarge', 'hpc6a.48xlarge'], subnets: ['subnet-0a', 'subnet-0b'], launch_template: 'fleetq-compute' };
const GiB = 2 ** 30;
const FACTS = new Map<string, TypeFacts>([
  ['c5n.18xlarge', { type: 'c5n.18xlarge', vcpus: 72, cores: 36, mem_bytes: 192 * GiB, gpus: 0, max_efa: 1, network_cards: 1, placement: ['cluster', 'partition', 'spread'] }],
  ['hpc6a.48xlarge', { type: 'hpc6a.48xlarge', vcpus: 96, cores: 96, mem_bytes: 384 * GiB, gpus: 0, max_efa: 1, network_cards: 1, placement: ['cluster', 'partition', 'spread'] }],
  ['m5.large', { type: 'm5.large', vcpus: 2, cores: 1, mem_bytes: 8 * GiB, gpus: 0, max_efa: 0, network_cards: 1, placement: ['cluster', 'partition', 'spread'] }],
  ['t3.micro', { type: 't3.micro', vcpus: 2, cores: 1, mem_bytes: 1 * GiB, gpus: 0, max_efa: 0, network_cards: 1, placement: ['partition', 'spread'] }],
]);
const chunk = (count: number, ncpus: number, other: Record<string, string> = {}) => ({ count, ncpus, mem_bytes: 0, ngpus: 0, other });

test('config: defaults, and an EC2 queue in the YAML file or FLEETQ_QUEUES', (t) => {
  const q = compileEc2Queue('q', base);
  t.is(q.capacity_type, 'on-demand');
  t.is(q.spot_allocation, 'price-capacity-optimized');
  t.is(q.on_demand_allocation, 'lowest-price');
  t.is(q.placement_group, 'job');
  t.is(q.max_nodes, 16);
  t.is(q.idle_time_s, 600);
  t.true(q.efa);
  t.deepEqual(q.instance_types.map((x) => [x.type, x.priority]), [['c5n.18xlarge', 0], ['hpc6a.48xlarge', 1]]);
  const home = mkdtempSync(join(tmpdir(), 'fq-ec2cfg-'));
  const c = loadConfig({ FLEETQ_HOME: home, FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' }, { name: 'hpc', provider: 'ec2', ec2: { ...base, capacity_type: 'spot-then-on-demand', idle_time: '90s', instance_types: [{ type: 'c5n.18xlarge', price: 3.888 }] } }]), FLEETQ_EC2_ENDPOINT: 'http://127.0.0.1:5000' });
  t.is(c.queues[0]?.provider, 'local');
  t.is(c.queues[1]?.provider, 'ec2');
  t.is(c.queues[1]?.ec2?.capacity_type, 'spot-then-on-demand');
  t.is(c.queues[1]?.ec2?.idle_time_s, 90);
  t.is(c.queues[1]?.ec2?.instance_types[0]?.price, 3.888);
  t.is(c.ec2.endpoint, 'http://127.0.0.1:5000');
});

test('config: every bad value is refused naming its key', (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...base, instance_types: [] }, /q\.instance_types: must be a non-empty list/],
    [{ ...base, instance_types: ['c5n'] }, /q\.instance_types\[0\]: 'c5n' is not an EC2 instance type/],
    [{ ...base, instance_types: ['c5n.18xlarge', 'c5n.18xlarge'] }, /q\.instance_types\[1\]: c5n\.18xlarge is listed twice/],
    [{ ...base, instance_types: [{ type: 'c5n.18xlarge', price: -1 }] }, /q\.instance_types\[0\]\.price: '-1' is not a price/],
    [{ ...base, instance_types: [{ type: 'c5n.18xlarge', colour: 'red' }] }, /q\.instance_types\[0\]: unknown keys colour/],
    [{ ...base, subnets: ['sub-1'] }, /q\.subnets\[0\]: 'sub-1' is not a subnet id/],
    [{ ...base, launch_template: undefined }, /q: needs launch_template .* or image_id/],
    [{ ...base, image_id: 'ami-0123' }, /launch_template and image_id exclude each other/],
    [{ instance_types: ['m5.large'], subnets: ['subnet-1'], image_id: 'img-1' }, /q\.image_id: 'img-1' is not an image id/],
    [{ ...base, capacity_type: 'reserved' }, /q\.capacity_type: 'reserved' is not one of spot, on-demand, spot-then-on-demand/],
    [{ ...base, spot_allocation: 'cheapest' }, /q\.spot_allocation: 'cheapest' is not one of/],
    [{ ...base, on_demand_allocation: 'capacity-optimized' }, /q\.on_demand_allocation: 'capacity-optimized' is not one of lowest-price, prioritized/],
    [{ ...base, max_nodes: 0 }, /q\.max_nodes: 0 is out of range 1\.\.10000/],
    [{ ...base, max_nodes: 'many' }, /q\.max_nodes: 'many' is not a whole number/],
    [{ ...base, placement_group: 'rack' }, /q\.placement_group: 'rack' is not one of job, queue, partition, spread, none/],
    [{ ...base, partitions: 9 }, /q\.partitions: 9 is out of range 1\.\.7/],
    [{ ...base, efa: 'maybe' }, /q\.efa: 'maybe' is not true or false/],
    [{ ...base, idle_time: 'soon' }, /q\.idle_time/],
    [{ ...base, user_data: 'x'.repeat(17 * 1024) }, /q\.user_data: 17408 bytes is over EC2's 16 KB/],
    [{ ...base, zones: ['us-east-1a'] }, /q: unknown keys zones/],
  ];
  for (const [raw, msg] of bad) t.throws(() => compileEc2Queue('q', raw), { message: msg }, JSON.stringify(raw).slice(0, 120));
  const home = mkdtempSync(join(tmpdir(), 'fq-ec2cfg-'));
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_QUEUES: '[{name: workq, provider: gcp}]' }), { message: /queues\[0\]\.provider: 'gcp' is not local, ec2 or pcluster/ });
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_QUEUES: '[{name: workq, ec2: {}}]' }), { message: /queues\[0\]\.ec2: only for a queue with provider ec2/ });
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_QUEUES: '[{name: workq, provider: ec2}]' }), { message: /queues\[0\]\.ec2: must be a mapping/ });
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_EC2_ENDPOINT: 'localhost:5000' }), { message: /ec2\.endpoint: 'localhost:5000' is not an http\(s\) URL/ });
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_EC2_REGION: 'mars' }), { message: /ec2\.region: 'mars' is not an AWS region/ });
  t.throws(() => loadConfig({ FLEETQ_HOME: home, FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' }, { name: 'hpc', provider: 'ec2', ec2: { instance_types: ['c5n.18xlarge'], subnets: ['subnet-0a'], image_id: 'ami-0abc' } }]) }),
    { message: /ec2\.agent_server: queue hpc launches image ami-0abc with fleetq's user data/ });
});

test('demand: one node per chunk, sized for the largest; place=pack puts it all on one; efa=true is seen', (t) => {
  t.deepEqual(demandOf('1.s', 'hpc', [chunk(4, 36, { efa: 'true' })], ''), { job: '1.s', queue: 'hpc', nodes: 4, ncpus: 36, mem_bytes: 0, ngpus: 0, efa: true });
  t.deepEqual(demandOf('2.s', 'hpc', [chunk(1, 8), chunk(2, 4)], 'scatter'), { job: '2.s', queue: 'hpc', nodes: 3, ncpus: 8, mem_bytes: 0, ngpus: 0, efa: false });
  t.deepEqual(demandOf('3.s', 'hpc', [chunk(1, 8), chunk(2, 4)], 'pack'), { job: '3.s', queue: 'hpc', nodes: 1, ncpus: 16, mem_bytes: 0, ngpus: 0, efa: false });
});

test('fitting types: cpus, memory, EFA and cluster placement decide; the reason names each type', (t) => {
  const q = compileEc2Queue('q', { ...base, instance_types: ['c5n.18xlarge', 'hpc6a.48xlarge', 'm5.large', 't3.micro', 'x9.huge'] });
  t.deepEqual(fittingTypes(q, demandOf('j', 'q', [chunk(4, 80)], ''), FACTS).types.map((x) => x.type), ['hpc6a.48xlarge']);
  const none = fittingTypes(q, demandOf('j', 'q', [chunk(2, 2, { efa: 'true' })], ''), FACTS);
  t.deepEqual(none.types.map((x) => x.type), ['c5n.18xlarge', 'hpc6a.48xlarge']);
  t.regex(none.why, /m5\.large: no EFA.*t3\.micro: no EFA.*x9\.huge: unknown to EC2/);
  // Two nodes of t3.micro would need a cluster group, which burstable types do not have.
  t.regex(fittingTypes(q, demandOf('j', 'q', [chunk(2, 1)], ''), FACTS).why, /t3\.micro: no cluster placement groups/);
  t.true(fittingTypes(q, demandOf('j', 'q', [chunk(1, 1)], ''), FACTS).types.some((x) => x.type === 't3.micro'), 'one node needs no group');
  t.regex(fittingTypes(compileEc2Queue('q', { ...base, efa: false }), demandOf('j', 'q', [chunk(1, 1, { efa: 'true' })], ''), FACTS).why, /queue has efa off/);
});

test('ladder: spot then on-demand, one subnet at a time for coupled jobs, all subnets at once for one node', (t) => {
  const q = compileEc2Queue('q', { ...base, capacity_type: 'spot-then-on-demand' });
  const types = q.instance_types;
  const multi = attempts(q, demandOf('j', 'q', [chunk(4, 36)], ''), types);
  t.deepEqual(multi.map((a) => [a.lifecycle, a.subnets.join('+')]), [['spot', 'subnet-0a'], ['spot', 'subnet-0b'], ['on-demand', 'subnet-0a'], ['on-demand', 'subnet-0b']]);
  const single = attempts(q, demandOf('j', 'q', [chunk(1, 4)], ''), types);
  t.deepEqual(single.map((a) => [a.lifecycle, a.subnets.join('+')]), [['spot', 'subnet-0a+subnet-0b'], ['on-demand', 'subnet-0a+subnet-0b']]);
  const efa1 = attempts(q, demandOf('j', 'q', [chunk(1, 4, { efa: 'true' })], ''), types);
  t.is(efa1.length, 4, 'EFA keeps to one subnet per attempt even for one node');
});

test('fleet request: instant, all or nothing in one zone, the group in every override, strategies, tags', (t) => {
  const q = compileEc2Queue('q', { ...base, on_demand_allocation: 'prioritized' });
  const d = demandOf('7.srv', 'hpc', [chunk(4, 36, { efa: 'true' })], '');
  const [a] = attempts(q, d, q.instance_types);
  const r = fleetRequest(q, d, a!, { cluster: 'srv', group: 'fleetq-srv-hpc-7.srv', clientToken: 'tok', template: (ty) => ({ LaunchTemplateName: `lt-${ty}`, Version: '$Latest' }) });
  t.is(r.Type, 'instant');
  t.is(r.ClientToken, 'tok');
  t.deepEqual(r.OnDemandOptions, { AllocationStrategy: 'prioritized', SingleAvailabilityZone: true, MinTargetCapacity: 4, SingleInstanceType: true });
  t.is(r.SpotOptions, undefined);
  t.deepEqual(r.TargetCapacitySpecification, { TotalTargetCapacity: 4, DefaultTargetCapacityType: 'on-demand', OnDemandTargetCapacity: 4 });
  t.deepEqual(r.LaunchTemplateConfigs?.map((c) => [c.LaunchTemplateSpecification?.LaunchTemplateName, c.Overrides?.map((o) => [o.InstanceType, o.SubnetId, o.Priority, o.Placement?.GroupName])]), [
    ['lt-c5n.18xlarge', [['c5n.18xlarge', 'subnet-0a', 0, 'fleetq-srv-hpc-7.srv']]],
    ['lt-hpc6a.48xlarge', [['hpc6a.48xlarge', 'subnet-0a', 1, 'fleetq-srv-hpc-7.srv']]],
  ]);
  const tags = Object.fromEntries((r.TagSpecifications?.[0]?.Tags ?? []).map((x) => [x.Key, x.Value]));
  t.deepEqual(tags, { 'Name': 'fleetq-srv-hpc', 'fleetq:cluster': 'srv', 'fleetq:queue': 'hpc', 'fleetq:job': '7.srv' });
  t.is(r.TagSpecifications?.[0]?.ResourceType, 'instance');
  // Spot: the same options; one node: no minimum, no group.
  const s = compileEc2Queue('q', { ...base, instance_types: ['c5n.18xlarge'], capacity_type: 'spot' });
  const [sa] = attempts(s, d, s.instance_types);
  const sr = fleetRequest(s, d, sa!, { cluster: 'srv', group: 'g', clientToken: 't', template: () => ({ LaunchTemplateName: 'x' }) });
  t.deepEqual(sr.SpotOptions, { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate', SingleAvailabilityZone: true, MinTargetCapacity: 4, SingleInstanceType: true });
  const one = demandOf('8.srv', 'hpc', [chunk(1, 4)], '');
  const [oa] = attempts(s, one, s.instance_types);
  const or = fleetRequest(s, one, oa!, { cluster: 'srv', group: '', clientToken: 't', template: () => ({ LaunchTemplateName: 'x' }) });
  t.deepEqual(or.SpotOptions, { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate' });
  t.is(or.LaunchTemplateConfigs?.[0]?.Overrides?.[0]?.Placement, undefined);
});

test('reading the answer: instances decide, errors with success are still success, short is not met', (t) => {
  const ok = readFleet({ Instances: [{ InstanceIds: ['i-1', 'i-2'], InstanceType: 'c5n.18xlarge', Lifecycle: 'spot' }, { InstanceIds: ['i-3', 'i-4'], InstanceType: 'hpc6a.48xlarge' }],
    Errors: [{ ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'none left', Lifecycle: 'spot', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'c5n.9xlarge', AvailabilityZone: 'us-east-1a' } } }] }, 4, 'spot');
  t.true(ok.met);
  t.is(ok.instances.length, 4);
  t.deepEqual(ok.instances[2], { id: 'i-3', type: 'hpc6a.48xlarge', lifecycle: 'spot' });
  t.deepEqual(ok.errors[0], { code: 'InsufficientInstanceCapacity', message: 'none left', type: 'c5n.9xlarge', zone: 'us-east-1a', lifecycle: 'spot' });
  const short = readFleet({ Instances: [{ InstanceIds: ['i-1'], InstanceType: 'c5n.18xlarge' }], Errors: [{ ErrorCode: 'InsufficientInstanceCapacity' }] }, 4, 'on-demand');
  t.false(short.met);
  t.true(short.capacityShort);
  const refused = readFleet({ Errors: [{ ErrorCode: 'InvalidLaunchTemplateName.NotFoundException' }] }, 1, 'on-demand');
  t.false(refused.met);
  t.false(refused.capacityShort);
  t.true(readFleet({}, 1, 'spot').capacityShort, 'nothing and no reason: try again');
});

test('backoff: 5 s doubling, capped at 5 min, jittered ±20 %', (t) => {
  t.is(backoffMs(0, () => 0.5), 5000);
  t.is(backoffMs(3, () => 0.5), 40_000);
  t.is(backoffMs(20, () => 0.5), 300_000);
  t.is(backoffMs(0, () => 0), 4000);
  t.is(backoffMs(0, () => 1), 6000);
});
