/**
 * The node agent (`fleetq agent`): runs jobs on one node for the daemon. It dials the daemon and
 * holds one Connect stream: Register (with the jobs it still runs and those that ended while the
 * daemon was away), heartbeats, started/ended reports up; Launch, Signal, AckEnded, Shutdown down.
 *
 * Jobs run as real processes in their own process group (and, where it can, their own cgroup: see
 * shepherd.ts), each under a fleetq-shepherd that ends them if this agent dies, in PBS_O_WORKDIR,
 * with PBS's environment, stdout/stderr in the files PBS names. Walltime is enforced here (SIGTERM, kill_delay, SIGKILL), so
 * it holds while the daemon restarts. An ended job's report is written to the agent's spool before
 * it is sent, and removed only when the daemon acknowledges it: a report survives daemon and agent
 * restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../proto/load.js';
import type { AgentClient } from '../gen/fleetq/v1/Agent.js';
import type { AgentMessage } from '../gen/fleetq/v1/AgentMessage.js';
import type { DaemonMessage__Output } from '../gen/fleetq/v1/DaemonMessage.js';
import type { Launch__Output } from '../gen/fleetq/v1/Launch.js';
import type { JobEnded } from '../gen/fleetq/v1/JobEnded.js';
import type { Logger } from '../util/log.js';
import { JobExecs, onNode } from './exec.js';
import { asUser, loginEnv } from './user.js';
import { NoticePoller, type InstanceFacts } from './imds.js';
import { acquireLock } from '../util/lockfile.js';
import { cpuSeconds, JobContainment, lifelineUsage, type Usage } from './shepherd.js';

export interface AgentOptions {
  node: string;
  server: string;            // gRPC target of the daemon
  tokenFile: string;         // shared secret proving the agent belongs to this daemon ('' with tls)
  /** Mutual TLS: the cluster CA, this node's certificate and key (fleetq admin); replaces the token. */
  tls?: { ca: string; cert: string; key: string };
  stateDir: string;          // spool: scripts, nodefiles, ended reports, tmp dirs
  ncpus: number; mem_bytes: number; ngpus: number;
  /** Found on the machine (src/agent/facts.ts): physical cores, NUMA domains, EFA devices. */
  cores?: number; numa?: number; efa?: number;
  heartbeatMs: number;
  orphanExitMs: number;      // exit when the daemon has been away this long and no job runs
  log: Logger;
  /** Facts read from the EC2 instance metadata service at start (fleetq agent --imds URL). */
  instance?: InstanceFacts;
  /** The metadata service to poll for spot interruption and rebalance notices, and how often. */
  imds?: { url: string; pollMs: number };
}

interface Running {
  launch: Launch__Output;
  child: ChildProcess;
  pid: number;
  start: number;             // unix seconds
  reason: string;            // why it was killed: '', 'walltime', 'signal'
  timers: NodeJS.Timeout[];
  cput: number;
  /** What the shepherd reported at the end (its command's largest process, cpu time). */
  rusage: () => Usage;
  /** Dropped on the daemon's word (Signal.forget): killed, and its end neither cleaned up nor reported. */
  forgotten?: boolean;
}

const now = (): number => Math.floor(Date.now() / 1000);
/** `fleetq rsh` as launchers call an rsh agent (bin/fleetq-rsh, beside this install's commands). */
const RSH = fileURLToPath(new URL('../../../bin/fleetq-rsh', import.meta.url));
const SIGNALS = new Set(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT', 'SIGQUIT']);

export class NodeAgent {
  private readonly running = new Map<string, Running>();
  private stream: grpc.ClientDuplexStream<AgentMessage, DaemonMessage__Output> | undefined;
  private readonly client: AgentClient;
  /** Exit once no job runs: set by the daemon's Shutdown (cleared when a daemon registers us again) and by SIGTERM. */
  private shuttingDown = false;
  private terminating = false;
  private lastConnected = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  private readonly execs: JobExecs;
  private readonly contain: JobContainment;
  private unlock: () => void = () => undefined;

  constructor(private readonly o: AgentOptions) {
    this.log = o.log;
    this.contain = new JobContainment(o.node, o.ncpus, o.stateDir, o.log);
    this.execs = new JobExecs(o.node, (m) => this.send(m), o.log, this.contain, (id) => this.running.has(id));
    // jobs/ and tmp/ hold files that jobs running as their owners read: traversable, not listable.
    for (const d of ['jobs', 'ended', 'tmp']) mkdirSync(join(o.stateDir, d), { recursive: true, mode: d === 'ended' ? 0o700 : 0o711 });
    chmodSync(o.stateDir, 0o711);
    const proto = loadProto();
    // Reconnect quickly: a restarted daemon should see its agents within a second.
    const creds = o.tls
      ? grpc.credentials.createSsl(readFileSync(o.tls.ca), readFileSync(o.tls.key), readFileSync(o.tls.cert))
      : grpc.credentials.createInsecure();
    this.client = new proto.fleetq.v1.Agent(o.server, creds, {
      'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000,
    }) as unknown as AgentClient;
  }

  start(): void {
    // One agent per state directory (a second would sweep the first one's jobs away): the pid file is a lock.
    this.unlock = acquireLock(join(this.o.stateDir, 'agent.pid'), 'agent');
    this.log.info(this.contain.describe());
    this.contain.sweep();
    this.connect();
    // Not unref'd: the interval keeps the agent alive while it waits for the daemon.
    this.timers.push(setInterval(() => this.tick(), this.o.heartbeatMs));
    // On EC2: spot interruption and rebalance notices go to the daemon, which drains the node.
    if (this.o.imds) {
      new NoticePoller(this.o.imds.url, (n) => {
        this.log.warn({ ...n }, 'instance notice');
        this.send({ notice: n });
      }, (e) => this.log.debug({ err: e.message }, 'metadata poll failed')).start(this.o.imds.pollMs);
    }
  }

  /** Kills every job (SIGTERM, then SIGKILL after kill_delay), reports their ends, then exits. */
  terminate(): void {
    this.shuttingDown = true;
    this.terminating = true;
    for (const id of this.running.keys()) this.signal(id, 'SIGTERM', true, 'signal');
    if (this.running.size === 0) this.exit();
  }

  /** Dials the daemon and registers. Also while waiting to exit: a restarted daemon must learn of our jobs. */
  private connect(): void {
    if (this.exited) return;
    const md = new grpc.Metadata();
    if (!this.o.tls) md.set('x-fleetq-agent-token', readFileSync(this.o.tokenFile, 'utf8').trim());
    const s = this.client.Connect(md);
    this.stream = s;
    s.on('data', (m: DaemonMessage__Output) => this.onMessage(m));
    s.on('error', () => undefined); // 'status' follows; reconnect there
    s.on('status', () => {
      if (this.stream !== s) return;
      this.stream = undefined;
      setTimeout(() => this.connect(), 250);
    });
    s.write({ register: {
      node: this.o.node, pid: process.pid, host: hostname(),
      resources: {
        ncpus: this.o.ncpus, mem_bytes: this.o.mem_bytes, ngpus: this.o.ngpus, arch: 'linux',
        cores: (this.o.cores ?? 0) <= this.o.ncpus ? this.o.cores ?? 0 : 0, numa: this.o.numa ?? 1, efa: this.o.efa ?? 0,
        ...(this.o.instance ? { instance_id: this.o.instance.instance_id, instance_type: this.o.instance.instance_type, availability_zone: this.o.instance.availability_zone, placement_group: this.o.instance.placement_group, spot: this.o.instance.spot } : {}),
      },
      running: this.runningList(), ended: this.spooledEnds(),
    } });
    this.lastConnected = Date.now();
  }

  /** What every job with processes here used so far (its script's, and its `fleetq rsh` commands'). */
  private usageList(): Array<{ job_id: string; cput_seconds: number; mem_bytes: number }> {
    const ids = new Set([...this.running.keys(), ...this.execs.jobs()]);
    return [...ids].map((id) => {
      const r = this.running.get(id);
      const u = this.contain.usage(id, [...(r ? [r.pid] : []), ...this.execs.groupsOf(id)]);
      return { job_id: id, cput_seconds: u?.cput_seconds ?? r?.cput ?? 0, mem_bytes: u?.mem_bytes ?? this.contain.peakOf(id) };
    });
  }

  private runningList(): Array<{ job_id: string; pid: number; start_time_unix: number }> {
    return [...this.running.values()].map((r) => ({ job_id: r.launch.job_id, pid: r.pid, start_time_unix: r.start }));
  }

  private spooledEnds(): JobEnded[] {
    const dir = join(this.o.stateDir, 'ended');
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as JobEnded);
  }

  private send(m: AgentMessage): void { this.stream?.write(m); }

  private tick(): void {
    for (const r of this.running.values()) r.cput = Math.max(r.cput, cpuSeconds(r.pid));
    this.execs.settle();
    if (this.stream) { this.lastConnected = Date.now(); this.send({ heartbeat: { time_unix: now(), running: this.runningList(), usage: this.usageList() } }); }
    const idle = this.running.size === 0;
    if (idle && (this.shuttingDown || Date.now() - this.lastConnected > this.o.orphanExitMs)) this.exit();
  }

  private onMessage(m: DaemonMessage__Output): void {
    switch (m.msg) {
      case 'launch': if (m.launch) this.launch(m.launch); break;
      case 'signal':
        if (m.signal?.forget) this.forget(m.signal.job_id);
        else if (m.signal) this.signal(m.signal.job_id, m.signal.signal, m.signal.then_kill, 'signal');
        break;
      case 'ack_ended': if (m.ack_ended) rmSync(join(this.o.stateDir, 'ended', `${m.ack_ended.job_id}.json`), { force: true }); break;
      case 'shutdown': this.shuttingDown = true; if (this.running.size === 0) this.exit(); break;
      case 'registered': if (!this.terminating) this.shuttingDown = false; break; // a (new) daemon has us again
      case 'exec_open': if (m.exec_open) this.execs.start(m.exec_open); break;
      case 'exec_input': if (m.exec_input) this.execs.input(m.exec_input); break;
      default: break;
    }
  }

  /** Starts a job's script. A failure to start is reported as an end with JOB_EXEC_FAIL1 (-1). */
  private launch(l: Launch__Output): void {
    if (this.running.has(l.job_id)) return; // duplicate launch after a reconnect
    const files = this.jobFiles(l.job_id);
    let out = -1; let err = -1;
    try {
      const asOwner = process.getuid?.() === 0 && l.uid !== 0;
      writeFileSync(files.script, l.script, { mode: 0o700 });
      writeFileSync(files.nodefile, l.nodefile.map((h) => `${h}\n`).join(''), { mode: 0o644 });
      // The rank layout the daemon computed, as launchers read it; named in the job's environment.
      const layout: Record<string, string> = {};
      for (const [key, text, path] of [['FLEETQ_HOSTFILE', l.hostfile, files.hostfile], ['FLEETQ_RANKFILE', l.rankfile, files.rankfile], ['FLEETQ_MACHINEFILE', l.machinefile, files.machinefile]] as const) {
        if (text === '') continue;
        writeFileSync(path, text, { mode: 0o644 });
        layout[key] = path;
      }
      const tmp = l.env.TMPDIR ?? files.tmp;
      mkdirSync(tmp, { recursive: true, mode: 0o700 });
      out = openSync(l.stdout_path, 'w', 0o644);
      err = l.stderr_path === l.stdout_path ? out : openSync(l.stderr_path, 'w', 0o644);
      if (asOwner) for (const f of [files.script, files.nodefile, ...Object.values(layout), tmp, l.stdout_path, l.stderr_path]) chownSync(f, l.uid, l.gid);
      const [shell, shellArgs] = shellFor(l, files.script);
      const user = asUser(shell, shellArgs, l.uid, l.gid);
      // On a machine that serves several nodes, the job sees its node's name as the hostname.
      const run = user.ids ? { ...user, uts: false } : { ...user, ...onNode(this.o.node, user.cmd, user.args) };
      // Under a shepherd: in the job's cgroup, within its share of the node, ended if this agent dies.
      const share = { ncpus: l.ncpus, mem_bytes: Number(l.mem_bytes), cpu_ids: l.cpu_ids, cput_limit_seconds: Number(l.cput_limit_seconds) };
      const shep = this.contain.wrap(l.job_id, share, l.kill_delay_seconds, run.cmd, run.args, { cgroup: !run.ids });
      const child = spawn(shep.cmd, shep.args, {
        cwd: l.workdir,
        env: {
          // A search path as a login shell would have one (launchers look their agents up in it).
          PATH: l.env.PBS_O_PATH ?? '/usr/local/bin:/usr/bin:/bin',
          ...l.env, ...layout, ...this.launcherEnv(layout), PBS_NODEFILE: files.nodefile,
          ...loginEnv(run.how === 'self' ? process.getuid?.() ?? 0 : l.uid, l.env.PBS_O_HOME ?? process.env.HOME ?? '/'),
        },
        // fd 3: the shepherd's lifeline (end-of-file there = this agent is gone).
        stdio: ['ignore', out, err, 'pipe'], detached: true,
        ...(run.ids ?? {}),
      });
      const r: Running = { launch: l, child, pid: child.pid ?? 0, start: now(), reason: '', timers: [], cput: 0, rusage: lifelineUsage(child) };
      this.running.set(l.job_id, r);
      // 'close': once the shepherd's report on the lifeline has been read too.
      child.on('close', (code, sig) => this.onExit(r, code, sig));
      child.on('error', (e) => { this.log.warn({ job: l.job_id, err: e.message }, 'job process error'); });
      if (l.walltime_seconds > 0) {
        r.timers.push(setTimeout(() => this.signal(l.job_id, 'SIGTERM', true, 'walltime'), l.walltime_seconds * 1000));
      }
      this.log.info({ job: l.job_id, pid: r.pid, uid: l.uid, as: run.how }, 'job started');
      this.send({ started: { job_id: l.job_id, pid: r.pid, start_time_unix: r.start } });
    } catch (e) {
      this.log.warn({ job: l.job_id, err: (e as Error).message }, 'launch failed');
      this.report({ job_id: l.job_id, exit_status: -1, end_time_unix: now(), cput_seconds: 0, walltime_seconds: 0, reason: 'launch' });
    } finally {
      if (out >= 0) closeSync(out);
      if (err >= 0 && err !== out) closeSync(err);
    }
  }

  /**
   * Points MPI launchers at the job's nodes and at `fleetq rsh` instead of ssh: a plain `mpirun`
   * (Open MPI) or `mpiexec` (MPICH's hydra) in the script starts its ranks on every node of the job
   * through the agents. Tree spawn is off: every remote daemon is started from the first node.
   */
  private launcherEnv(layout: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {
      FLEETQ_SERVER: this.o.server, OMPI_MCA_plm_rsh_agent: RSH, OMPI_MCA_plm_rsh_no_tree_spawn: '1',
      HYDRA_LAUNCHER: 'ssh', HYDRA_LAUNCHER_EXEC: RSH,
    };
    if (layout.FLEETQ_HOSTFILE) env.OMPI_MCA_orte_default_hostfile = layout.FLEETQ_HOSTFILE;
    if (layout.FLEETQ_MACHINEFILE) env.HYDRA_HOST_FILE = layout.FLEETQ_MACHINEFILE;
    return env;
  }

  private jobFiles(id: string): { script: string; nodefile: string; hostfile: string; rankfile: string; machinefile: string; tmp: string } {
    const base = join(this.o.stateDir, 'jobs', id);
    return {
      script: `${base}.SC`, nodefile: `${base}.nodes`, hostfile: `${base}.hostfile`, rankfile: `${base}.rankfile`, machinefile: `${base}.machinefile`,
      tmp: join(this.o.stateDir, 'tmp', `pbs.${id}`),
    };
  }

  /** Signals the job's whole process group; with thenKill, SIGKILL follows after kill_delay. */
  private signal(id: string, sig: string, thenKill: boolean, reason: string): void {
    const r = this.running.get(id);
    // Its commands on this node (fleetq rsh), whether or not its script runs here.
    if (SIGNALS.has(sig)) {
      this.execs.signalJob(id, sig);
      if (thenKill) setTimeout(() => this.execs.signalJob(id, 'SIGKILL'), (r?.launch.kill_delay_seconds ?? 10) * 1000).unref();
    }
    if (!r || !SIGNALS.has(sig)) return;
    if (r.reason === '') r.reason = reason;
    this.kill(r, sig as NodeJS.Signals);
    if (thenKill) r.timers.push(setTimeout(() => this.kill(r, 'SIGKILL'), r.launch.kill_delay_seconds * 1000));
  }

  /**
   * The daemon no longer counts this run as the job's (it requeued the job while this node was away):
   * every process of it here is killed now and the run is dropped — its end is not reported, and a
   * new launch of the job here starts afresh.
   */
  private forget(id: string): void {
    const r = this.running.get(id);
    this.execs.signalJob(id, 'SIGKILL');
    if (!r) return;
    this.log.warn({ job: id, pid: r.pid }, 'job dropped: the daemon runs it elsewhere or no more; killed');
    r.forgotten = true;
    r.timers.forEach(clearTimeout);
    this.running.delete(id);
    this.kill(r, 'SIGKILL');
    rmSync(join(this.o.stateDir, 'ended', `${id}.json`), { force: true });
  }

  /** Signals every process of the job's script here: its cgroup where it has one, else its process group. */
  private kill(r: Running, sig: NodeJS.Signals): void {
    if (this.contain.signal(r.launch.job_id, sig)) return;
    try { process.kill(-r.pid, sig); } catch {
      // No group yet: the shepherd is between its fork and its setsid. It holds the signal for the job.
      try { process.kill(r.pid, sig); } catch { /* already gone */ }
    }
  }

  private onExit(r: Running, code: number | null, sig: NodeJS.Signals | null): void {
    if (r.forgotten) return;
    r.timers.forEach(clearTimeout);
    this.running.delete(r.launch.job_id);
    try { process.kill(-r.pid, 'SIGKILL'); } catch { /* the group is gone */ }
    const ru = r.rusage();
    this.contain.notePeak(r.launch.job_id, ru.mem_bytes);
    const used = this.contain.usage(r.launch.job_id);
    const mem = used?.mem_bytes ?? this.contain.peakOf(r.launch.job_id);
    const cput = Math.max(used?.cput_seconds ?? 0, r.cput, ru.cput_seconds);
    // Whatever of the job is left here (processes that left its group, its rsh commands) ends now.
    this.execs.signalJob(r.launch.job_id, 'SIGKILL');
    this.contain.release(r.launch.job_id);
    const signum = sig ? (({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12 } as Record<string, number>)[sig] ?? 15) : 0;
    const exit = r.reason === 'walltime' ? -29 : sig ? 256 + signum : (code ?? 0);
    const files = this.jobFiles(r.launch.job_id);
    for (const f of [files.script, files.nodefile, files.hostfile, files.rankfile, files.machinefile]) if (existsSync(f)) unlinkSync(f);
    rmSync(r.launch.env.TMPDIR ?? files.tmp, { recursive: true, force: true });
    this.log.info({ job: r.launch.job_id, exit, reason: r.reason }, 'job ended');
    this.report({ job_id: r.launch.job_id, exit_status: exit, end_time_unix: now(), cput_seconds: cput, walltime_seconds: now() - r.start, reason: r.reason, mem_bytes: mem });
    if (this.shuttingDown && this.running.size === 0) setTimeout(() => this.exit(), 500).unref();
  }

  /** Spools the end report first (so it survives restarts), then sends it. */
  private report(e: JobEnded): void {
    writeFileSync(join(this.o.stateDir, 'ended', `${e.job_id}.json`), JSON.stringify(e));
    this.send({ ended: e });
  }

  private exited = false;

  private exit(): void {
    if (this.exited) return;
    this.exited = true;
    this.log.info({ node: this.o.node }, 'agent exiting');
    this.timers.forEach(clearInterval);
    this.unlock();
    this.contain.close();
    this.stream?.end();
    this.client.close();
    setTimeout(() => process.exit(0), 100).unref();
  }
}

/** The command that runs a script: -S shell, else the script's #! line, else /bin/bash. */
function shellFor(l: Launch__Output, script: string): [string, string[]] {
  if (l.shell !== '') return [l.shell.split(',')[0]?.replace(/@.*$/, '') ?? '/bin/bash', [script]];
  const m = /^#![ \t]*(\S+)(?:[ \t]+([^\n]*))?/.exec(l.script);
  if (m?.[1]) return [m[1], [...(m[2] ? [m[2].trim()] : []), script]];
  return ['/bin/bash', [script]];
}
