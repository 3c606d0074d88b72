/**
 * The EC2 provider (src/capacity/ec2/provider.ts) against the EC2 emulator (moto, extended by
 * test/fixtures/ec2/emulator.py): the fleet requests it sends (types, zone, placement group, EFA
 * interfaces, tags, all-or-nothing minimum), all or nothing when capacity is short, fallback across
 * zones and from spot to on-demand, what it finds again after a restart (by tags), termination,
 * and jobs that can never be met. One emulator for the file, reset before each test.
 */
import test from 'ava';
import pino from 'pino';
import { DescribeImagesCommand, DescribeSubnetsCommand, CreateLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { startEc2Emulator, type Ec2Emulator } from '../helpers/ec2.js';
import { compileEc2Queue, type Ec2QueueConfig } from '../../src/capacity/ec2/config.js';
import { demandOf } from '../../src/capacity/ec2/fleet.js';
import { Ec2Provider } from '../../src/capacity/ec2/provider.js';
import { renderUserData } from '../../src/capacity/ec2/userdata.js';

let emu: Ec2Emulator;
let ec2: EC2Client;
let ami = '';
let zones: Record<string, string> = {}; // zone → its default subnet
const silent = pino({ level: 'silent' });

test.before(async () => {
  emu = await startEc2Emulator({ pendingMs: 200 });
  ec2 = emu.client();
  ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images?.[0]?.ImageId ?? '';
});
test.after.always(async () => { ec2?.destroy(); await emu?.stop(); });
test.beforeEach(() => fresh());
/** An emptied emulator with the default subnets (new ids after each reset) and the queue's launch template. */
async function fresh(): Promise<void> {
  await emu.reset();
  const r = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  zones = Object.fromEntries((r.Subnets ?? []).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'fleetq-compute', LaunchTemplateData: { ImageId: ami } }));
}

function provider(queue: Record<string, unknown>, cluster = 'it'): { p: Ec2Provider; cfg: Ec2QueueConfig } {
  const cfg = compileEc2Queue('q', { launch_template: 'fleetq-compute', subnets: [zones['us-east-1a'], zones['us-east-1b']], ...queue });
  const p = new Ec2Provider({ cluster, region: 'us-east-1', endpoint: emu.endpoint, queues: new Map([['hpc', cfg]]), log: silent, client: emu.client() });
  return { p, cfg };
}
const chunk = (count: number, ncpus: number, other: Record<string, string> = {}) => ({ count, ncpus, mem_bytes: 0, ngpus: 0, other });

test.serial('a 4-node EFA job: a cluster group, an EFA template, one all-or-nothing fleet in one zone, tagged; the instances are in the group', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge', 'hpc6a.48xlarge'] });
  await p.start();
  const r = await p.grow(demandOf('1.it', 'hpc', [chunk(4, 36, { efa: 'true' })], ''));
  t.true(r.ok, JSON.stringify(r));
  if (!r.ok) return;
  t.is(r.instances.length, 4);
  t.deepEqual([...new Set(r.instances.map((i) => i.zone))], ['us-east-1a'], 'one zone: the first subnet\'s');
  t.deepEqual([...new Set(r.instances.map((i) => i.group))], ['fleetq-it-hpc-1.it']);
  t.deepEqual([...new Set(r.instances.map((i) => `${i.queue}/${i.job}/${i.lifecycle}`))], ['hpc/1.it/on-demand']);
  const [pg] = await emu.requests('CreatePlacementGroup');
  t.like(pg?.params, { GroupName: 'fleetq-it-hpc-1.it', Strategy: 'cluster' });
  const [fleet, ...more] = await emu.requests('CreateFleet');
  t.is(more.length, 0, 'one fleet call');
  t.like(fleet?.params, { Type: 'instant', OnDemandOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 4 }, TargetCapacitySpecification: { TotalTargetCapacity: 4 } });
  const text = JSON.stringify(fleet?.params);
  t.regex(text, /fleetq-it-hpc-efa-c5n\.18xlarge/, 'the EFA template of fleetq\'s own');
  t.regex(text, /"GroupName":"fleetq-it-hpc-1\.it"/);
  t.regex(text, /"Key":"fleetq:job","Value":"1\.it"/);
  const seen = (await emu.instances()).filter((i) => r.instances.some((x) => x.id === i.instanceId));
  t.is(seen.length, 4);
  t.true(seen.every((i) => i.networkInterfaces.some((n) => n.InterfaceType === 'efa' || n.interface_type === 'efa' || JSON.stringify(n).includes('efa'))), JSON.stringify(seen[0]?.networkInterfaces));
});

test.serial('all or nothing: 3 free where 4 are needed launches nothing; the job is told to wait and why', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge'], subnets: [zones['us-east-1a']] });
  await p.start();
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 3 });
  const r = await p.grow(demandOf('2.it', 'hpc', [chunk(4, 36)], ''));
  t.false(r.ok);
  if (r.ok) return;
  t.true(r.retryAfterMs > 0, 'capacity: try again later');
  t.regex(r.why, /InsufficientInstanceCapacity/);
  t.is((await emu.instances()).filter((i) => i.state === 'pending' || i.state === 'running').length, 0, 'no instance left running');
  t.is(p.instances().length, 0);
});

test.serial('fallback: the next zone when the first is short, then on-demand when spot is short everywhere', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge'], capacity_type: 'spot-then-on-demand' });
  await p.start();
  await emu.setCapacity(
    { instanceType: 'c5n.18xlarge', zone: 'us-east-1a', lifecycle: 'spot', available: 1 },
    { instanceType: 'c5n.18xlarge', zone: 'us-east-1b', lifecycle: 'spot', available: 3 },
  );
  const spot = await p.grow(demandOf('3.it', 'hpc', [chunk(2, 36)], ''));
  t.true(spot.ok, JSON.stringify(spot));
  if (spot.ok) t.deepEqual(spot.instances.map((i) => `${i.zone}/${i.lifecycle}`), ['us-east-1b/spot', 'us-east-1b/spot']);
  const od = await p.grow(demandOf('4.it', 'hpc', [chunk(2, 36)], ''));
  t.true(od.ok, 'spot has 1 left in a and b: on-demand');
  if (od.ok) t.deepEqual(od.instances.map((i) => `${i.zone}/${i.lifecycle}`), ['us-east-1a/on-demand', 'us-east-1a/on-demand']);
  const ladder = (await emu.requests('CreateFleet')).map((r) => {
    const q = r.params as { TargetCapacitySpecification?: { DefaultTargetCapacityType?: string }; LaunchTemplateConfigs?: Array<{ Overrides?: Array<{ SubnetId?: string }> }> };
    return `${q.TargetCapacitySpecification?.DefaultTargetCapacityType} ${Object.entries(zones).find(([, s]) => s === q.LaunchTemplateConfigs?.[0]?.Overrides?.[0]?.SubnetId)?.[0]}`;
  });
  t.deepEqual(ladder, ['spot us-east-1a', 'spot us-east-1b', 'spot us-east-1a', 'spot us-east-1b', 'on-demand us-east-1a']);
});

test.serial('a restarted provider finds its instances by tag, not others\'; terminate gives them back', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge'] });
  await p.start();
  const r = await p.grow(demandOf('5.it', 'hpc', [chunk(2, 36)], ''));
  t.true(r.ok, JSON.stringify(r));
  const other = provider({ instance_types: ['c5n.18xlarge'] }, 'another').p;
  await other.start();
  t.true((await other.grow(demandOf('1.another', 'hpc', [chunk(1, 4)], ''))).ok);
  const again = provider({ instance_types: ['c5n.18xlarge'] }).p;
  await again.start();
  t.deepEqual(again.instances().map((i) => i.job).sort(), ['5.it', '5.it'], 'only this cluster\'s, with their job');
  await again.terminate(again.instances().map((i) => i.id), 'test');
  const after = provider({ instance_types: ['c5n.18xlarge'] }).p;
  await after.start();
  t.is(after.instances().length, 0);
});

test.serial('never: a job bigger than max_nodes or than any type is refused with the reason, without a call to CreateFleet', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge'], max_nodes: 4 });
  await p.start();
  t.regex(p.feasible(demandOf('6.it', 'hpc', [chunk(5, 4)], '')) ?? '', /5 nodes is over queue hpc's max_nodes 4/);
  t.regex(p.feasible(demandOf('6.it', 'hpc', [chunk(1, 200)], '')) ?? '', /c5n\.18xlarge: 72 vCPUs < ncpus=200/);
  const r = await p.grow(demandOf('6.it', 'hpc', [chunk(1, 200)], ''));
  t.false(r.ok);
  if (!r.ok) t.is(r.retryAfterMs, 0);
  t.is((await emu.requests('CreateFleet')).length, 0);
});

test.serial('spot price from the price history; on-demand from the queue\'s config', async (t) => {
  const { p } = provider({ instance_types: [{ type: 'c5n.18xlarge', price: 3.888 }] });
  await p.start();
  t.is(await p.price({ type: 'c5n.18xlarge', zone: 'us-east-1a', lifecycle: 'on-demand', queue: 'hpc' }), 3.888);
  const spot = await p.price({ type: 'c5n.18xlarge', zone: 'us-east-1a', lifecycle: 'spot', queue: 'hpc' });
  t.true(spot > 0, `spot price ${spot}`);
});

test.serial('a fleet that launches short of the job (all or nothing broken) is terminated at once; nothing is left running for the job', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge'], subnets: [zones['us-east-1a']] });
  await p.start();
  await emu.config({ honourMinTarget: false });
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 3 });
  const r = await p.grow(demandOf('9.it', 'hpc', [chunk(4, 36)], ''));
  t.false(r.ok);
  const launched = (await emu.instances());
  t.is(launched.length, 3, 'EC2 launched 3 of the 4');
  t.true(launched.every((i) => i.state === 'terminated' || i.state === 'shutting-down'), JSON.stringify(launched.map((i) => i.state)));
  t.like((await emu.requests('TerminateInstances'))[0]?.params, { InstanceIds: launched.map((i) => i.instanceId) });
  t.is(p.instances().length, 0);
});

test.serial('fallback across types: the first type short in the zone, one fleet of one type (a cluster group) fills from the next', async (t) => {
  const { p } = provider({ instance_types: ['c5n.18xlarge', 'hpc6a.48xlarge'], subnets: [zones['us-east-1a']] });
  await p.start();
  await emu.setCapacity({ instanceType: 'c5n.18xlarge', zone: 'us-east-1a', available: 1 });
  const r = await p.grow(demandOf('10.it', 'hpc', [chunk(2, 36)], ''));
  t.true(r.ok, JSON.stringify(r));
  if (r.ok) t.deepEqual(r.instances.map((i) => i.type), ['hpc6a.48xlarge', 'hpc6a.48xlarge']);
  t.is((await emu.requests('CreateFleet')).length, 1, 'one call: EC2 picks among the types');
});

test.serial('a queue with image_id: fleetq makes its launch template with the image and the user data that starts the agent, dialing the daemon', async (t) => {
  const cfg = compileEc2Queue('q', { image_id: ami, instance_types: ['c5n.18xlarge'], subnets: [zones['us-east-1a']] });
  const p = new Ec2Provider({ cluster: 'it', region: 'us-east-1', endpoint: emu.endpoint, queues: new Map([['hpc', cfg]]), log: silent, client: emu.client(),
    userData: (queue) => renderUserData(cfg.user_data, { server: '10.0.0.5:7000', token: 's3cret', cluster: 'it', queue }) });
  await p.start();
  const r = await p.grow(demandOf('11.it', 'hpc', [chunk(1, 4)], ''));
  t.true(r.ok, JSON.stringify(r));
  const lt = (await emu.requests('CreateLaunchTemplate')).find((r) => (r.params as { LaunchTemplateName?: string }).LaunchTemplateName === 'fleetq-it-hpc');
  t.like(lt?.params, { LaunchTemplateName: 'fleetq-it-hpc', LaunchTemplateData: { ImageId: ami } });
  const text = Buffer.from(String((lt?.params as { LaunchTemplateData?: { UserData?: string } }).LaunchTemplateData?.UserData ?? ''), 'base64').toString();
  t.regex(text, /^#!\/bin\/bash/);
  t.regex(text, /fleetq agent --node "\$\(hostname -s\)" --server '10\.0\.0\.5:7000'/);
  t.regex(text, /printf '%s' 's3cret' > \/var\/spool\/fleetq\/agent\.token/);
  t.regex(text, /--imds http:\/\/169\.254\.169\.254/);
  t.regex(text, /queue hpc, cluster it/);
  t.is(renderUserData('#!/bin/sh\necho {queue} {server}\n', { server: 's:1', token: 't', cluster: 'c', queue: 'q' }), '#!/bin/sh\necho q s:1\n', 'a queue\'s own user_data, filled in');
});

test.serial('placement_group partition and spread: one group per queue with its strategy, reused by later jobs; none: no group', async (t) => {
  const part = provider({ instance_types: ['c5n.18xlarge'], placement_group: 'partition', partitions: 3 }).p;
  await part.start();
  const pr = await part.grow(demandOf('12.it', 'hpc', [chunk(2, 36)], ''));
  t.true(pr.ok, JSON.stringify(pr));
  t.true((await part.grow(demandOf('13.it', 'hpc', [chunk(1, 36)], ''))).ok);
  const groups = await emu.requests('CreatePlacementGroup');
  t.is(groups.length, 1, 'one group for the queue, reused');
  t.like(groups[0]?.params, { GroupName: 'fleetq-it-hpc-partition', Strategy: 'partition', PartitionCount: 3 });
  t.true(part.instances().every((i) => i.group === 'fleetq-it-hpc-partition'), JSON.stringify(part.instances()));
  t.true((await emu.instances()).every((i) => i.partitionNumber !== null && i.partitionNumber >= 1 && i.partitionNumber <= 3));
  await fresh();
  const spread = provider({ instance_types: ['c5n.18xlarge'], placement_group: 'spread' }).p;
  await spread.start();
  const sr = await spread.grow(demandOf('14.it', 'hpc', [chunk(3, 4)], ''));
  t.true(sr.ok, JSON.stringify(sr));
  t.like((await emu.requests('CreatePlacementGroup'))[0]?.params, { GroupName: 'fleetq-it-hpc-spread', Strategy: 'spread' });
  await fresh();
  const none = provider({ instance_types: ['c5n.18xlarge'], placement_group: 'none' }).p;
  await none.start();
  t.true((await none.grow(demandOf('15.it', 'hpc', [chunk(2, 4)], ''))).ok);
  t.is((await emu.requests('CreatePlacementGroup')).length, 0);
  t.true(none.instances().every((i) => i.group === ''));
});
