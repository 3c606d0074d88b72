/**
 * `fleetq pcluster config`: the generator (queues → SlurmQueues, compute resources, EFA, placement
 * groups, capacity, FSx; errors naming the fleetq key) and, through bin/fleetq, documents that
 * ParallelCluster 3.16's own schema and offline validators accept (test/fixtures/pcluster/validate.py
 * in the virtualenv scripts/test-deps.sh makes) — and a wrong one they refuse.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import type { QueueConfig } from '../../src/config/index.js';
import type { Ec2QueueConfig } from '../../src/capacity/ec2/config.js';
import { clusterConfig, ClusterConfigError, parseFsx, parseFsxId, partitionOf, renderClusterConfig, supportsEfa } from '../../src/capacity/pcluster/cluster-config.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'fleetq');
const VENV_PY = '/opt/fleetq/pcluster-venv/bin/python';
const VALIDATE = join(ROOT, 'test', 'fixtures', 'pcluster', 'validate.py');
const dir = mkdtempSync(join(tmpdir(), 'fq-pcluster-'));

const S1 = 'subnet-0123456789abcdef0';
const S2 = 'subnet-1111aaaa';

function ec2(over: Partial<Ec2QueueConfig> = {}): Ec2QueueConfig {
  return {
    instance_types: [{ type: 'c5n.18xlarge', priority: 0, price: 0 }], subnets: [S1], launch_template: 'lt', image_id: '', user_data: '',
    capacity_type: 'on-demand', spot_allocation: 'price-capacity-optimized', on_demand_allocation: 'lowest-price', max_nodes: 16,
    idle_time_s: 600, placement_group: 'job', partitions: 7, efa: true, ...over,
  };
}
function queue(name: string, e?: Ec2QueueConfig, extra: Record<string, unknown> = {}): QueueConfig {
  return { name, priority: 0, enabled: true, started: true, default_walltime_seconds: 0, max_walltime_seconds: 0, backfill: 'easy', provider: e ? 'ec2' : 'local', ...(e ? { ec2: e } : {}), ...extra } as QueueConfig;
}
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const slurmQueues = (c: Obj): Obj[] => c.Scheduling.SlurmQueues as Obj[];

test('one Slurm queue per fleetq queue, one compute resource per type in priority order, MaxCount from max_nodes, MinCount on the first', (t) => {
  const qs = [queue('workq'), queue('hpc', ec2({ instance_types: [{ type: 'hpc6a.48xlarge', priority: 1, price: 0 }, { type: 'c5n.18xlarge', priority: 0, price: 0 }], max_nodes: 32 })), queue('cpu', ec2({ instance_types: [{ type: 'm5.large', priority: 0, price: 0 }], efa: false, placement_group: 'none', idle_time_s: 1500 }))];
  const { config } = clusterConfig(qs, ['hpc', 'cpu'], { minCount: 2, keyName: 'k', region: 'eu-west-1' });
  t.is(config.Region, 'eu-west-1');
  t.deepEqual(config.Image, { Os: 'alinux2023' });
  t.deepEqual(config.HeadNode, { InstanceType: 'c5.xlarge', Networking: { SubnetId: S1 }, Ssh: { KeyName: 'k' } });
  const [hpc, cpu] = slurmQueues(config);
  t.is(hpc!.Name, 'hpc');
  t.deepEqual(hpc!.ComputeResources.map((c: Obj) => [c.Name, c.Instances[0].InstanceType, c.MinCount, c.MaxCount, c.Efa.Enabled]), [
    ['c5n-18xlarge', 'c5n.18xlarge', 2, 32, true],
    ['hpc6a-48xlarge', 'hpc6a.48xlarge', 0, 32, true],
  ]);
  t.is(cpu!.Name, 'cpu');
  t.deepEqual(cpu!.ComputeResources[0].Efa, { Enabled: false });
  t.deepEqual(cpu!.Networking, { SubnetIds: [S1], PlacementGroup: { Enabled: false } });
  // ScaledownIdletime: the longest idle_time, 1500 s → 25 min.
  t.is((config as Obj).Scheduling.SlurmSettings.ScaledownIdletime, 25);
  t.is((clusterConfig(qs, ['hpc'], { scaledownIdletime: 3 }).config as Obj).Scheduling.SlurmSettings.ScaledownIdletime, 3);
});

test('EFA only on types EC2 lists with it, and only when the queue has efa: true', (t) => {
  t.true(supportsEfa('c5n.18xlarge'));
  t.true(supportsEfa('hpc7g.16xlarge'));
  t.false(supportsEfa('c5.large'));
  t.false(supportsEfa('c5n.large'));
  const types = [{ type: 'c5n.18xlarge', priority: 0, price: 0 }, { type: 'c5.large', priority: 1, price: 0 }];
  const on = slurmQueues(clusterConfig([queue('q', ec2({ instance_types: types }))], ['q']).config)[0]!;
  t.deepEqual(on.ComputeResources.map((c: Obj) => c.Efa.Enabled), [true, false]);
  const off = slurmQueues(clusterConfig([queue('q', ec2({ instance_types: types, efa: false }))], ['q']).config)[0]!;
  t.deepEqual(off.ComputeResources.map((c: Obj) => c.Efa.Enabled), [false, false]);
  // --flexible: one resource, EFA for all its types or none.
  const flex = slurmQueues(clusterConfig([queue('q', ec2({ instance_types: types }))], ['q'], { flexible: true }).config)[0]!;
  t.is(flex.ComputeResources.length, 1);
  t.deepEqual(flex.ComputeResources[0].Instances, [{ InstanceType: 'c5n.18xlarge' }, { InstanceType: 'c5.large' }]);
  t.false(flex.ComputeResources[0].Efa.Enabled);
});

test('placement groups: job and queue → Enabled, none/spread/partition → disabled (said in a comment); with one, the first subnet only', (t) => {
  const pg = (p: Ec2QueueConfig['placement_group'], subnets = [S1, S2]): Obj => slurmQueues(clusterConfig([queue('q', ec2({ placement_group: p, subnets, efa: false }))], ['q']).config)[0]!.Networking;
  t.deepEqual(pg('job'), { SubnetIds: [S1], PlacementGroup: { Enabled: true } });
  t.deepEqual(pg('queue'), { SubnetIds: [S1], PlacementGroup: { Enabled: true } });
  t.deepEqual(pg('none'), { SubnetIds: [S1, S2], PlacementGroup: { Enabled: false } });
  t.deepEqual(pg('partition'), { SubnetIds: [S1, S2], PlacementGroup: { Enabled: false } });
  const g = clusterConfig([queue('q', ec2({ placement_group: 'spread', efa: false }))], ['q']);
  const yaml = renderClusterConfig(g);
  t.regex(yaml, /# queues\[0\]\.ec2\.placement_group spread: ParallelCluster makes cluster placement groups only/);
  // EFA alone also keeps the queue in one zone.
  t.deepEqual(slurmQueues(clusterConfig([queue('q', ec2({ placement_group: 'none', subnets: [S1, S2] }))], ['q']).config)[0]!.Networking.SubnetIds, [S1]);
});

test('capacity: SPOT/ONDEMAND with the allocation strategy; spot-then-on-demand → SPOT with a comment; diversified → price-capacity-optimized', (t) => {
  const q = (over: Partial<Ec2QueueConfig>): Obj => slurmQueues(clusterConfig([queue('q', ec2(over))], ['q']).config)[0]!;
  t.like(q({ capacity_type: 'on-demand', on_demand_allocation: 'prioritized' }), { CapacityType: 'ONDEMAND', AllocationStrategy: 'prioritized' });
  t.like(q({ capacity_type: 'spot', spot_allocation: 'capacity-optimized' }), { CapacityType: 'SPOT', AllocationStrategy: 'capacity-optimized' });
  t.like(q({ capacity_type: 'spot', spot_allocation: 'diversified' }), { CapacityType: 'SPOT', AllocationStrategy: 'price-capacity-optimized' });
  const g = clusterConfig([queue('q', ec2({ capacity_type: 'spot-then-on-demand' }))], ['q']);
  t.is(slurmQueues(g.config)[0]!.CapacityType, 'SPOT');
  const yaml = renderClusterConfig(g);
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => /^\s+CapacityType: SPOT$/.test(l));
  t.regex(lines.slice(0, at).join('\n'), /# queues\[0\]\.ec2\.capacity_type spot-then-on-demand: a ParallelCluster queue has one capacity type,\s*\n\s*# so SPOT/);
  t.deepEqual(YAML.parse(yaml), g.config, 'comments do not change the document');
});

test('FSx for Lustre: new (capacity, deployment type, throughput) or existing; bad specs refused', (t) => {
  const qs = [queue('q', ec2())];
  t.deepEqual(clusterConfig(qs, ['q'], { fsx: parseFsx('/fsx:1200') }).config.SharedStorage, [{ MountDir: '/fsx', Name: 'fsx', StorageType: 'FsxLustre', FsxLustreSettings: { StorageCapacity: 1200, DeploymentType: 'SCRATCH_2' } }]);
  t.deepEqual(parseFsx('/scratch:2400:PERSISTENT_2'), { mountDir: '/scratch', storageCapacity: 2400, deploymentType: 'PERSISTENT_2', throughput: 125 });
  t.deepEqual(parseFsx('/scratch:3600:SCRATCH_1'), { mountDir: '/scratch', storageCapacity: 3600, deploymentType: 'SCRATCH_1' });
  t.deepEqual(clusterConfig(qs, ['q'], { fsxExisting: parseFsxId('fs-0123456789abcdef0:/lustre') }).config.SharedStorage, [{ MountDir: '/lustre', Name: 'fsx', StorageType: 'FsxLustre', FsxLustreSettings: { FileSystemId: 'fs-0123456789abcdef0' } }]);
  t.throws(() => parseFsx('/fsx:1000'), { message: /SCRATCH_2 capacity is 1200 or a multiple of 2400/ });
  t.throws(() => parseFsx('/fsx:2400:PERSISTENT_1:125'), { message: /PERSISTENT_1 throughput is one of 50, 100, 200/ });
  t.throws(() => parseFsx('/opt/slurm:1200'), { message: /\/opt\/slurm is reserved by ParallelCluster/ });
  t.throws(() => parseFsxId('fs-123'), { message: /not an FSx file system id/ });
  // A file system ParallelCluster makes is in one zone: not with compute in several subnets.
  const two = [queue('a', ec2({ placement_group: 'none', efa: false, subnets: [S1, S2] }))];
  t.throws(() => clusterConfig(two, ['a'], { fsx: parseFsx('/fsx:1200') }), { message: /--fsx: .*queues\[0\]\.ec2\.subnets.*--fsx-id/ });
});

test('errors name the queue, the fleetq key and why', (t) => {
  const qs = [queue('workq'), queue('Big_Q', ec2()), queue('noec2', undefined, { provider: 'pcluster' }), queue('ok', ec2({ subnets: ['subnet-abc'] })), queue('c', ec2({ max_nodes: 2 }))];
  const err = (names: string[], opts = {}): ClusterConfigError => t.throws(() => clusterConfig(qs, names, opts), { instanceOf: ClusterConfigError })!;
  t.regex(err(['nope']).message, /^nope: not a configured queue \(queues: workq, Big_Q, noec2, ok, c\)/);
  t.true(err(['nope']).usage);
  t.regex(err(['workq']).message, /^queues\[0\]\.provider: queue workq is provider local/);
  t.regex(err(['noec2']).message, /^queues\[2\]\.ec2: queue noec2 has no ec2: block/);
  t.regex(err(['Big_Q']).message, /^queues\[1\]\.name: 'Big_Q' cannot be a Slurm queue: .*lowercase.*set queues\[1\]\.pcluster\.partition/);
  t.regex(err(['ok']).message, /^queues\[3\]\.ec2\.subnets\[0\]: 'subnet-abc' is not a subnet id ParallelCluster takes/);
  t.regex(err(['c'], { minCount: 3 }).message, /--min-count 3: above queues\[4\]\.ec2\.max_nodes \(2\)/);
  t.regex(err(['c', 'c']).message, /c: named twice/);
  t.regex(err(['c'], { os: 'alinux2' }).message, /--os: 'alinux2' is not one of alinux2023/);
  // The Slurm partition of a pcluster queue (pcluster.partition) is what is checked and named.
  const pq = queue('gpu', ec2(), { provider: 'pcluster', pcluster: { partition: 'default' } });
  t.is(partitionOf(pq), 'default');
  t.is(partitionOf(queue('gpu', ec2())), 'gpu');
  t.throws(() => clusterConfig([pq], ['gpu']), { message: /^queues\[0\]\.pcluster\.partition: 'default' cannot be a Slurm queue: ParallelCluster forbids the name 'default'/ });
  t.throws(() => clusterConfig([queue('a', ec2(), { pcluster: { partition: 'p' } }), queue('b', ec2(), { pcluster: { partition: 'p' } })], ['a', 'b']), { message: /queues\[1\]\.pcluster\.partition: 'p' is also the Slurm queue of queues\[0\]/ });
  t.throws(() => clusterConfig([queue('abcdefghijklmn', ec2(), { pcluster: { partition: 'a'.repeat(26) } })], ['abcdefghijklmn']), { message: /at most 25 characters/ });
  // At most 50 compute resources in a cluster; --flexible makes one per queue.
  const many = Array.from({ length: 51 }, (_, i) => ({ type: `c5.${i}xlarge`, priority: i, price: 0 }));
  t.throws(() => clusterConfig([queue('m', ec2({ instance_types: many }))], ['m']), { message: /queues\[0\]\.ec2\.instance_types: 51 types.*at most 50/ });
  t.is(slurmQueues(clusterConfig([queue('m', ec2({ instance_types: many }))], ['m'], { flexible: true }).config)[0]!.ComputeResources.length, 1);
});

// ---- Through bin/fleetq, checked by ParallelCluster's own schema and validators, offline. ----

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

function needVenv(): void {
  if (!existsSync(VENV_PY)) throw new Error(`${VENV_PY} is missing: run scripts/test-deps.sh (it installs aws-parallelcluster in its own virtualenv)`);
}

const CONFIG = join(dir, 'config.yaml');
writeFileSync(CONFIG, `ec2: { region: us-east-1 }
queues:
  - { name: workq }
  - name: hpc
    provider: ec2
    ec2:
      instance_types: [hpc6a.48xlarge, c5n.18xlarge]
      subnets: [${S1}, ${S2}]
      launch_template: fleetq-compute
      capacity_type: spot-then-on-demand
      spot_allocation: diversified
      max_nodes: 64
      idle_time: 5m
  - name: cpu
    provider: ec2
    ec2:
      instance_types: [m5.large, {type: m5.xlarge, priority: 0}]
      subnets: [${S1}, ${S2}]
      launch_template: fleetq-compute
      placement_group: none
      efa: false
  - name: gpu
    provider: ec2
    ec2:
      instance_types: [p4d.24xlarge]
      subnets: [${S1}]
      launch_template: fleetq-compute
      capacity_type: on-demand
      on_demand_allocation: prioritized
      placement_group: queue
`);

test('schema: fleetq pcluster config hpc cpu gpu (-o FILE) is accepted by ParallelCluster 3.16\'s schema and validators', async (t) => {
  needVenv();
  const out = join(dir, 'cluster.yaml');
  const r = await run(BIN, ['pcluster', 'config', 'hpc', 'cpu', 'gpu', '--config', CONFIG, '-o', out, '--key-name', 'fleetq', '--min-count', '1', '--fsx-id', 'fs-0123456789abcdef0']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /fleetq pcluster: note: queues\[1\]\.ec2\.capacity_type spot-then-on-demand/);
  const doc = YAML.parse(readFileSync(out, 'utf8')) as Obj;
  t.deepEqual(slurmQueues(doc).map((q) => [q.Name, q.CapacityType, q.AllocationStrategy, q.Networking.SubnetIds.length, q.Networking.PlacementGroup.Enabled]), [
    ['hpc', 'SPOT', 'price-capacity-optimized', 1, true],
    ['cpu', 'ONDEMAND', 'lowest-price', 2, false],
    ['gpu', 'ONDEMAND', 'prioritized', 1, true],
  ]);
  t.is(doc.Region, 'us-east-1', 'ec2.region of the fleetq configuration');
  t.true(slurmQueues(doc)[2]!.ComputeResources[0].Efa.Enabled, 'p4d.24xlarge has EFA');
  const v = await run(VENV_PY, [VALIDATE, out]);
  t.is(v.code, 0, `${v.stdout}${v.stderr}`);
  t.is(v.stdout.trim(), 'OK');
  // Other options, to stdout: a new FSx (one compute subnet), --flexible, another OS and head node.
  const r2 = await run(BIN, ['pcluster', 'config', 'gpu', 'hpc', '--config', CONFIG, '--flexible', '--fsx', '/scratch:2400:PERSISTENT_2:250', '--os', 'ubuntu2404',
    '--head-instance-type', 'm5.2xlarge', '--head-subnet', S2, '--scaledown-idletime', '15']);
  t.is(r2.code, 0, r2.stderr);
  const out2 = join(dir, 'cluster2.yaml');
  writeFileSync(out2, r2.stdout);
  const v2 = await run(VENV_PY, [VALIDATE, out2]);
  t.is(v2.stdout.trim(), 'OK', `${v2.stdout}${v2.stderr}`);
  t.like(YAML.parse(r2.stdout), { Image: { Os: 'ubuntu2404' }, HeadNode: { InstanceType: 'm5.2xlarge', Networking: { SubnetId: S2 } }, Scheduling: { SlurmSettings: { ScaledownIdletime: 15 } } });
});

test('schema: the validator refuses a wrong document (bad queue name, MaxCount 0, a multi-AZ placement group)', async (t) => {
  needVenv();
  const r = await run(BIN, ['pcluster', 'config', 'hpc', '--config', CONFIG]);
  t.is(r.code, 0, r.stderr);
  const good = YAML.parse(r.stdout) as Obj;
  const check = async (mutate: (d: Obj) => void): Promise<Obj> => {
    const d = structuredClone(good);
    mutate(d);
    const f = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, YAML.stringify(d));
    const v = await run(VENV_PY, [VALIDATE, f]);
    t.is(v.code, 1, v.stdout);
    return JSON.parse(v.stdout) as Obj;
  };
  const name = await check((d) => { slurmQueues(d)[0]!.Name = 'HPC_Queue'; });
  t.is(name.stage, 'validators');
  t.regex(JSON.stringify(name.errors), /Invalid name 'HPC_Queue'\. Name must begin with a letter and only contain lowercase letters/);
  const count = await check((d) => { slurmQueues(d)[0]!.ComputeResources[0].MaxCount = 0; });
  t.is(count.stage, 'schema');
  t.deepEqual(count.errors.Scheduling.SlurmQueues['0'].ComputeResources['0'].MaxCount, ['Must be greater than or equal to 1.']);
  const az = await check((d) => { slurmQueues(d)[0]!.Networking.SubnetIds.push(S2); });
  t.regex(JSON.stringify(az.errors), /PlacementGroups are not supported across Availability zones/);
  t.regex(JSON.stringify(az.errors), /EFA is not supported across Availability zones/);
  const os = await check((d) => { d.Image.Os = 'alinux2'; });
  t.regex(JSON.stringify(os.errors), /Must be one of: alinux2023/);
});

test('CLI errors: to stderr prefixed fleetq pcluster:, exit 2 for usage, 1 for a queue it cannot express', async (t) => {
  const bad = await run(BIN, ['pcluster', 'config', 'nope', '--config', CONFIG]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^fleetq pcluster: nope: not a configured queue \(queues: workq, hpc, cpu, gpu\)/);
  const local = await run(BIN, ['pcluster', 'config', 'workq', '--config', CONFIG]);
  t.is(local.code, 1);
  t.regex(local.stderr, /^fleetq pcluster: queues\[0\]\.provider: queue workq is provider local/);
  const none = await run(BIN, ['pcluster', 'config', '--config', CONFIG]);
  t.is(none.code, 2);
  t.regex(none.stderr, /QUEUE: name at least one queue/);
  const opt = await run(BIN, ['pcluster', 'config', 'hpc', '--config', CONFIG, '--min-count', 'x']);
  t.is(opt.code, 2);
  t.regex(opt.stderr, /--min-count: 'x' is not a whole number/);
  const missing = await run(BIN, ['pcluster', 'config', 'hpc', '--config', join(dir, 'absent.yaml')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--config: .*absent\.yaml does not exist/);
  // Without --config, FLEETQ_CONFIG as the daemon reads it.
  const env = await run(BIN, ['pcluster', 'config', 'cpu'], { ...process.env, FLEETQ_CONFIG: CONFIG });
  t.is(env.code, 0, env.stderr);
  t.is((YAML.parse(env.stdout) as Obj).Scheduling.SlurmQueues[0].Name, 'cpu');
});
