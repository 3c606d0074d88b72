/**
 * The local capacity provider (the embedded default): this machine presented as N virtual nodes,
 * each served by its own `fleetq agent` process. Agents are started detached, so they — and the
 * jobs they run — outlive a daemon that dies; a restarted daemon finds them by their pid files
 * and waits for them to reconnect instead of starting new ones. An agent that died is restarted.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../util/log.js';
import type { CapacityProvider } from './provider.js';

export interface LocalNodeSpec { name: string; ncpus: number; mem_bytes: number; ngpus: number }

export interface LocalOptions {
  server: string;       // name used to name nodes
  nodes: number;
  ncpus: number; mem_bytes: number; ngpus: number;
  home: string;         // FLEETQ_HOME
  address: string;      // gRPC target the agents dial
  tokenFile: string;
  heartbeatMs: number;
  orphanExitMs: number;
}

const FLEETQ_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'fleetq');

/** Splits the machine into N nodes: cpus and memory shared out, the remainder to the first nodes. */
export function splitNodes(o: Pick<LocalOptions, 'server' | 'nodes' | 'ncpus' | 'mem_bytes' | 'ngpus'>): LocalNodeSpec[] {
  const share = (total: number, i: number): number => Math.floor(total / o.nodes) + (i < total % o.nodes ? 1 : 0);
  const memShare = Math.floor(o.mem_bytes / o.nodes / 1024) * 1024;
  return Array.from({ length: o.nodes }, (_, i) => ({
    name: o.nodes === 1 ? o.server : `${o.server}-${i + 1}`,
    ncpus: Math.max(1, share(o.ncpus, i)),
    mem_bytes: memShare,
    ngpus: share(o.ngpus, i),
  }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent');
  } catch { return false; }
}

export class LocalProvider implements CapacityProvider {
  readonly specs: LocalNodeSpec[];
  private timer: NodeJS.Timeout | undefined;
  /** When each agent was last started: one that has not written its pid file yet is not started twice. */
  private readonly spawnedAt = new Map<string, number>();

  constructor(private readonly o: LocalOptions, private readonly log: Logger) {
    this.specs = splitNodes(o);
  }

  stateDir(node: string): string { return join(this.o.home, 'agents', node); }

  /** The pid of the node's agent when one is running. */
  agentPid(node: string): number | undefined {
    const f = join(this.stateDir(node), 'agent.pid');
    if (!existsSync(f)) return undefined;
    const pid = Number(readFileSync(f, 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  }

  /** Whether the node's agent runs or was started moments ago (it may not have written its pid file yet). */
  agentAlive(node: string): boolean {
    return this.agentPid(node) !== undefined || Date.now() - (this.spawnedAt.get(node) ?? 0) < 30_000;
  }

  /**
   * A node is gone. One of this machine's virtual nodes gets a new agent at once (the machine is
   * still here); a node this provider did not start (an agent on another machine) is not its to
   * replace, and is only logged.
   */
  nodeGone(node: string, why: string): void {
    const mine = this.specs.find((n) => n.name === node);
    this.log.warn({ node, why, replaced: mine !== undefined }, 'capacity: node gone');
    if (mine && this.agentPid(node) === undefined) { this.spawnedAt.set(node, Date.now()); this.spawnAgent(mine); }
  }

  /** Starts agents that are not running, then keeps checking. */
  start(): void {
    this.ensure();
    this.timer = setInterval(() => this.ensure(), 2000).unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }

  ensure(): void {
    for (const n of this.specs) {
      if (this.agentPid(n.name) !== undefined || Date.now() - (this.spawnedAt.get(n.name) ?? 0) < 10_000) continue;
      this.spawnedAt.set(n.name, Date.now());
      this.spawnAgent(n);
    }
  }

  private spawnAgent(n: LocalNodeSpec): void {
    const dir = this.stateDir(n.name);
    mkdirSync(join(this.o.home, 'agents'), { recursive: true, mode: 0o711 });
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const log = openSync(join(this.o.home, 'agents', `${n.name}.log`), 'a');
    const args = [FLEETQ_BIN, 'agent', '--node', n.name, '--server', this.o.address, '--token-file', this.o.tokenFile,
      '--state-dir', dir, '--ncpus', String(n.ncpus), '--mem', String(n.mem_bytes), '--ngpus', String(n.ngpus),
      '--heartbeat-ms', String(this.o.heartbeatMs), '--orphan-exit-ms', String(this.o.orphanExitMs)];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env } });
    closeSync(log);
    child.unref();
    this.log.info({ node: n.name, pid: child.pid }, 'started agent');
  }
}
