/**
 * bench/ec2: buying nodes for a job from the EC2 emulator (test/fixtures/ec2/emulator.py: moto,
 * extended; instances stay pending --pending-ms, default 500 ms, as EC2's do for a while), through
 * the EC2 provider the daemon uses (src/capacity/ec2/provider.ts). For 1-, 16- and 64-node jobs
 * (cluster placement group, all or nothing, EFA for the multi-node ones), --reps times each:
 *   to_fleet_ms     from the demand to CreateFleet's answer with every instance (placement group,
 *                   launch template, fleet, DescribeInstances)
 *   to_running_ms   from the demand to every instance `running` in DescribeInstances (polled every 100 ms)
 *   api_calls       EC2 API calls the provider made for the job (the polling not counted)
 * Then the same jobs through a daemon (case daemon), once each: `qsub`-equivalent SubmitJob to an
 * EC2 queue → the daemon buys the nodes → as each instance runs, the bench starts what its user
 * data would (test/helpers/ec2.ts bootInstance: a metadata mock and `fleetq agent --imds`) →
 *   to_nodes_up_ms  from the submit to every node of the job registered and up
 *   to_running_ms   from the submit to the job running on them
 *   api_calls       EC2 API calls the daemon made meanwhile
 * The agents all start on this 2-core machine (on EC2 each boots on its own instance), so at 64 nodes
 * their start-up dominates. Readable table on stderr, JSON lines on stdout.
 * Usage: npm run bench ec2 [--reps N] [--pending-ms MS] [--no-daemon]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { startEc2Emulator, bootInstance, ec2QueueEnv, type Ec2Emulator } from '../test/helpers/ec2.js';
import { startDaemon, freePort } from '../test/helpers/daemon.js';
import { connect } from '../src/client/index.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { compileEc2Queue } from '../src/capacity/ec2/config.js';
import { demandOf } from '../src/capacity/ec2/fleet.js';
import { Ec2Provider } from '../src/capacity/ec2/provider.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'pending-ms': { type: 'string', default: '500' }, 'no-daemon': { type: 'boolean', default: false } } });
const REPS = Number(values.reps);
const PENDING = Number(values['pending-ms']);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };
const emu = await startEc2Emulator({ pendingMs: PENDING });
const rows: Array<Record<string, string | number>> = [];
try {
  const ec2 = emu.client();
  for (const nodes of [1, 16, 64]) {
    const fleetMs: number[] = [];
    const runningMs: number[] = [];
    const calls: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await emu.reset();
      const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images?.[0]?.ImageId ?? '';
      await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'fleetq-compute', LaunchTemplateData: { ImageId: ami } }));
      const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }, { Name: 'default-for-az', Values: ['true'] }] }))).Subnets?.[0]?.SubnetId ?? '';
      const cfg = compileEc2Queue('bench', { instance_types: ['hpc6a.48xlarge', 'c5n.18xlarge'], subnets: [subnet], launch_template: 'fleetq-compute', max_nodes: 64 });
      const p = new Ec2Provider({ cluster: 'bench', region: 'us-east-1', endpoint: emu.endpoint, queues: new Map([['hpc', cfg]]), log: pino({ level: 'silent' }), client: emu.client() });
      await p.start();
      const before = [...p.calls.values()].reduce((a, b) => a + b, 0);
      const t0 = performance.now();
      const r = await p.grow(demandOf(`${rep}.bench`, 'hpc', [{ count: nodes, ncpus: 36, mem_bytes: 0, ngpus: 0, other: nodes > 1 ? { efa: 'true' } : {} }], 'scatter'));
      if (!r.ok) throw new Error(`${nodes} nodes: ${r.why}`);
      fleetMs.push(performance.now() - t0);
      calls.push([...p.calls.values()].reduce((a, b) => a + b, 0) - before);
      const ids = r.instances.map((i) => i.id);
      for (;;) {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
        if ((out.Reservations ?? []).flatMap((x) => x.Instances ?? []).filter((i) => i.State?.Name === 'running').length === ids.length) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      runningMs.push(performance.now() - t0);
      p.client.destroy();
    }
    const row = { bench: 'ec2', case: 'provider', nodes, reps: REPS, pending_ms: PENDING, to_fleet_ms: Math.round(median(fleetMs)), to_running_ms: Math.round(median(runningMs)), api_calls: median(calls) };
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  if (!values['no-daemon']) for (const nodes of [1, 16, 64]) {
    const row = { bench: 'ec2', case: 'daemon', nodes, pending_ms: PENDING, ...await throughDaemon(emu, nodes) };
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  ec2.destroy();
} finally {
  await emu.stop();
}

/** One job of `nodes` nodes through a daemon: submit → fleet → agents started as instances run → job running. */
async function throughDaemon(emu: Ec2Emulator, nodes: number): Promise<{ to_nodes_up_ms: number; to_running_ms: number; api_calls: number }> {
  await emu.reset();
  const ec2 = emu.client();
  const d = await startDaemon({ env: await ec2QueueEnv(emu, { instance_types: ['hpc6a.48xlarge'], max_nodes: 64 }, { FLEETQ_LOCAL_NCPUS: '1', FLEETQ_SCHEDULER_INTERVAL: '500ms', FLEETQ_EC2_CHECK_INTERVAL: '1s' }) });
  const c = connect({ address: d.address, timeoutMs: 30_000 });
  const procs: ChildProcess[] = [];
  try {
    const calls0 = Object.values(await emu.calls()).reduce((a, b) => a + b, 0);
    const t0 = performance.now();
    const { job } = await c.submitJob({ spec: { script: 'sleep 600\n', workdir: tmpdir(), name: `n${nodes}`, queue: 'hpc', resource_list: `select=${nodes}:ncpus=36:mpiprocs=36,place=scatter` } });
    const booted = new Set<string>();
    let upAt = 0;
    for (;;) {
      for (const i of await emu.instances()) {
        if (i.state !== 'running' || booted.has(i.instanceId)) continue;
        booted.add(i.instanceId);
        const node = `ip-${booted.size}`;
        void bootInstance({ instance: i, node, server: d.address, tokenFile: join(d.home, 'agent.token'), stateDir: join(d.home, `agent-${node}`), port: await freePort(), ncpus: 96, mem_bytes: 384 * 2 ** 30 })
          .then((b) => procs.push(...b.procs));
      }
      if (!upAt && (await c.listNodes({})).nodes.filter((n) => n.state === 'NODE_STATE_FREE' && n.name.startsWith('ip-')).length >= nodes) upAt = performance.now();
      if (upAt && (await c.getJob({ id: job.id })).state_letter === 'R') break;
      if (performance.now() - t0 > 600_000) throw new Error(`${nodes} nodes: not running after 10 min`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const runningAt = performance.now();
    const calls = Object.values(await emu.calls()).reduce((a, b) => a + b, 0) - calls0;
    return { to_nodes_up_ms: Math.round(upAt - t0), to_running_ms: Math.round(runningAt - t0), api_calls: calls };
  } finally {
    c.close();
    await d.stop();
    for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
    ec2.destroy();
  }
}
const pad = (v: unknown, n: number): string => String(v ?? '').padStart(n);
process.stderr.write(`ec2: nodes bought from the emulator (instances pending ${PENDING} ms); provider: median of ${REPS}; daemon: once, agents started on this machine\n`
  + `  case      nodes  to_fleet_ms  to_nodes_up_ms  to_running_ms  api_calls\n${rows.map((r) => `  ${String(r.case ?? 'provider').padEnd(8)}  ${pad(r.nodes, 5)}  ${pad(r.to_fleet_ms, 11)}  ${pad(r.to_nodes_up_ms, 14)}  ${pad(r.to_running_ms, 13)}  ${pad(r.api_calls, 9)}`).join('\n')}\n`);
