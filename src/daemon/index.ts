/**
 * `fleetq daemon`: wires the store, the job service, the node registry, the agent hub, the local
 * capacity provider, the scheduling loop and the gRPC server, and owns their lifecycle:
 * starting → running → stopping → stopped. Signals are handled here only; closing runs in reverse
 * order of opening (scheduler, provider, agents, server, store, lock).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, protoPath as healthProto } from 'grpc-health-check';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { loadConfig, type Config } from '../config/index.js';
import { socketPath, type Env } from '../config/paths.js';
import { Store } from '../store/index.js';
import { JobService } from '../jobs/service.js';
import { launchMessage } from '../jobs/launch.js';
import { isActive, type JobRecord } from '../jobs/model.js';
import { NodeRegistry, NO_TOPOLOGY, topologyOf, type NodeRecord } from './nodes.js';
import { AgentHub, type HubListener } from '../agent/hub.js';
import { LocalProvider, splitNodes } from '../capacity/local.js';
import type { Ec2Capacity } from './ec2.js';
import type { PclusterCapacity } from './pcluster.js';
import type { ChunkReq } from '../jobs/resources.js';
import { feasibility, type NodeSnapshot } from '../scheduler/plan.js';
import { launcherFiles } from '../scheduler/ranks.js';
import { SchedulerLoop } from '../scheduler/loop.js';
import { FairShare, PriorityCalculator, priorityInputOf } from '../scheduler/priority.js';
import { execHandler, jobToken } from '../api/exec.js';
import { Authenticator } from '../api/auth.js';
import { UsageRecorder } from '../scheduler/usage.js';
import { schedulerHandlers, schedulerService } from '../api/scheduler.js';
import { loadProto, packageDefinition } from '../proto/load.js';
import { acquireLock } from '../util/lockfile.js';
import { Metrics } from './metrics.js';
import { createLogger, type Logger } from '../util/log.js';
import { userIds } from './users.js';
import { JobNodeUsage } from './job-usage.js';
import { VERSION } from '../version.js';

export interface DaemonOptions { env?: Env; listen?: string; banner?: boolean }

type State = 'starting' | 'running' | 'stopping' | 'stopped';

export class Daemon {
  state: State = 'starting';
  private readonly closers: Array<() => unknown> = [];
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** The latest spot interruption or rebalance notice of each node (until it goes or registers again). */
  private readonly notices = new Map<string, string>();
  private readonly usage = new JobNodeUsage({
    sample: (id, t) => this.jobs.sample(id, t.cput_seconds, t.mem_bytes),
    amend: (id, t) => { void this.jobs.amendUsage(id, t.cput_seconds, t.mem_bytes).catch((e: Error) => this.log.error({ job: id, err: e.message }, 'recording usage failed')); },
  });
  private cfg!: Config;
  private root!: Logger;
  private log!: Logger;
  private jobs!: JobService;
  private nodes!: NodeRegistry;
  private hub!: AgentHub;
  private loop!: SchedulerLoop;
  /** Pending jobs' priority (weights from scheduler.priority.*, fair-share usage from finished and running jobs); set before the loop is built. */
  priority!: PriorityCalculator;
  /** The agents' shared secret; job tokens (fleetq rsh) are made from it. */
  private secret = '';
  private provider!: LocalProvider; // a CapacityProvider (src/capacity/provider.ts)
  /** Queues backed by EC2, when the config has any. */
  private ec2: Ec2Capacity | undefined;
  /** Queues served by ParallelCluster heads' Slurm, when the config has any. */
  private pcluster: PclusterCapacity | undefined;
  private server!: grpc.Server;
  private address = '';

  async start(o: DaemonOptions): Promise<void> {
    const env = o.env ?? process.env;
    this.cfg = loadConfig(env, o.listen ? { 'server.listen': o.listen } : {});
    const home = this.cfg.home;
    mkdirSync(home, { recursive: true });
    chmodSync(home, 0o755);
    this.closers.push(acquireLock(join(home, 'daemon.pid')));
    this.root = createLogger(this.cfg.log.level);
    this.log = this.root.child({ component: 'daemon' });
    const t0 = performance.now();
    const store = await Store.open<JobRecord, NodeRecord, { name: string }>(join(home, 'db'));
    this.closers.push(() => store.close());
    this.jobs = new JobService(store, {
      server: this.cfg.server.name, queues: this.cfg.queues, defaultQueue: this.cfg.jobs.default_queue, maxScriptBytes: this.cfg.jobs.max_script_bytes,
      admit: this.admission(), maxArraySize: this.cfg.jobs.max_array_size, vet: (job) => this.pcluster?.vet(job),
    });
    await store.commit({ queues: this.cfg.queues.map((q) => ({ ...q })) });
    await this.jobs.resolveDependents(); // what ended while the daemon was down
    this.log.info({ jobs: this.jobs.size, ms: Math.round(performance.now() - t0) }, 'store opened, jobs recovered');
    const fairshare = new FairShare(this.cfg.scheduler.priority.half_life_s);
    this.closers.push(new UsageRecorder(fairshare).attach(this.jobs));
    this.priority = new PriorityCalculator(this.cfg.scheduler.priority, fairshare);
    this.nodes = new NodeRegistry(store);
    await this.startEc2();
    await this.startPcluster();
    const metrics = new Metrics(this.jobs);
    if (this.cfg.metrics.listen !== '') { await metrics.listen(this.cfg.metrics.listen); this.closers.push(() => metrics.close()); }
    this.secret = agentToken(home);
    this.hub = new AgentHub(this.secret, this.hubListener(), this.root.child({ component: 'hub' }));
    // The job's script runs on its first node; what it started elsewhere (fleetq rsh) ends too.
    this.jobs.killer = {
      kill: (job, sig) => {
        if (this.pcluster?.has(job.queue)) return this.pcluster.kill(job, sig);
        for (const n of sisterNodes(job)) this.hub.signal(n, job.id, sig, true);
        return this.hub.signal(job.alloc[0]?.node ?? '', job.id, sig, true);
      },
    };
    this.loop = new SchedulerLoop(this.jobs, this.nodes, { launch: (j) => this.launch(j) }, this.cfg.scheduler.interval_ms, this.root.child({ component: 'scheduler' }));
    this.loop.onCycle = (s) => metrics.cycle.observe(s.duration_ms / 1000);
    this.loop.priority = (job, now) => this.priority.total(priorityInputOf(job), now);
    this.loop.reservationLimit = this.cfg.scheduler.backfill_depth;
    if (this.pcluster) this.loop.external = new Set(this.cfg.queues.filter((q) => q.provider === 'pcluster').map((q) => q.name));
    if (this.ec2) {
      const ec2 = this.ec2;
      this.loop.ownNodes = new Set(this.cfg.queues.filter((q) => q.provider === 'ec2').map((q) => q.name));
      this.loop.explain = (job, wait) => ec2.explain(job, wait);
      this.loop.onWaiting = (w) => ec2.onWaiting(w);
    }
    // A cycle can only start something when a job becomes queued or resources are freed.
    this.jobs.on('change', ({ event, job }) => {
      if (event.kind === 'finished') {
        this.usage.finished(job.id);
        if (this.ec2) void this.ec2.account(job).catch((e: Error) => this.log.error({ job: job.id, err: e.message }, 'recording the cost of its EC2 nodes failed'));
        // Whatever the job left on its other nodes ends with it (PBS's mother superior kills its sisters' tasks).
        for (const n of sisterNodes(job)) this.hub.signal(n, job.id, 'SIGKILL', false);
      } else if (FREES.has(event.kind)) this.usage.forget(job.id);
      if (event.state === 'JOB_STATE_QUEUED' ? event.kind !== 'comment' : FREES.has(event.kind)) this.loop.trigger();
    });
    await this.serve();
    this.startProvider();
    this.loop.start();
    this.pcluster?.start();
    this.watchLostJobs();
    // Missed heartbeats: an agent silent for agent.down_after is dropped and its node goes down.
    const silent = setInterval(() => this.hub.dropSilent(this.cfg.agent.down_after_ms), Math.min(this.cfg.agent.heartbeat_ms, this.cfg.agent.down_after_ms));
    silent.unref();
    this.closers.push(() => clearInterval(silent));
    this.state = 'running';
    this.log.info({ address: this.address, listen: this.cfg.server.listen, version: VERSION }, 'fleetq daemon running');
    if (o.banner) this.printBanner();
  }

  private async serve(): Promise<void> {
    this.server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    const proto = loadProto();
    const auth = new Authenticator(this.cfg.auth);
    if (auth.munge) this.log.info({ socket: this.cfg.auth.munge_socket }, 'authentication: MUNGE credentials required on every call');
    else this.log.warn({ listen: this.cfg.server.listen || undefined }, 'authentication: MUNGE off (auth.munge); the local socket is for this daemon\'s user alone, and callers name themselves');
    const scheduler = schedulerService(proto.fleetq.v1.Scheduler.service);
    this.server.addService(scheduler.service, schedulerHandlers({
      auth, authConfig: this.cfg.auth, encodeEvent: scheduler.encodeEvent, watchMaxPending: this.cfg.server.watch_max_pending,
      jobs: this.jobs, nodes: this.nodes, log: this.root.child({ component: 'api' }), priority: this.priority,
      queueStatus: (q) => this.pcluster?.queueStatus(q),
      exec: execHandler({ jobs: this.jobs, hub: this.hub, secret: this.secret, ids: userIds, log: this.root.child({ component: 'exec' }) }),
      server: { name: this.cfg.server.name, version: VERSION, defaultQueue: this.cfg.jobs.default_queue, startTime: Math.floor(Date.now() / 1000) },
    }));
    this.server.addService(proto.fleetq.v1.Agent.service, this.hub.handlers());
    const health = new HealthImplementation({ '': 'SERVING', 'fleetq.v1.Scheduler': 'SERVING' });
    health.addToServer(this.server);
    // Reflection describes every service served here, health included.
    new ReflectionService({ ...packageDefinition(), ...loadSync(healthProto) }).addToServer(this.server);
    const sock = socketPath({ FLEETQ_HOME: this.cfg.home });
    if (existsSync(sock)) unlinkSync(sock); // stale: we hold the lock
    await bind(this.server, `unix:${sock}`);
    // With MUNGE every local user may call (each proves who they are); without, only our own user.
    chmodSync(sock, auth.munge ? 0o666 : 0o600);
    this.address = `unix:${sock}`;
    if (this.cfg.server.listen !== '') await bind(this.server, this.cfg.server.listen);
    if (this.cfg.agent.listen !== '') await this.serveAgentsTls();
    this.closers.push(() => new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.server.forceShutdown(); resolve(); }, 3000);
      this.server.tryShutdown(() => { clearTimeout(t); resolve(); });
    }), () => { try { unlinkSync(sock); } catch { /* gone */ } });
  }

  /**
   * The local cluster is fixed: what can never fit its nodes is refused at submit, with the
   * placement core's reason. (A provider that can add nodes will answer this itself.)
   */
  /**
   * What can ever run here: the local nodes and every node whose agent has registered (agents on
   * other machines join the cluster), taken as up and idle. Rebuilt when that set of nodes changes.
   */
  private admission(): (chunks: readonly ChunkReq[], place: string, queue: string) => string | undefined {
    const specs = splitNodes({ server: this.cfg.server.name, nodes: this.cfg.local.nodes, ncpus: this.cfg.local.ncpus, mem_bytes: this.cfg.local.mem_bytes, ngpus: this.cfg.local.ngpus });
    const local: NodeSnapshot[] = specs.map((n) => ({
      name: n.name, up: true, ncpus: n.ncpus, mem_bytes: n.mem_bytes, ngpus: n.ngpus, free_ncpus: n.ncpus, free_mem_bytes: n.mem_bytes, free_ngpus: n.ngpus,
      njobs: 0, exclusive: false, ...NO_TOPOLOGY,
    }));
    let key = '';
    let check: ReturnType<typeof feasibility> = feasibility(local);
    return (chunks, place, queue) => {
      if (this.ec2 && this.cfg.queues.some((q) => q.name === queue && q.provider === 'ec2')) return this.ec2.admit(chunks, place, queue);
      // A ParallelCluster head's Slurm decides what its cluster can run (the translation is vetted apart).
      if (this.cfg.queues.some((q) => q.name === queue && q.provider === 'pcluster')) return undefined;
      const known = new Map(local.map((n) => [n.name, n]));
      for (const n of this.nodes?.snapshot([]) ?? []) if (!n.queue) known.set(n.name, n);
      const nodes = [...known.values()];
      const k = nodes.map((n) => `${n.name}:${n.ncpus}:${n.mem_bytes}:${n.ngpus}:${n.efa}:${n.instance_type}:${n.placement_group}:${n.spot}`).join('|');
      if (k !== key) { key = k; check = feasibility(nodes); }
      return check(chunks, place);
    };
  }

  /** agent.listen: agents on other machines, by mutual TLS with the cluster CA (nothing else is served there). */
  private async serveAgentsTls(): Promise<void> {
    const t = this.cfg.tls;
    const server = new grpc.Server();
    server.addService(loadProto().fleetq.v1.Agent.service, this.hub.handlers({ mtls: true }));
    const creds = grpc.ServerCredentials.createSsl(readFileSync(t.ca), [{ private_key: readFileSync(t.key), cert_chain: readFileSync(t.cert) }], true);
    await new Promise<number>((resolve, reject) => server.bindAsync(this.cfg.agent.listen, creds, (err, port) => (err ? reject(new Error(`agent.listen: cannot listen on ${this.cfg.agent.listen}: ${err.message}`)) : resolve(port))));
    this.log.info({ listen: this.cfg.agent.listen }, 'agents: mutual TLS with the cluster CA');
    this.closers.push(() => new Promise<void>((resolve) => { server.tryShutdown(() => resolve()); setTimeout(() => { server.forceShutdown(); resolve(); }, 3000).unref(); }));
  }

  /** Queues backed by EC2: the provider finds what the cluster owns before any agent registers. */
  private async startEc2(): Promise<void> {
    const queues = new Map(this.cfg.queues.filter((q) => q.provider === 'ec2' && q.ec2).map((q) => [q.name, q.ec2!] as const));
    if (queues.size === 0) return;
    const { Ec2Provider } = await import('../capacity/ec2/provider.js');
    const { Ec2Capacity } = await import('./ec2.js');
    const log = this.root.child({ component: 'ec2' });
    const { renderUserData } = await import('../capacity/ec2/userdata.js');
    const userData = (queue: string): string => renderUserData(queues.get(queue)?.user_data ?? '', { server: this.cfg.ec2.agent_server, token: this.secret, cluster: this.cfg.server.name, queue });
    const provider = new Ec2Provider({ cluster: this.cfg.server.name, region: this.cfg.ec2.region, endpoint: this.cfg.ec2.endpoint, queues, log, userData });
    this.ec2 = new Ec2Capacity({
      provider, queues, jobs: this.jobs, nodes: this.nodes, log, trigger: () => this.loop?.trigger(),
      bootTimeoutMs: this.cfg.ec2.boot_timeout_ms, checkMs: this.cfg.ec2.check_interval_ms, reconcileMs: this.cfg.ec2.reconcile_interval_ms,
      nodeLost: (node, why) => this.instanceGone(node, why),
    });
    try {
      await this.ec2.start();
    } catch (e) {
      throw new Error(`ec2: cannot reach the EC2 API${this.cfg.ec2.endpoint ? ` at ${this.cfg.ec2.endpoint}` : ''}: ${(e as Error).message}`);
    }
    this.closers.push(() => this.ec2?.stop());
    log.info({ queues: [...queues.keys()], endpoint: this.cfg.ec2.endpoint || undefined, region: this.cfg.ec2.region || undefined }, 'EC2 queues ready');
  }

  /** Queues served by ParallelCluster heads: polled from start; a head that does not answer only stops its queue. */
  private async startPcluster(): Promise<void> {
    const queues = new Map(this.cfg.queues.filter((q) => q.provider === 'pcluster' && q.pcluster).map((q) => [q.name, q.pcluster!] as const));
    if (queues.size === 0) return;
    const { PclusterCapacity } = await import('./pcluster.js');
    const log = this.root.child({ component: 'pcluster' });
    this.pcluster = new PclusterCapacity({ queues, jobs: this.jobs, log });
    this.jobs.remote = this.pcluster;
    this.closers.push(() => this.pcluster?.stop());
    log.info({ queues: [...queues].map(([q, c]) => ({ queue: q, cluster: c.cluster, url: c.url, partition: c.partition })) }, 'ParallelCluster queues ready');
  }

  private startProvider(): void {
    const tokenFile = join(this.cfg.home, 'agent.token');
    this.provider = new LocalProvider({
      server: this.cfg.server.name, nodes: this.cfg.local.nodes, ncpus: this.cfg.local.ncpus, mem_bytes: this.cfg.local.mem_bytes,
      ngpus: this.cfg.local.ngpus, home: this.cfg.home, address: this.address, tokenFile, heartbeatMs: this.cfg.agent.heartbeat_ms, orphanExitMs: this.cfg.agent.orphan_exit_ms,
    }, this.root.child({ component: 'local' }));
    this.provider.start();
    this.closers.push(() => this.provider.stop(), () => this.hub.shutdown());
  }

  private hubListener(): HubListener {
    return {
      registered: (r) => {
        const t = this.graceTimers.get(r.node);
        if (t) { clearTimeout(t); this.graceTimers.delete(r.node); }
        // The jobs its list can speak of: those running there now. One the scheduler starts there
        // while the registration is being handled is launched on this new connection, after it.
        const before = new Set([...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')].filter((j) => j.alloc[0]?.node === r.node).map((j) => j.id));
        const queue = this.ec2?.queueOf(r.resources?.instance_id ?? '') ?? '';
        // An EC2 instance's network layers come from DescribeInstanceTopology, when its agent has none.
        const layers = queue && this.ec2 && !(r.resources?.network_nodes ?? []).some((x) => x) ? this.ec2.networkNodes(r.resources?.instance_id ?? '') : Promise.resolve([]);
        void layers.then((nn) => this.nodes.upsert({ name: r.node, provider: queue ? 'ec2' : 'local', queue, host: r.host, arch: r.resources?.arch ?? 'linux', ncpus: r.resources?.ncpus ?? 0, mem_bytes: r.resources?.mem_bytes ?? 0, ngpus: r.resources?.ngpus ?? 0, up: true, topology: topologyOf(nn.length > 0 ? { ...r.resources, network_nodes: nn } : r.resources) }))
          .then(() => this.reconcile(r.node, r.running.map((x) => x.job_id), r.ended.map((x) => x.job_id), before))
          .then(() => this.loop.trigger(), (e: Error) => this.log.error({ err: e.message }, 'registering node failed'));
      },
      disconnected: (node, why) => {
        // A node that had a spot notice keeps it in its comment: pbsnodes shows why it went.
        const notice = this.notices.get(node);
        void this.nodes.setUp(node, false, notice ? `${why}; ${notice}` : why);
        if (this.state === 'running') this.awaitAgent(node, `node ${node} lost (${why})`);
      },
      heartbeat: () => undefined,
      usage: (node, u) => this.usage.report(u.job_id, node, { cput_seconds: Number(u.cput_seconds), mem_bytes: Number(u.mem_bytes) }),
      notice: (node, kind, action, time) => { void this.onNotice(node, kind, action, time).catch((e: Error) => this.log.error({ node, err: e.message }, 'handling a notice failed')); },
      started: (_node, id, pid) => { void this.jobs.started(id, pid).catch((e: Error) => this.log.error({ err: e.message }, 'recording start failed')); },
      ended: async (node, e) => {
        // The job's other nodes' usage (its commands there, through fleetq rsh) adds to its first node's.
        const all = this.usage.end(e.job_id, node, { cput_seconds: Number(e.cput_seconds), mem_bytes: Number(e.mem_bytes) });
        const job = await this.jobs.ended(e.job_id, { ...e, ...all });
        if (job) this.log.info({ job: job.id, exit_status: job.exit_status }, 'job finished');
      },
    };
  }

  /**
   * A spot interruption notice (or rebalance recommendation) for a node: nothing new is placed on it
   * (offline, with the notice as its comment); on an interruption each job there gets the signal it
   * asked for (-l checkpoint_signal, default SIGTERM) and the notice in its journal. When the node
   * then goes, its jobs are handled as for any lost node (rerunnable ones requeued).
   */
  private async onNotice(node: string, kind: string, action: string, time: string): Promise<void> {
    const text = kind === 'spot-interruption' ? `spot interruption notice: ${action || 'terminate'} at ${time}` : `rebalance recommendation at ${time}`;
    this.log.warn({ node, kind, action, time }, 'instance notice: node drained');
    this.notices.set(node, text);
    await this.nodes.setOffline(node, true, text);
    if (kind !== 'spot-interruption') return;
    for (const j of [...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')]) {
      if (!j.alloc.some((a) => a.node === node)) continue;
      const sig = j.resources?.other?.['checkpoint_signal'] ?? 'SIGTERM';
      await this.jobs.note(j.seq, 'spot-notice', `node ${node}: ${text}; ${sig} sent`);
      this.hub.signal(j.alloc[0]?.node ?? node, j.id, sig, false);
    }
  }

  /**
   * An agent registered with the jobs it runs and those that ended while it was away. Jobs that were
   * active on its node when it registered (`before`) and that it does not know are lost (one started
   * there since is launched on the new connection: a daemon restarted under load once ran a job on
   * two nodes at once by counting it lost); jobs it runs that are not running there any more (the
   * node was down long enough for them to be requeued, or they were deleted meanwhile) are killed,
   * so a job never runs in two places.
   */
  private async reconcile(node: string, running: string[], ended: string[], before: ReadonlySet<string>): Promise<void> {
    const known = new Set([...running, ...ended]);
    const lost = [...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')].filter((j) => j.alloc[0]?.node === node && before.has(j.id) && !known.has(j.id));
    for (const j of lost) await this.jobs.lost(j, `its node ${node} no longer runs it`);
    for (const id of running) {
      let job: JobRecord | undefined;
      try { job = this.jobs.find(id); } catch { job = undefined; }
      if (job && isActive(job.state) && job.alloc[0]?.node === node) continue;
      this.log.warn({ node, job: id, state: job?.state ?? 'unknown' }, 'agent runs a job that is not running there: killed');
      this.hub.send(node, { signal: { job_id: id, signal: 'SIGKILL', then_kill: false, forget: true } });
    }
  }

  /**
   * Gives a node's agent reconnect_grace to come back; then its running jobs are lost. A local agent
   * whose process is still alive is only slow (a loaded machine, a daemon restart): wait on for it,
   * since requeueing a job that still runs would run it twice.
   */
  private awaitAgent(node: string, why: string): void {
    const old = this.graceTimers.get(node);
    if (old) clearTimeout(old);
    this.graceTimers.set(node, setTimeout(() => {
      this.graceTimers.delete(node);
      if (this.state !== 'running' || this.hub.connected(node)) return;
      if (this.provider.agentAlive(node)) { this.awaitAgent(node, why); return; }
      void this.loseJobsOn(node, why).then(() => {
        const notice = this.notices.get(node);
        this.notices.delete(node);
        const instance = this.nodes.get(node)?.topology.instance_id ?? '';
        if (this.ec2 && this.ec2.queueOf(instance) !== '') void this.ec2.nodeGone(instance, why).catch((e: Error) => this.log.error({ node, err: e.message }, 'terminating a lost instance failed'));
        else this.provider.nodeGone(node, notice ? `${why}; ${notice}` : why);
      }, (e: Error) => this.log.error({ node, err: e.message }, 'handling a lost node failed'));
    }, this.cfg.agent.reconnect_grace_ms).unref());
  }

  /**
   * A node whose machine is gone (its EC2 instance terminated outside fleetq): down and offline with
   * why, every job with a chunk there lost (rerunnable ones requeued, with their request intact),
   * and its agent — if it still answers — told to drop them.
   */
  private async instanceGone(node: string, why: string): Promise<void> {
    await this.nodes.retire(node, why);
    for (const j of [...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')]) {
      if (!j.alloc.some((a) => a.node === node)) continue;
      const nodes = new Set(j.alloc.map((a) => a.node));
      await this.jobs.lost(j, `node ${node}: ${why}`);
      this.log.warn({ job: j.id, node, why }, 'job lost with its node\'s instance');
      for (const n of nodes) {
        try { this.hub.send(n, { signal: { job_id: j.id, signal: 'SIGKILL', then_kill: false, forget: true } }); } catch (e) { this.log.debug({ node: n, err: (e as Error).message }, 'could not tell the agent to drop the job'); }
      }
    }
  }

  private async loseJobsOn(node: string, why: string): Promise<void> {
    if (this.hub.connected(node)) return;
    for (const j of [...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')]) if (j.alloc[0]?.node === node) await this.jobs.lost(j, why);
  }

  /** After a restart: running jobs on nodes whose agent has not come back within the grace period are lost. */
  private watchLostJobs(): void {
    // (Jobs a ParallelCluster head's Slurm runs hold no fleetq node.)
    const nodes = new Set([...this.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')].filter((j) => j.alloc.length > 0).map((j) => j.alloc[0]?.node ?? ''));
    for (const n of nodes) if (!this.hub.connected(n)) this.awaitAgent(n, `node ${n} did not come back after the daemon restarted`);
  }

  private launch(job: JobRecord): void {
    const node = job.alloc[0]?.node ?? '';
    const ids = userIds(job.spec.user);
    const msg = launchMessage(job, { tmpRoot: tmpdir(), killDelaySeconds: this.cfg.jobs.kill_delay_seconds, uid: ids.uid, gid: ids.gid, files: launcherFiles(job.alloc) });
    msg.env = { ...msg.env, FLEETQ_JOB_TOKEN: jobToken(this.secret, job) };
    if (!this.hub.launch(node, msg)) void this.jobs.lost(job, `node ${node} was not reachable at launch`);
  }

  private printBanner(): void {
    const specs = this.provider.specs;
    const cpus = specs.reduce((s, n) => s + n.ncpus, 0);
    process.stdout.write([
      `fleetq ${VERSION} is running on ${this.address}${this.cfg.server.listen ? ` and ${this.cfg.server.listen}` : ''}`,
      `  ${specs.length} local node(s): ${specs.map((n) => n.name).join(', ')} (${cpus} cpus)`,
      '  In another terminal, from this directory:',
      `    export FLEETQ_HOME=${this.cfg.home}`,
      `    echo 'hostname; sleep 10' | bin/qsub -N hello      # prints the job id`,
      '    bin/qstat                                           # the queue; bin/qstat -f ID for details',
      '    bin/pbsnodes -a                                     # the nodes',
      '  Ctrl-C stops the daemon (running jobs keep running and are picked up on restart).',
      '',
    ].join('\n'));
  }

  /** Stops in reverse order of starting. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.log?.info('fleetq daemon stopping');
    for (const t of this.graceTimers.values()) clearTimeout(t);
    await this.loop?.stop();
    for (const close of this.closers.reverse()) {
      try { await close(); } catch (e) { this.log?.error({ err: (e as Error).message }, 'error while stopping'); }
    }
    this.state = 'stopped';
  }
}

const FREES = new Set(['finished', 'requeued', 'released']);

/** A job's nodes other than its first (PBS's sisters of the mother superior). */
function sisterNodes(job: JobRecord): Set<string> {
  const first = job.alloc[0]?.node;
  return new Set(job.alloc.map((a) => a.node).filter((n) => n !== first));
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve(port)));
  });
}

/** The shared secret agents present; created once per FLEETQ_HOME, readable by its owner only. */
function agentToken(home: string): string {
  const f = join(home, 'agent.token');
  if (!existsSync(f)) writeFileSync(f, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(f, 'utf8').trim();
}

/** Runs the daemon until SIGTERM/SIGINT. */
export async function runDaemon(o: DaemonOptions): Promise<void> {
  const d = new Daemon();
  let signalled = false;
  const onSignal = (sig: string): void => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`fleetq: ${sig} received, shutting down\n`);
    d.stop().then(() => process.exit(0), () => process.exit(1));
  };
  // The daemon never dies of one bad request: a stray rejection is logged, not fatal.
  process.on('unhandledRejection', (e) => process.stderr.write(`${JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String((e as Error)?.stack ?? e) })}\n`));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    await d.start(o);
  } catch (e) {
    await d.stop().catch(() => undefined);
    throw e;
  }
}
