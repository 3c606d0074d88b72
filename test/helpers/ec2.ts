/**
 * The EC2 API emulator (test/fixtures/ec2/emulator.py: moto in-process plus placement groups,
 * instant-fleet capacity and all-or-nothing, a pending state and instance topology) as a child
 * process on a loopback port, with its control API as typed calls.
 *
 * Start it once per test file and `reset()` between tests. It fails, never skips, when python3 or
 * moto is missing (scripts/test-deps.sh installs moto). Every emulator started here is stopped when
 * the test process ends; it also exits by itself when its stdin closes, so a killed test process
 * leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EC2Client } from '@aws-sdk/client-ec2';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const EMULATOR = join(ROOT, 'test', 'fixtures', 'ec2', 'emulator.py');
export const REGION = 'us-east-1';

/** Free capacity of one pool; `lifecycle` null counts for both; `available` null means unlimited (the default). */
export interface Capacity { instanceType: string; zone: string; lifecycle?: 'spot' | 'on-demand' | null; available: number | null }
export interface EmulatorConfig {
  /** How long a new instance stays pending (default 500, or what start() was given). */
  pendingMs?: number;
  /** Instances of a cluster placement group per bottom network node in DescribeInstanceTopology (default 4). */
  nodesPerBottom?: number;
  /** $/hour per instance type: the order of `lowest-price` (types without a price come last, in request order). */
  prices?: Record<string, number>;
  /** false: fleets launch what they find even short of MinTargetCapacity (a broken all-or-nothing promise). Default true. */
  honourMinTarget?: boolean;
}
/** A request the emulator received (every action but Describe*, Get*, List*), parameters as the SDK sent them. */
export interface LoggedRequest { action: string; params: Record<string, unknown> }
/** What the emulator knows of an instance beyond DescribeInstances: the network interfaces asked for, its fleet. */
export interface EmulatedInstance {
  instanceId: string; instanceType: string; state: string; zone: string; groupName: string | null; partitionNumber: number | null;
  lifecycle: 'spot' | 'on-demand'; fleetId: string | null; networkInterfaces: Array<Record<string, unknown>>;
}

export interface Ec2Emulator {
  /** http://127.0.0.1:PORT: the endpoint for EC2Client (or AWS_ENDPOINT_URL_EC2). */
  endpoint: string;
  /** An EC2Client for the emulator: us-east-1, static test credentials, no retries. */
  client(): EC2Client;
  /** moto's reset plus the emulator's: no instances, templates, groups, capacity limits, log; config back to the start values. */
  reset(): Promise<void>;
  setCapacity(...pools: Capacity[]): Promise<void>;
  /** The pools with a limit, and what is free in each now. */
  capacity(): Promise<Capacity[]>;
  config(c?: EmulatorConfig): Promise<Required<EmulatorConfig>>;
  /** The logged requests, optionally of one action only, oldest first. */
  requests(action?: string): Promise<LoggedRequest[]>;
  /** Calls per EC2 action since the last reset. */
  calls(): Promise<Record<string, number>>;
  instances(): Promise<EmulatedInstance[]>;
  /** Terminates instances from outside, as a spot reclaim (`reason` spot, the default) or a user would. */
  terminate(ids: string[], reason?: 'spot' | 'user'): Promise<void>;
  /** What the emulator wrote to stderr (tracebacks of a moto error end up here). */
  stderr(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const p of live) try { p.kill('SIGKILL'); } catch { /* gone */ } });

/** Starts the emulator; resolves once it listens. Rejects with its stderr if it exits or is not up within `timeoutMs`. */
export async function startEc2Emulator(o: { pendingMs?: number; nodesPerBottom?: number; timeoutMs?: number } = {}): Promise<Ec2Emulator> {
  const args = [EMULATOR, '--port', '0', '--watch-stdin', '--pending-ms', String(o.pendingMs ?? 500), '--nodes-per-bottom', String(o.nodesPerBottom ?? 4)];
  const proc = spawn('python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const endpoint = await listening(proc, () => stderr, o.timeoutMs ?? 30000);
  const control = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${endpoint}/_emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await r.text();
    if (!r.ok) throw new Error(`emulator ${method} /_emulator/${path} answered ${r.status}: ${text}`);
    return JSON.parse(text);
  };
  return {
    endpoint,
    client: () => new EC2Client({ region: REGION, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
    reset: async () => { await control('POST', 'reset', {}); },
    setCapacity: async (...pools) => {
      await control('POST', 'capacity', pools.map((p) => ({ instance_type: p.instanceType, zone: p.zone, lifecycle: p.lifecycle ?? null, available: p.available })));
    },
    capacity: async () => (await control('GET', 'capacity') as Array<{ instance_type: string; zone: string; lifecycle: Capacity['lifecycle']; available: number }>)
      .map((p) => ({ instanceType: p.instance_type, zone: p.zone, lifecycle: p.lifecycle, available: p.available })),
    config: async (c) => {
      const sent = c === undefined ? undefined : Object.fromEntries(Object.entries({ pending_ms: c.pendingMs, nodes_per_bottom: c.nodesPerBottom, prices: c.prices, honour_min_target: c.honourMinTarget }).filter(([, v]) => v !== undefined));
      const got = await control(sent ? 'POST' : 'GET', 'config', sent) as { pending_ms: number; nodes_per_bottom: number; prices: Record<string, number>; honour_min_target: boolean };
      return { pendingMs: got.pending_ms, nodesPerBottom: got.nodes_per_bottom, prices: got.prices, honourMinTarget: got.honour_min_target };
    },
    requests: async (action) => (await control('GET', 'requests') as LoggedRequest[]).filter((r) => action === undefined || r.action === action),
    calls: async () => await control('GET', 'calls') as Record<string, number>,
    instances: async () => (await control('GET', 'instances') as Array<Record<string, unknown>>).map(camelKeys) as unknown as EmulatedInstance[],
    terminate: async (ids, reason = 'spot') => { await control('POST', 'terminate', { instance_ids: ids, reason }); },
    stderr: () => stderr,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

function listening(proc: ChildProcess, stderr: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let done = false;
    const onError = (e: Error): void => fail(`could not start: ${e.message} (python3 is needed)`);
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (${code ?? signal}) before listening`);
    const settle = (): void => { done = true; clearTimeout(timer); proc.off('error', onError); proc.off('exit', onExit); };
    const fail = (why: string): void => {
      settle();
      proc.kill('SIGKILL');
      reject(new Error(`the EC2 emulator (${EMULATOR}) ${why}; its stderr:\n${stderr()}`));
    };
    const timer = setTimeout(() => fail(`did not print "listening http://127.0.0.1:PORT" within ${timeoutMs} ms`), timeoutMs);
    proc.once('error', onError);
    proc.once('exit', onExit);
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (done) return;
      out += s;
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) { settle(); resolve(m[1]!); }
    });
  });
}

function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

/** The processes standing in for one instance's boot: its metadata service and its agent. */
export interface BootedInstance { node: string; procs: ChildProcess[] }

/**
 * What an instance's user data does, done by a test for an emulated instance: a metadata service
 * of its own (amazon-ec2-metadata-mock, saying which instance it is; no spot notice for a day) and
 * `fleetq agent --imds` against it, dialing `server`. With `ns`, both run in that network namespace,
 * the mock on `imdsHost` (the namespace's address, so this process can see it is up); else on this
 * machine's loopback at `port`. The agent starts once the mock answers. `efa`: the EFA devices the agent declares (the emulator's interfaces have
 * no device behind them).
 */
export async function bootInstance(o: {
  instance: EmulatedInstance; node: string; server: string; tokenFile: string; stateDir: string;
  ns?: string; imdsHost?: string; port?: number; ncpus: number; mem_bytes: number; efa?: number; heartbeatMs?: number;
}): Promise<BootedInstance> {
  const { mkdirSync, mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fq-inst-'));
  const cfg = join(dir, 'aemm.json');
  const i = o.instance;
  writeFileSync(cfg, JSON.stringify({ metadata: { values: {
    'instance-id': i.instanceId, 'instance-type': i.instanceType, 'instance-life-cycle': i.lifecycle,
    'placement-availability-zone': i.zone, 'placement-group-name': i.groupName ?? '',
  } } }));
  const port = o.port ?? 1338;
  const host = o.imdsHost ?? '127.0.0.1';
  const inNs = (cmd: string, args: string[]): [string, string[]] => (o.ns ? ['ip', ['netns', 'exec', o.ns, cmd, ...args]] : [cmd, args]);
  const procs: ChildProcess[] = [];
  const track = (p: ChildProcess): ChildProcess => { procs.push(p); live.add(p); p.once('exit', () => live.delete(p)); return p; };
  track(spawn(...inNs('ec2-metadata-mock', ['-n', host, '-p', String(port), '-I', '-c', cfg, '-d', '86400', '--rebalance-delay-sec', '86400']), { stdio: 'ignore', cwd: dir }));
  const imds = `http://${host}:${port}`;
  for (let t = Date.now(); ; ) {
    const r = await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } }).catch(() => undefined);
    if (r?.ok) break;
    if (Date.now() - t > 15000) throw new Error(`the metadata mock for ${i.instanceId} did not answer at ${imds} within 15 s`);
    await new Promise((res) => setTimeout(res, 100));
  }
  mkdirSync(o.stateDir, { recursive: true });
  track(spawn(...inNs(process.execPath, [join(ROOT, 'bin', 'fleetq'), 'agent', '--node', o.node, '--server', o.server, '--token-file', o.tokenFile,
    '--state-dir', o.stateDir, '--ncpus', String(o.ncpus), '--mem', String(o.mem_bytes), '--efa', String(o.efa ?? 0),
    '--imds', imds, '--heartbeat-ms', String(o.heartbeatMs ?? 1000)]), { stdio: 'ignore' }));
  return { node: o.node, procs };
}

/**
 * What a daemon with a queue backed by the emulator needs: a launch template `fleetq-compute` (one of
 * moto's x86_64 AMIs), us-east-1a's default subnet, and the environment that points the daemon at
 * the emulator with a queue `hpc` of `ec2` keys (instance types, max_nodes, idle_time…) besides workq.
 */
export async function ec2QueueEnv(emu: Ec2Emulator, hpc: Record<string, unknown>, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = emu.client();
  try {
    const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images?.[0]?.ImageId ?? '';
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'fleetq-compute', LaunchTemplateData: { ImageId: ami } }));
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }, { Name: 'default-for-az', Values: ['true'] }] }))).Subnets?.[0]?.SubnetId ?? '';
    return {
      FLEETQ_SCHEDULER_INTERVAL: '300ms', FLEETQ_LOG_LEVEL: 'info', FLEETQ_EC2_ENDPOINT: emu.endpoint, FLEETQ_EC2_REGION: REGION, FLEETQ_EC2_CHECK_INTERVAL: '300ms',
      AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' }, { name: 'hpc', provider: 'ec2', ec2: { subnets: [subnet], launch_template: 'fleetq-compute', ...hpc } }]),
      ...env,
    };
  } finally { ec2.destroy(); }
}
