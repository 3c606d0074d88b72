/**
 * The whole EC2 path with instances as separate machines: `qsub -l select=4:ncpus=36:mpiprocs=36:efa=true`
 * to a queue backed by EC2 (the emulator, test/fixtures/ec2) → a cluster placement group and one
 * all-or-nothing fleet of 4 EFA instances → for each instance, a network namespace of its own
 * (198.18.6.0/24) with its own metadata service (amazon-ec2-metadata-mock on the namespace's
 * loopback, as 169.254.169.254 is each instance's own) and `fleetq agent --imds` dialing the daemon
 * over TCP — the test standing in for the instances' user data → the nodes join with their
 * instance's facts and EC2 network layers (DescribeInstanceTopology) → the job runs on the four →
 * the nodes are terminated when idle. Root only (network namespaces): it fails, not skips, without.
 */
import test from 'ava';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { startEc2Emulator, bootInstance, ec2QueueEnv, type Ec2Emulator } from '../helpers/ec2.js';
import { startDaemon, run, eventually, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';
import { makeTestNet, type TestNet } from '../helpers/netns.js';

let emu: Ec2Emulator | undefined;
let ec2: EC2Client | undefined;
let d: DaemonHandle | undefined;
let net: TestNet | undefined;
const procs: ChildProcess[] = [];

test.after.always(async () => {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
  net?.remove();
  ec2?.destroy();
  await emu?.stop();
});

test('qsub select=4:ncpus=36:mpiprocs=36:efa=true to an EC2 queue: 4 EFA instances in a cluster group, each its own namespace, the job runs on them, then they are terminated', async (t) => {
  t.timeout(150_000);
  const names = [10, 11, 12, 13].map((i) => `ip-198-18-6-${i}`);
  net = makeTestNet('e', names, 6);
  emu = await startEc2Emulator({ pendingMs: 300 });
  ec2 = emu.client();
  const port = await freePort();
  d = await startDaemon({ args: ['--listen', `${net.host}:${port}`], env: await ec2QueueEnv(emu, { instance_types: [{ type: 'hpc6a.48xlarge', price: 2.88 }], max_nodes: 8, idle_time: '3s' },
    { FLEETQ_SERVER_NAME: 'ec2ns', FLEETQ_LOCAL_NCPUS: '1' }) });
  const home = d.home;
  const work = mkdtempSync(join(tmpdir(), 'fq-ec2ns-'));
  chmodSync(work, 0o755);
  const script = '#!/bin/bash\necho "first $(hostname) $(ip -4 -o addr show eth0 | awk \'{print $4}\')"\nsort -u $PBS_NODEFILE | sed "s/^/node /"\necho "ranks $(wc -l < $PBS_NODEFILE)"\nsleep 1\n';
  const q = await run('qsub', ['-q', 'hpc', '-N', 'efa4', '-l', 'select=4:ncpus=36:mpiprocs=36:efa=true', '-l', 'place=scatter', '-j', 'oe'], { home, cwd: work, input: script });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();

  // The request: a cluster group for the job, one fleet of 4 all or nothing, in it, with EFA.
  const fleet = await eventually(async () => (await emu!.requests('CreateFleet'))[0], 20000, 'a CreateFleet');
  t.like(fleet.params, { Type: 'instant', OnDemandOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 4, SingleInstanceType: true }, TargetCapacitySpecification: { TotalTargetCapacity: 4 } });
  const group = `fleetq-ec2ns-hpc-${id}`;
  t.like((await emu.requests('CreatePlacementGroup'))[0]?.params, { GroupName: group, Strategy: 'cluster' });
  const instances = await eventually(async () => { const l = (await emu!.instances()).filter((i) => i.state === 'running'); return l.length === 4 ? l : undefined; }, 20000, 'four running instances');
  t.true(instances.every((i) => i.groupName === group && i.zone === 'us-east-1a'));
  t.true(instances.every((i) => JSON.stringify(i.networkInterfaces).includes('efa')), 'every instance has an EFA interface');

  // Each instance: a namespace with its own metadata service, and its agent (what user data would start).
  for (const [n, i] of instances.entries()) {
    const m = net.members[n]!;
    const efa = i.networkInterfaces.filter((x) => JSON.stringify(x).includes('efa')).length;
    const b = await bootInstance({ instance: i, node: m.name, ns: m.ns, imdsHost: m.ip, server: `${net.host}:${port}`, tokenFile: join(home, 'agent.token'),
      stateDir: join(home, `agent-${m.name}`), ncpus: 96, mem_bytes: 384 * 2 ** 30, efa, heartbeatMs: 500 });
    procs.push(...b.procs);
  }

  const done = await eventually(async () => { const o = (await run('qstat', ['-fx', id], { home })).stdout.replace(/\n\t/g, ''); return /job_state = F/.test(o) ? o : undefined; }, 60000, `${id} to finish`)
    .catch(async (e: Error) => { t.log((await run('qstat', ['-fx', id], { home })).stdout, (await run('pbsnodes', ['-a'], { home })).stdout, d!.log().slice(-5000)); throw e; });
  t.regex(done, /Exit_status = 0/);
  const { readFileSync } = await import('node:fs');
  const out = readFileSync(join(work, `efa4.o${id.split('.')[0]}`), 'utf8');
  t.regex(out, /^first ip-198-18-6-1\d 198\.18\.6\.1\d\/24$/m, 'the script ran in an instance\'s namespace, under its name');
  t.deepEqual([...out.matchAll(/^node (\S+)$/gm)].map((x) => x[1]).sort(), names, 'one chunk on each of the four instances');
  t.regex(out, /^ranks 144$/m, '4 × 36 MPI ranks in PBS_NODEFILE');
  const nodes = (await run('pbsnodes', ['-a'], { home })).stdout.split(/\n(?=\S)/);
  for (const name of names) {
    const b = nodes.find((x) => x.startsWith(name)) ?? '';
    t.regex(b, /resources_available\.instance_type = hpc6a\.48xlarge/);
    t.regex(b, new RegExp(`resources_available\\.placement_group = ${group.replace(/\./g, '\\.')}`));
    t.regex(b, /resources_available\.network_nodes = nn-\w+,nn-\w+,nn-\w+/, `${name}: EC2's network layers (DescribeInstanceTopology)`);
  }
  await eventually(async () => /resources_used\.node_seconds = hpc6a\.48xlarge\/on-demand:\d+/.test((await run('qstat', ['-fx', id], { home })).stdout), 10000, 'the job\'s node-seconds');
  // Idle: the four are terminated, and pbsnodes says why.
  await eventually(async () => (await emu!.instances()).filter((i) => instances.some((x) => x.instanceId === i.instanceId)).every((i) => i.state === 'terminated'), 30000, 'the idle instances terminated');
  const after = (await run('pbsnodes', ['-a'], { home })).stdout.split(/\n(?=\S)/);
  for (const name of names) t.regex(after.find((x) => x.startsWith(name)) ?? '', /terminated: idle/);
  // The EC2 side of the run, as the daemon logged it.
  t.log(d.log().split('\n').filter((l) => /"component":"(ec2|scheduler)"|job finished|agent registered/.test(l)).map((l) => { const o = JSON.parse(l) as Record<string, unknown>; const { level: _l, pid: _p, hostname: _h, ...rest } = o; return JSON.stringify(rest); }).join('\n'));
});
