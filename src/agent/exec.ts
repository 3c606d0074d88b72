/**
 * Commands a job runs on this node through `fleetq rsh` (PBS's pbs_tmrsh): the daemon relays an
 * ExecOpen from the job's mother superior; this starts it in its own process group under a
 * fleetq-shepherd (in the job's cgroup on this node, within the job's share of it, ended if the agent
 * dies), as the job's user, and streams its output back until it ends. A command may leave
 * processes behind on purpose (Open MPI's `orted --daemonize`): they stay in the job's cgroup here
 * until they end or the job does. When nothing of a job is left here, what it used on this node goes
 * to the daemon, which adds it to the job's resources_used. On a node whose name is not this host's name —
 * a local virtual node sharing a machine with others — the command runs in a UTS namespace whose
 * hostname is the node's name: MPI launchers (Open MPI's orted) identify nodes by hostname, and
 * would otherwise take every virtual node for the same host.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentMessage } from '../gen/fleetq/v1/AgentMessage.js';
import type { ExecOpen__Output } from '../gen/fleetq/v1/ExecOpen.js';
import type { ExecInput__Output } from '../gen/fleetq/v1/ExecInput.js';
import type { Logger } from '../util/log.js';
import { asUser } from './user.js';
import { lifelineUsage, type JobContainment } from './shepherd.js';

const SIGNALS = new Set(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']);

/** Whether `unshare -u` and `setpriv` work here (root, util-linux): checked once. */
let utsUsable: boolean | undefined;
function canUseUts(): boolean {
  if (utsUsable === undefined) {
    utsUsable = process.getuid?.() === 0 && spawnSync('unshare', ['-u', 'true']).status === 0 && spawnSync('setpriv', ['--help']).status === 0;
  }
  return utsUsable;
}

interface Exec { jobId: string; child: ChildProcess; pid: number }

/**
 * `cmd args` wrapped to run in a UTS namespace whose hostname is `node`, when this agent serves a
 * node whose name is not this machine's hostname and can make one (root, util-linux); else as is.
 * The wrapped command must not rely on spawn() setting ids (setuid happens inside, via setpriv).
 */
export function onNode(node: string, cmd: string, args: readonly string[]): { cmd: string; args: string[]; uts: boolean } {
  if (node === hostname() || !canUseUts()) return { cmd, args: [...args], uts: false };
  return { cmd: 'unshare', args: ['-u', 'sh', '-c', 'hostname "$1" || exit 126; shift; exec "$@"', 'sh', node, cmd, ...args], uts: true };
}

export class JobExecs {
  private readonly open = new Map<string, Exec>();

  constructor(
    private readonly node: string, private readonly send: (m: AgentMessage) => void, private readonly log: Logger,
    private readonly contain: JobContainment,
    /** Whether the job's script runs on this node (then the agent reports its usage at its end). */
    private readonly scriptHere: (jobId: string) => boolean,
  ) {}

  /** Jobs whose script runs elsewhere, with a cgroup here that may still hold their processes. */
  private readonly sisters = new Map<string, () => void>(); // → stops watching its cgroup

  /** The jobs with commands (or processes they left) here. */
  jobs(): Set<string> { return new Set([...this.open.values()].map((x) => x.jobId).concat([...this.sisters.keys()])); }

  /**
   * Jobs of which nothing is left here (no command open, their cgroup empty): their usage on this
   * node goes to the daemon as final, and their cgroup is removed. Called on each heartbeat tick and
   * when a command ends.
   */
  settle(): void {
    const open = new Set([...this.open.values()].map((x) => x.jobId));
    for (const [id, unwatch] of this.sisters) {
      if (open.has(id) || this.contain.populated(id) || this.scriptHere(id)) continue;
      this.sisters.delete(id);
      unwatch();
      const u = this.contain.usage(id);
      this.send({ usage: { job_id: id, cput_seconds: u?.cput_seconds ?? 0, mem_bytes: u?.mem_bytes ?? this.contain.peakOf(id), final: true } });
      this.contain.release(id);
    }
  }

  /** The process groups of a job's commands here. */
  groupsOf(jobId: string): number[] { return [...this.open.values()].filter((x) => x.jobId === jobId).map((x) => x.pid); }

  /** Starts `o.command` (a shell command line) for job o.job_id. */
  start(o: ExecOpen__Output): void {
    // As the job's user (setpriv, with the account's groups), on a node of its own name when this
    // machine serves several (MPI launchers tell nodes apart by hostname).
    const user = asUser('sh', ['-c', o.command], o.uid, o.gid);
    const run = user.ids ? { ...user, uts: false } : { ...onNode(this.node, user.cmd, user.args), ids: undefined };
    const uts = run.uts;
    let child: ChildProcess;
    try {
      const shep = this.contain.wrap(o.job_id, { ncpus: o.ncpus, mem_bytes: Number(o.mem_bytes), cpu_ids: o.cpu_ids }, 10, run.cmd, run.args, { cgroup: !run.ids });
      child = spawn(shep.cmd, shep.args, {
        // fd 3: the shepherd's lifeline (end-of-file there = this agent is gone).
        cwd: o.cwd !== '' && existsSync(o.cwd) ? o.cwd : '/', env: o.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true,
        ...(run.ids ?? {}),
      });
    } catch (e) {
      this.send({ exec_done: { exec_id: o.exec_id, code: 127, signal: '', error: (e as Error).message } });
      return;
    }
    const rusage = lifelineUsage(child);
    const x: Exec = { jobId: o.job_id, child, pid: child.pid ?? 0 };
    this.open.set(o.exec_id, x);
    // Settled as soon as its last process here ends (not only at the next heartbeat), so its usage
    // reaches the daemon before the job's end does.
    if (!this.scriptHere(o.job_id) && !this.sisters.has(o.job_id)) this.sisters.set(o.job_id, this.contain.watch(o.job_id, () => this.settle()));
    this.log.debug({ job: o.job_id, exec: o.exec_id, pid: x.pid, uts }, 'exec started');
    child.stdout?.on('data', (d: Buffer) => this.send({ exec_output: { exec_id: o.exec_id, fd: 1, data: d } }));
    child.stderr?.on('data', (d: Buffer) => this.send({ exec_output: { exec_id: o.exec_id, fd: 2, data: d } }));
    child.stdin?.on('error', () => undefined); // the command may close its stdin early
    let reported = false;
    const done = (code: number, signal: string, error: string): void => {
      if (reported) return;
      reported = true;
      this.open.delete(o.exec_id);
      this.contain.notePeak(o.job_id, rusage().mem_bytes);
      // Before the end goes out: if nothing of the job is left here, its final usage goes first.
      this.settle();
      this.send({ exec_done: { exec_id: o.exec_id, code, signal, error } });
    };
    child.on('error', (e) => done(127, '', e.message));
    // 'close': after its output has been read out, so no output follows the end.
    child.on('close', (code, sig) => done(code ?? 128, sig ?? '', ''));
  }

  /** Stdin bytes, end of stdin, or a signal to the exec's process group. */
  input(i: ExecInput__Output): void {
    const x = this.open.get(i.exec_id);
    if (!x) return;
    if (i.data.length > 0) x.child.stdin?.write(i.data);
    if (i.eof) x.child.stdin?.end();
    if (i.signal !== '' && SIGNALS.has(i.signal)) this.kill(x, i.signal);
  }

  /** Signals every exec of a job on this node (qdel, walltime, the job's end). */
  signalJob(jobId: string, sig: string): void {
    for (const x of this.open.values()) if (x.jobId === jobId) this.kill(x, sig);
    // What its commands left here (daemonized processes), where the job has a cgroup on this node.
    if (this.sisters.has(jobId)) this.contain.signal(jobId, sig as NodeJS.Signals);
  }

  private kill(x: Exec, sig: string): void {
    try { process.kill(-x.pid, sig as NodeJS.Signals); } catch { /* gone */ }
  }
}
