/**
 * Commands a job runs on this node through `fleetq rsh` (PBS's pbs_tmrsh): the daemon relays an
 * ExecOpen from the job's mother superior; this starts it in its own process group, as the job's
 * user, and streams its output back until it ends. On a node whose name is not this host's name —
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

  constructor(private readonly node: string, private readonly send: (m: AgentMessage) => void, private readonly log: Logger) {}

  /** Starts `o.command` (a shell command line) for job o.job_id. */
  start(o: ExecOpen__Output): void {
    // As the job's user (setpriv, with the account's groups), on a node of its own name when this
    // machine serves several (MPI launchers tell nodes apart by hostname).
    const user = asUser('sh', ['-c', o.command], o.uid, o.gid);
    const run = user.ids ? { ...user, uts: false } : { ...onNode(this.node, user.cmd, user.args), ids: undefined };
    const uts = run.uts;
    let child: ChildProcess;
    try {
      child = spawn(run.cmd, run.args, {
        cwd: o.cwd !== '' && existsSync(o.cwd) ? o.cwd : '/', env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
        ...(run.ids ?? {}),
      });
    } catch (e) {
      this.send({ exec_done: { exec_id: o.exec_id, code: 127, signal: '', error: (e as Error).message } });
      return;
    }
    const x: Exec = { jobId: o.job_id, child, pid: child.pid ?? 0 };
    this.open.set(o.exec_id, x);
    this.log.debug({ job: o.job_id, exec: o.exec_id, pid: x.pid, uts }, 'exec started');
    child.stdout?.on('data', (d: Buffer) => this.send({ exec_output: { exec_id: o.exec_id, fd: 1, data: d } }));
    child.stderr?.on('data', (d: Buffer) => this.send({ exec_output: { exec_id: o.exec_id, fd: 2, data: d } }));
    child.stdin?.on('error', () => undefined); // the command may close its stdin early
    let reported = false;
    const done = (code: number, signal: string, error: string): void => {
      if (reported) return;
      reported = true;
      this.open.delete(o.exec_id);
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
  }

  private kill(x: Exec, sig: string): void {
    try { process.kill(-x.pid, sig as NodeJS.Signals); } catch { /* gone */ }
  }
}
