/**
 * Integration fixtures: a real `fleetq daemon` in a temporary FLEETQ_HOME, and a runner for the
 * commands in bin/ with that home. Every daemon started here is stopped when the test process ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const BIN = join(ROOT, 'bin');

export interface DaemonHandle {
  home: string;
  socket: string;
  /** gRPC target: the Unix socket, or the TCP address when started with --listen. */
  address: string;
  proc: ChildProcess;
  env: Record<string, string>;
  log(): string;
  /** SIGTERM, and waits for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill9(): Promise<void>;
  /** Starts a new daemon on the same home. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const p of live) try { p.kill('SIGTERM'); } catch { /* gone */ } });

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); const port = typeof a === 'object' && a ? a.port : 0; s.close(() => resolve(port)); });
  });
}

async function waitFor(cond: () => boolean, ms: number, what: string, log: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; daemon log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a daemon (and its agents) in a new temporary FLEETQ_HOME; resolves once its socket exists and a node is up. */
export async function startDaemon(o: { env?: Record<string, string>; args?: string[]; home?: string; waitForNodes?: boolean } = {}): Promise<DaemonHandle> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'fq-it-'));
  const socket = join(home, 'fleetq.sock');
  const env: Record<string, string> = { ...process.env as Record<string, string>, FLEETQ_HOME: home, FLEETQ_LOG_LEVEL: 'debug', FLEETQ_AGENT_HEARTBEAT: '500ms', FLEETQ_AGENT_ORPHAN_EXIT: '20s',
    // Not whatever munged this machine may run: tests that want MUNGE start their own (helpers/munge.ts).
    FLEETQ_AUTH_MUNGE: 'off', ...o.env };
  delete env.FLEETQ_SERVER;
  const args = o.args ?? [];
  const listen = args.indexOf('--listen');
  const address = listen >= 0 ? String(args[listen + 1]) : `unix:${socket}`;
  let logText = '';
  const h: DaemonHandle = {
    home, socket, address, env, proc: undefined as unknown as ChildProcess,
    log: () => logText,
    stop: () => new Promise((resolve) => {
      if (h.proc.exitCode !== null || h.proc.signalCode !== null) { resolve(h.proc.exitCode); return; }
      h.proc.once('exit', (code) => resolve(code));
      h.proc.kill('SIGTERM');
    }),
    kill9: () => new Promise((resolve) => { h.proc.once('exit', () => resolve()); h.proc.kill('SIGKILL'); }),
    restart: async () => {
      const runs = (): number => logText.split('fleetq daemon running').length;
      const before = runs();
      const t0 = Date.now();
      launch();
      const p = h.proc;
      // A daemon that exits instead of starting is reported at once, with how it ended.
      await waitFor(() => {
        if (p.exitCode !== null || p.signalCode !== null) throw new Error(`the restarted daemon exited (${p.exitCode ?? p.signalCode}) after ${Date.now() - t0} ms; daemon log:\n${h.log()}`);
        return runs() > before;
      }, 30000, 'the restarted daemon', h.log);
    },
  };
  const launch = (): void => {
    const p = spawn(process.execPath, [join(BIN, 'fleetq'), 'daemon', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (d: Buffer) => { logText += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { logText += d.toString(); });
    live.add(p);
    p.once('exit', () => live.delete(p));
    h.proc = p;
  };
  launch();
  await waitFor(() => existsSync(socket) && /fleetq daemon running/.test(logText), 15000, `${socket}`, h.log);
  if (o.waitForNodes !== false) await waitFor(() => /agent registered/.test(logText), 15000, 'an agent to register', h.log);
  return h;
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs bin/<cmd> with the daemon's FLEETQ_HOME; `input` goes to stdin. */
export function run(cmd: string, args: string[], o: { input?: string | Buffer; cwd?: string; env?: Record<string, string>; home?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env as Record<string, string>, ...(o.home ? { FLEETQ_HOME: o.home } : {}), ...o.env };
    const p = spawn(process.execPath, [join(BIN, cmd), ...args], { cwd: o.cwd ?? tmpdir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(o.input ?? '');
  });
}

/** Polls until fn resolves truthy, or throws with the last value after `ms`. */
export async function eventually<T>(fn: () => Promise<T>, ms = 20000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until job `id` is finished (F) and returns its `qstat -x -f -F json` attributes. */
export async function finishedJob(home: string, id: string, ms = 90000): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const r = await run('qstat', ['-x', '-f', '-F', 'json', id], { home });
    const j = (JSON.parse(r.stdout || '{}') as { Jobs?: Record<string, Record<string, unknown>> }).Jobs?.[id];
    return j?.job_state === 'F' ? j : undefined;
  }, ms, `job ${id} to finish`);
}
