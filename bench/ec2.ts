/**
 * bench/ec2: buying nodes for a job from the EC2 emulator (test/fixtures/ec2/emulator.py: moto,
 * extended; instances stay pending --pending-ms, default 500 ms, as EC2's do for a while), through
 * the EC2 provider the daemon uses (src/capacity/ec2/provider.ts). For 1-, 16- and 64-node jobs
 * (cluster placement group, all or nothing, EFA for the multi-node ones), --reps times each:
 *   to_fleet_ms     from the demand to CreateFleet's answer with every instance (placement group,
 *                   launch template, fleet, DescribeInstances)
 *   to_running_ms   from the demand to every instance `running` in DescribeInstances (polled every 100 ms)
 *   api_calls       EC2 API calls the provider made for the job (the polling not counted)
 * It does not include an agent's start on each instance (the daemon-level path is
 * test/integration/ec2-queue.test.ts) nor EC2's real boot time. Readable table on stderr, JSON lines
 * on stdout. Usage: npm run bench ec2 [--reps N] [--pending-ms MS]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { startEc2Emulator } from '../test/helpers/ec2.js';
import { compileEc2Queue } from '../src/capacity/ec2/config.js';
import { demandOf } from '../src/capacity/ec2/fleet.js';
import { Ec2Provider } from '../src/capacity/ec2/provider.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'pending-ms': { type: 'string', default: '500' } } });
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
    const row = { bench: 'ec2', nodes, reps: REPS, pending_ms: PENDING, to_fleet_ms: Math.round(median(fleetMs)), to_running_ms: Math.round(median(runningMs)), api_calls: median(calls) };
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  ec2.destroy();
} finally {
  await emu.stop();
}
process.stderr.write(`ec2: nodes bought through the EC2 provider from the emulator (median of ${REPS}; instances pending ${PENDING} ms)\n`
  + `  nodes  to_fleet_ms  to_running_ms  api_calls\n${rows.map((r) => `  ${String(r.nodes).padStart(5)}  ${String(r.to_fleet_ms).padStart(11)}  ${String(r.to_running_ms).padStart(13)}  ${String(r.api_calls).padStart(9)}`).join('\n')}\n`);
