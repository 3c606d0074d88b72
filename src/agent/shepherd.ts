/**
 * How a node agent keeps hold of its jobs' processes. Every command a job runs here — its script on
 * its first node, commands started by `fleetq rsh` on any node — runs under fleetq-shepherd
 * (native/shepherd/shepherd.c), which ties the job to the agent: if the agent dies, the job ends
 * (a node whose agent is gone is down, and its jobs may run again elsewhere). Where this machine
 * has a writable cgroup v2 hierarchy, each job gets a cgroup per node: every process of the job is
 * tracked there (also those that leave its process group), counted (cpu.stat; memory.peak, else the
 * processes' resident memory sampled), ended at once (cgroup.kill), and limited where the memory
 * and cpu controllers can be enabled (memory.max, cpu.max). What a cgroup cannot enforce, rlimits
 * (RLIMIT_DATA for memory, RLIMIT_CPU for -l cput) and CPU affinity (the job's CPU ids, on a node
 * that is this whole machine) do. `describe()` says which, for the agent's log.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, watch, writeFileSync, type Dirent } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '../util/log.js';

/** The shepherd binary, built beside the native addon (FLEETQ_SHEPHERD overrides). */
export const SHEPHERD = process.env['FLEETQ_SHEPHERD'] || fileURLToPath(new URL('../../../build/Release/fleetq-shepherd', import.meta.url));

/** A job's share of this node, from its Launch or ExecOpen. */
export interface Share { ncpus: number; mem_bytes: number; cpu_ids: number[]; cput_limit_seconds?: number }
export interface Usage { cput_seconds: number; mem_bytes: number }

/** Where the cgroup v2 hierarchy is mounted, and this process's cgroup in it. */
function ownCgroup(): { mount: string; path: string } | undefined {
  try {
    const mount = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
      .map((l) => l.split(' - '))
      .find((p) => p[1]?.startsWith('cgroup2 '))?.[0]?.split(' ')[4];
    const path = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3);
    return mount && path !== undefined ? { mount, path } : undefined;
  } catch { return undefined; }
}

function read(path: string): string { try { return readFileSync(path, 'utf8'); } catch { return ''; } }
function write(path: string, text: string): boolean { try { writeFileSync(path, text); return true; } catch { return false; } }

export class JobContainment {
  /** This agent's cgroup (…/fleetq/NODE-HASH of its state dir), when cgroup v2 is usable here. */
  readonly base: string | undefined;
  /** Controllers enabled for the jobs' cgroups. */
  readonly controllers = new Set<string>();
  /** Pin jobs to their CPU ids: only where this node is the whole machine (ids are real CPUs). */
  private readonly pin: boolean;
  /** Peak resident memory seen per job, where no memory.peak counts it. */
  private readonly peak = new Map<string, number>();

  /** `stateDir` names this agent among others on the machine (several daemons may each have a node1). */
  constructor(private readonly node: string, ncpus: number, stateDir: string, private readonly log: Logger) {
    this.pin = node === hostname() && ncpus <= availableParallelism();
    if (!existsSync(SHEPHERD)) throw new Error(`${SHEPHERD} is missing: build it with 'npm run build:native'`);
    const own = process.getuid?.() === 0 ? ownCgroup() : undefined;
    if (!own) return;
    const root = join(own.mount, own.path);
    const base = join(root, 'fleetq', `${node}-${createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 8)}`);
    try { mkdirSync(base, { recursive: true }); } catch { return; }
    if (!existsSync(join(base, 'cgroup.procs'))) return;
    this.base = base;
    // Enable memory and cpu down to the jobs' cgroups where the hierarchy offers them (a cgroup with
    // processes of its own, other than the root, cannot: then rlimits stand in).
    for (const c of ['memory', 'cpu']) {
      if (!read(join(root, 'cgroup.controllers')).split(/\s+/).includes(c)) continue;
      if ([root, join(root, 'fleetq'), base].every((d) => read(join(d, 'cgroup.subtree_control')).split(/\s+/).includes(c) || write(join(d, 'cgroup.subtree_control'), `+${c}`))) this.controllers.add(c);
    }
  }

  /** For the agent's log: how jobs are tracked and limited here. */
  describe(): string {
    const mem = this.controllers.has('memory') ? 'memory by cgroup memory.max' : 'memory by RLIMIT_DATA';
    const cpu = this.controllers.has('cpu') ? 'cpus by cgroup cpu.max' : this.pin ? 'cpus by CPU affinity' : 'cpus not enforced (no cgroup cpu controller, and CPU ids of a node sharing this machine are not its CPUs)';
    const track = this.base ? `cgroup v2 (${this.base})` : 'process groups (no writable cgroup v2 here)';
    return `jobs tracked by ${track}; ${mem}; ${cpu}; cput by RLIMIT_CPU`;
  }

  private dir(jobId: string): string | undefined {
    return this.base ? join(this.base, jobId.replace(/[^\w.[\]-]/g, '_')) : undefined;
  }

  /** The shepherd's command line for one of a job's commands here; creates the job's cgroup. */
  wrap(jobId: string, share: Share, graceSeconds: number, cmd: string, args: string[], o: { cgroup?: boolean } = {}): { cmd: string; args: string[] } {
    const opts = ['--grace', String(graceSeconds)];
    // A shepherd that spawn() starts as the user (no setpriv here) cannot join a root-owned cgroup.
    const dir = o.cgroup === false ? undefined : this.dir(jobId);
    if (dir) {
      mkdirSync(dir, { recursive: true });
      if (share.mem_bytes > 0 && this.controllers.has('memory')) write(join(dir, 'memory.max'), String(share.mem_bytes));
      if (share.ncpus > 0 && this.controllers.has('cpu')) write(join(dir, 'cpu.max'), `${share.ncpus * 100000} 100000`);
      opts.push('--cgroup', dir);
    }
    if (share.mem_bytes > 0 && !this.controllers.has('memory')) opts.push('--rlimit-data', String(share.mem_bytes));
    if ((share.cput_limit_seconds ?? 0) > 0) opts.push('--rlimit-cpu', String(share.cput_limit_seconds));
    if (this.pin && share.cpu_ids.length > 0 && !this.controllers.has('cpu')) opts.push('--cpus', share.cpu_ids.join(','));
    return { cmd: SHEPHERD, args: [...opts, '--', cmd, ...args] };
  }

  /** The job's processes here, when it has a cgroup (else undefined: the caller knows its groups). */
  pids(jobId: string): number[] | undefined {
    const dir = this.dir(jobId);
    if (!dir || !existsSync(dir)) return undefined;
    return read(join(dir, 'cgroup.procs')).split('\n').filter((l) => l !== '').map(Number);
  }

  /**
   * What the job used here so far: CPU time of all its processes, live and ended (cgroup cpu.stat),
   * and its peak resident memory (memory.peak, else the largest sum of its processes' RSS sampled).
   * `fallbackGroups`: the process groups to sample where there is no cgroup.
   */
  usage(jobId: string, fallbackGroups: number[] = []): Usage | undefined {
    const dir = this.dir(jobId);
    const pids = this.pids(jobId) ?? fallbackGroups.flatMap(groupPids);
    const rss = pids.reduce((s, p) => s + residentBytes(p), 0);
    const peak = Math.max(this.peak.get(jobId) ?? 0, rss, Number(dir ? read(join(dir, 'memory.peak')).trim() || 0 : 0));
    this.peak.set(jobId, peak);
    if (!dir || !existsSync(dir)) return undefined;
    const usec = /usage_usec (\d+)/.exec(read(join(dir, 'cpu.stat')))?.[1];
    return { cput_seconds: Math.floor(Number(usec ?? 0) / 1e6), mem_bytes: peak };
  }

  peakOf(jobId: string): number { return this.peak.get(jobId) ?? 0; }

  /** A peak seen otherwise (a shepherd's report of its command's largest process). */
  notePeak(jobId: string, bytes: number): void { this.peak.set(jobId, Math.max(this.peak.get(jobId) ?? 0, bytes)); }

  /** Whether any process of the job is left here. */
  populated(jobId: string): boolean {
    const dir = this.dir(jobId);
    return dir !== undefined && /populated 1/.test(read(join(dir, 'cgroup.events')));
  }

  /** Calls `changed` when the job's cgroup here empties or fills (inotify on cgroup.events); returns the stop. */
  watch(jobId: string, changed: () => void): () => void {
    const dir = this.dir(jobId);
    if (!dir || !existsSync(dir)) return () => undefined;
    try {
      const w = watch(join(dir, 'cgroup.events'), () => changed());
      w.on('error', () => undefined); // the cgroup was removed
      return () => w.close();
    } catch { return () => undefined; }
  }

  /** Sends every process of the job here a signal (false when it has no cgroup). */
  signal(jobId: string, sig: NodeJS.Signals): boolean {
    const dir = this.dir(jobId);
    if (!dir || !existsSync(dir)) return false;
    if (sig === 'SIGKILL' && write(join(dir, 'cgroup.kill'), '1')) return true;
    const pids = this.pids(jobId) ?? [];
    // An empty cgroup: the shepherd has not joined it yet (the job has just started); the caller signals its group.
    if (pids.length === 0) return false;
    for (const pid of pids) try { process.kill(pid, sig); } catch { /* gone */ }
    return true;
  }

  /** Forgets a job whose processes here are all gone; its cgroup is removed. */
  release(jobId: string): void {
    this.peak.delete(jobId);
    const dir = this.dir(jobId);
    if (!dir || !existsSync(dir)) return;
    if (this.populated(jobId)) write(join(dir, 'cgroup.kill'), '1');
    removeLater(dir);
  }

  /** At exit: this agent's cgroup goes (when its jobs' are gone). */
  close(): void { if (this.base) try { rmdirSync(this.base); } catch { /* a job's cgroup is still there */ } }

  /** At start: cgroups a previous agent of this node left (its jobs ended with it) are emptied and removed. */
  sweep(): number {
    if (!this.base) return 0;
    let n = 0;
    let entries: Dirent[] = [];
    try { entries = readdirSync(this.base, { withFileTypes: true }); } catch { return 0; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const dir = join(this.base, e.name);
      if (/populated 1/.test(read(join(dir, 'cgroup.events')))) { write(join(dir, 'cgroup.kill'), '1'); n++; }
      removeLater(dir);
    }
    if (n > 0) this.log.warn({ node: this.node, jobs: n }, 'ended processes a previous agent of this node left');
    return n;
  }
}

/** rmdir once the cgroup is empty (a killed process leaves it a moment later). */
function removeLater(dir: string, tries = 20): void {
  try { rmdirSync(dir); } catch {
    if (tries > 0) setTimeout(() => removeLater(dir, tries - 1), 100).unref();
  }
}

/** The processes of a process group, from /proc. */
export function groupPids(pgid: number): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(procStat(Number(e))[2]) === pgid).map(Number);
}

/** The fields of /proc/PID/stat after the command name: [0] state, [2] pgrp, [11..14] cpu ticks ([] when gone). */
export function procStat(pid: number): string[] {
  const stat = read(`/proc/${pid}/stat`);
  return stat === '' ? [] : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds of a process and its reaped children (0 when gone). */
export function cpuSeconds(pid: number): number {
  const f = procStat(pid);
  return Math.floor([11, 12, 13, 14].reduce((s, i) => s + Number(f[i] ?? 0), 0) / 100);
}

/**
 * Collects what the shepherd reports on its lifeline when its command ends: the largest resident
 * set of any of the command's processes, and their cpu time. Attach before the child can end.
 */
export function lifelineUsage(child: ChildProcess): () => Usage {
  let text = '';
  const s = child.stdio[3] as Readable | null | undefined;
  s?.on('data', (d: Buffer) => { text += d.toString(); });
  s?.on('error', () => undefined);
  return () => {
    const m = /rusage maxrss_kb=(\d+) cpu_us=(\d+)/.exec(text);
    return m ? { mem_bytes: Number(m[1]) * 1024, cput_seconds: Math.floor(Number(m[2]) / 1e6) } : { mem_bytes: 0, cput_seconds: 0 };
  };
}

/** Resident memory of a process, from /proc (0 when gone). */
function residentBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
  return m ? Number(m[1]) * 1024 : 0;
}
