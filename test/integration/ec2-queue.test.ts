/**
 * A queue backed by EC2, through a real daemon, the bin/ commands and the EC2 emulator (moto,
 * extended: test/fixtures/ec2/emulator.py): qsub to the queue → a tagged instant fleet for the job →
 * for each instance an agent started by the test (standing in for the instance's user data) that
 * reads its instance's facts from its own amazon-ec2-metadata-mock (no spot notice for a day) → the
 * job, one chunk per node (place=scatter), runs on those nodes
 * (and only EC2 queue jobs do) → the nodes are terminated when idle. Also: a job over max_nodes is
 * refused at submit, and a daemon killed with SIGKILL finds its instances again by their tags.
 */
import test from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { startEc2Emulator, bootInstance, ec2QueueEnv, type Ec2Emulator, type EmulatedInstance } from '../helpers/ec2.js';
import { startDaemon, run, eventually, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';

let emu: Ec2Emulator;
let ec2: EC2Client;
let d: DaemonHandle | undefined;
const procs: ChildProcess[] = [];

test.before(async () => {
  emu = await startEc2Emulator({ pendingMs: 300 });
  ec2 = emu.client();
});
test.after.always(async () => {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  await d?.stop();
  ec2?.destroy();
  await emu?.stop();
});

/** One instance's boot (test/helpers/ec2.ts bootInstance): its own metadata mock on a free port, then its agent. */
async function boot(home: string, i: EmulatedInstance, n: number): Promise<string> {
  const node = `ip-10-0-0-${n}`;
  const b = await bootInstance({ instance: i, node, server: `unix:${join(home, 'fleetq.sock')}`, tokenFile: join(home, 'agent.token'), stateDir: join(home, `agent-${node}`),
    port: await freePort(), ncpus: 72, mem_bytes: 192 * 2 ** 30, heartbeatMs: 500 });
  procs.push(...b.procs);
  return node;
}

test.serial('qsub to an EC2 queue: a tagged fleet for the job, agents on its instances, the job runs there, the idle nodes are terminated', async (t) => {
  d = await startDaemon({ env: await ec2QueueEnv(emu, { instance_types: [{ type: 'c5n.18xlarge', price: 3.888 }], max_nodes: 4, idle_time: '3s' },
    { FLEETQ_SERVER_NAME: 'ec2it', FLEETQ_LOCAL_NCPUS: '2', FLEETQ_EC2_BOOT_TIMEOUT: '60s', FLEETQ_EC2_RECONCILE_INTERVAL: '500ms' }) });
  const home = d.home;
  const work = mkdtempSync(join(tmpdir(), 'fq-ec2q-'));
  chmodSync(work, 0o755);
  // Over max_nodes: refused at submit, naming why.
  const big = await run('qsub', ['-q', 'hpc', '-l', 'select=5:ncpus=2'], { home, cwd: work, input: 'true\n' });
  t.not(big.code, 0);
  t.regex(big.stderr, /5 nodes is over queue hpc's max_nodes 4/);
  const q = await run('qsub', ['-q', 'hpc', '-N', 'mpi', '-l', 'select=2:ncpus=2:mpiprocs=2', '-l', 'place=scatter', '-j', 'oe'], { home, cwd: work, input: 'sleep 2; cat $PBS_NODEFILE\n' });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  const fleet = await eventually(async () => (await emu.requests('CreateFleet'))[0], 20000, 'a CreateFleet');
  t.regex(JSON.stringify(fleet.params), new RegExp(`"Key":"fleetq:job","Value":"${id.replace('.', '\\.')}"`));
  t.like(fleet.params, { Type: 'instant', OnDemandOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 2 } });
  const comment = await eventually(async () => { const o = (await run('qstat', ['-f', id], { home })).stdout.replace(/\n\t/g, ''); return /comment = Not Running: waiting for its 2 EC2 instance/.test(o) ? o : undefined; }, 20000, 'the job\'s comment');
  t.regex(comment, /job_state = Q/);
  const instances = (await emu.instances()).filter((i) => i.state === 'pending' || i.state === 'running');
  t.is(instances.length, 2);
  const nodes = await Promise.all(instances.map((i, n) => boot(home, i, n + 1)));
  const done = await eventually(async () => { const o = (await run('qstat', ['-fx', id], { home })).stdout.replace(/\n\t/g, ''); return /job_state = F/.test(o) ? o : undefined; }, 60000, `${id} to finish`)
    .catch(async (e: Error) => { t.log((await run('qstat', ['-fx', id], { home })).stdout, (await run('pbsnodes', ['-a'], { home })).stdout, d!.log().slice(-6000)); throw e; });
  t.regex(done, /Exit_status = 0/);
  for (const n of nodes) t.regex(done, new RegExp(`exec_host = .*${n}`), `ran on ${n}`);
  // Its cost: node-seconds by type and lifecycle, priced at the queue's on-demand price.
  const costed = await eventually(async () => { const o = (await run('qstat', ['-fx', id], { home })).stdout.replace(/\n\t/g, ''); return /resources_used\.node_seconds/.test(o) ? o : undefined; }, 10000, 'the job\'s cost');
  const ns = Number(/resources_used\.node_seconds = c5n\.18xlarge\/on-demand:(\d+)/.exec(costed)?.[1] ?? -1);
  const wall = /resources_used\.walltime = (\d+):(\d+):(\d+)/.exec(costed)!;
  t.is(ns, 2 * (Number(wall[1]) * 3600 + Number(wall[2]) * 60 + Number(wall[3])), 'two nodes for the walltime');
  t.true(ns >= 4);
  t.is(/resources_used\.cost = ([\d.]+)/.exec(costed)?.[1], (3.888 * ns / 3600).toFixed(4));
  const pbsnodes = (await run('pbsnodes', ['-a'], { home })).stdout;
  t.regex(pbsnodes, /resources_available\.instance_type = c5n\.18xlarge/);
  // Idle for idle_time (3 s): terminated in EC2, and the nodes say so.
  await eventually(async () => (await emu.instances()).filter((i) => instances.some((x) => x.instanceId === i.instanceId)).every((i) => i.state === 'terminated' || i.state === 'shutting-down'), 30000, 'the idle instances to be terminated');
  const after = (await run('pbsnodes', ['-a'], { home })).stdout;
  for (const n of nodes) t.regex(after.split(/\n(?=\S)/).find((b) => b.startsWith(n)) ?? '', /terminated: idle/, `${n} says why it went`);
  // The shared queue never ran on EC2 nodes.
  const local = await run('qsub', ['-l', 'select=1:ncpus=1'], { home, cwd: work, input: 'hostname\n' });
  const l = await eventually(async () => { const o = (await run('qstat', ['-fx', local.stdout.trim()], { home })).stdout.replace(/\n\t/g, ''); return /job_state = F/.test(o) ? o : undefined; }, 30000, 'the local job');
  t.notRegex(l, /exec_host = ip-10/);
});

test.serial('a daemon killed with SIGKILL while its instances wait finds them again by their tags, and buys no second fleet', async (t) => {
  if (!d) { t.fail('needs the daemon of the test before'); return; }
  const home = d.home;
  const before = (await emu.requests('CreateFleet')).length;
  const q = await run('qsub', ['-q', 'hpc', '-l', 'select=1:ncpus=2'], { home, cwd: tmpdir(), input: 'true\n' });
  t.is(q.code, 0, q.stderr);
  await eventually(async () => (await emu.requests('CreateFleet')).length > before, 20000, 'the fleet');
  await d.kill9();
  await d.restart();
  await eventually(async () => /EC2 instances of this cluster found at start/.test(d!.log()), 20000, 'the restarted daemon to find its instance');
  t.regex(d.log(), new RegExp(`${q.stdout.trim().replace('.', '\\.')}`), 'the instance is known with its job');
  await new Promise((r) => setTimeout(r, 2000)); // a few cycles
  t.is((await emu.requests('CreateFleet')).length, before + 1, 'no second fleet for the job');
});

test.serial('an instance terminated outside fleetq (a spot reclaim): its node goes down at the next reconcile, the job is requeued and runs on a new instance', async (t) => {
  if (!d) { t.fail('needs the daemon of the first test'); return; }
  const home = d.home;
  const q = await run('qsub', ['-q', 'hpc', '-N', 'reclaimed', '-l', 'select=1:ncpus=2'], { home, cwd: tmpdir(), input: 'sleep 60\n' });
  t.is(q.code, 0, q.stderr);
  const id = q.stdout.trim();
  /** The job's live instances (by its fleetq:job tag) that have no agent yet. */
  const mine = async (): Promise<EmulatedInstance[]> => {
    const tagged = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:fleetq:job', Values: [id] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] })))
      .Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '') ?? [];
    return (await emu.instances()).filter((i) => tagged.includes(i.instanceId) && !booted.has(i.instanceId));
  };
  const booted = new Set<string>();
  const bootNext = async (n: number): Promise<{ node: string; instance: string }> => {
    const [i] = await eventually(async () => { const l = await mine(); return l.length > 0 ? l : undefined; }, 20000, `an instance for ${id}`);
    booted.add(i!.instanceId);
    return { node: await boot(home, i!, n), instance: i!.instanceId };
  };
  const attrs = async (): Promise<string> => (await run('qstat', ['-fx', id], { home })).stdout.replace(/\n\t/g, '');
  const first = await bootNext(20);
  await eventually(async () => new RegExp(`job_state = R[\\s\\S]*exec_host = ${first.node}/`).test(await attrs()), 30000, `${id} running on ${first.node}`);
  await emu.terminate([first.instance], 'spot');
  const down = await eventually(async () => { const b = (await run('pbsnodes', ['-a'], { home })).stdout.split(/\n(?=\S)/).find((x) => x.startsWith(first.node)) ?? ''; return /state = .*down/.test(b) ? b : undefined; }, 30000, `${first.node} down`);
  t.regex(down, new RegExp(`comment = instance ${first.instance} was terminated outside fleetq`));
  const requeued = await eventually(async () => { const a = await attrs(); return /job_state = Q/.test(a) && !/exec_host = /.test(a) ? a : undefined; }, 30000, `${id} requeued`)
    .catch(async (e: Error) => { t.log(await attrs(), d!.log().split('\n').filter((l) => /ec2|lost|requeue|reclaimed|5\.ec2it/.test(l)).slice(-30).join('\n')); throw e; });
  t.regex(requeued, /run_count = 1/, 'it ran once and waits again');
  t.regex(requeued, /Resource_List\.select = 1:ncpus=2/, 'its request intact');
  t.regex(d.log(), new RegExp(`"job":"${id.replace('.', '\\.')}".*"msg":"job lost with its node's instance"`));
  const second = await bootNext(21);
  t.not(second.instance, first.instance);
  await eventually(async () => new RegExp(`job_state = R[\\s\\S]*exec_host = ${second.node}/`).test(await attrs()), 30000, `${id} running again on ${second.node}`);
  // Once on the reclaimed instance, then on the new one. (On a loaded machine an agent that
  // re-registers before its launch message arrived has the job requeued once more, which is right:
  // it does not run there. Logged when seen.)
  const runs = Number(/run_count = (\d+)/.exec(await attrs())?.[1]);
  t.true(runs >= 2, `run_count ${runs}`);
  if (runs > 2) t.log(d.log().split('\n').filter((l) => /lost|requeue|registered|5\.ec2it/.test(l)).slice(-20).join('\n'));
  t.is((await run('qdel', [id], { home })).code, 0);
});
