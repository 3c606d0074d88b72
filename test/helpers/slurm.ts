/**
 * A real Slurm of the test's own (issue 9: queues forwarded to a ParallelCluster head's Slurm through
 * slurmrestd): in a fresh temporary directory, its own munged (helpers/munge.ts), a slurm.conf on
 * free loopback ports, slurmctld and one slurmd per node in the foreground as root, and slurmrestd
 * as the unprivileged fleetq-rest (it refuses root and SlurmUser) with JWT authentication on
 * 127.0.0.1:<free port>. Debian's Slurm 22.05 packages (scripts/test-deps.sh: slurm-wlm,
 * slurmrestd, slurm-wlm-jwt-plugin) provide them.
 *
 * Plugins avoid cgroups and systemd (proctrack/linuxproc, task/none, no accounting), nodes declare
 * more CPUs than the machine has (SlurmdParameters=config_overrides), and Debian's slurmd is built
 * for several slurmd per host (slurmd -N), so opts.nodes nodes share 127.0.0.1 on distinct ports.
 * Tokens: HS256 JWTs signed with the fixture's key (claims sun and exp are required; iat is not).
 * Only slurmctld reads the key; slurmrestd (rest_auth/jwt, SLURM_JWT=daemon) passes tokens through.
 *
 * Nothing outlives the test: stop() cancels the jobs, stops the daemons and kills any slurmstepd or
 * job process left (found by SLURM_CONF=<this fixture's slurm.conf> in its environment), then removes
 * the directory (FLEETQ_KEEP_SLURM=1 keeps it); an exit handler kills the same (SIGKILL) if the test
 * process ends without calling stop(). A failed start throws with the tails of the daemons' logs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMunged, type Munged } from './munge.js';

export interface SlurmOptions {
  /** CPUs each node declares (default 8, whatever the machine has). */
  cpus?: number;
  /** RealMemory of each node in MB (default 8000). Jobs get DefMemPerCPU=100 unless they ask. */
  memoryMb?: number;
  /** Nodes (default 1), named `${nodePrefix}1`..: one slurmd each, all on this host. */
  nodes?: number;
  nodePrefix?: string;
  /** The partition (default `compute`, Default=YES, MaxTime=INFINITE, all nodes). */
  partition?: string;
  /** Also a second slurmrestd with rest_auth/local on a unix socket in the directory (restSocket). */
  restSocket?: boolean;
  /** More slurm.conf lines (e.g. 'EnforcePartLimits=ALL'); later lines win over the defaults. */
  extraConf?: string[];
  /** The user slurmrestd runs as (default fleetq-rest, made by scripts/test-deps.sh). */
  restUser?: string;
}

export interface SlurmFixture {
  dir: string;
  /** slurm.conf's path. */
  conf: string;
  /** Environment for sbatch/scontrol/squeue/sinfo of this cluster (SLURM_CONF). */
  env: Record<string, string>;
  cluster: string;
  /** http://127.0.0.1:PORT: slurmrestd, rest_auth/jwt (headers X-SLURM-USER-NAME, X-SLURM-USER-TOKEN). */
  restUrl: string;
  restPort: number;
  /** With opts.restSocket: slurmrestd with rest_auth/local (only root or the rest user may connect; requests run as the rest user). */
  restSocket?: string;
  /** The HS256 key slurmctld verifies tokens with (root-only). */
  jwtKey: string;
  partition: string;
  nodeNames: string[];
  munge: Munged;
  /** An HS256 JWT for `user`: header {alg: HS256, typ: JWT}, payload {iat, exp, sun: user}. */
  token(user: string, lifetimeS?: number): string;
  /** Headers for slurmrestd as `user` (a fresh token each call). */
  headers(user: string): Record<string, string>;
  /** A directory in the fixture's directory owned by `user` (mode 0755) for job scripts' output. */
  userDir(user: string, name?: string): string;
  /** Runs a Slurm command (scontrol, squeue, sbatch, ...) against this cluster as root. */
  cmd(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The tail of a log of the fixture (slurmctld, slurmd-<node>, slurmrestd, ...). */
  logTail(name: string, lines?: number): string;
  stopRest(): Promise<void>;
  /** Starts slurmrestd again on the same port (after stopRest). */
  startRest(): Promise<void>;
  /** Cancels the jobs, stops every process, and removes the directory (kept with FLEETQ_KEEP_SLURM=1). */
  stop(): Promise<void>;
  /** How long startSlurm took (ms). */
  startedMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Free loopback ports, all distinct (held open together, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function tail(file: string, lines = 30): string {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return `(no ${file})`; }
}

/** Processes whose environment names this fixture's slurm.conf: its slurmstepds and their jobs. */
function strays(conf: string): number[] {
  const needle = Buffer.from(`SLURM_CONF=${conf}\0`);
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try { if (readFileSync(`/proc/${e}/environ`).includes(needle)) found.push(Number(e)); } catch { /* gone or not ours to read */ }
  }
  return found;
}

function killAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) { try { process.kill(pid, signal); } catch { /* gone */ } }
}

function uidOf(user: string): { uid: number; gid: number } {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(`no user ${user} (scripts/test-deps.sh makes the test users)`);
}

const live = new Set<{ procs: () => ChildProcess[]; conf: string; mungePidFile: string }>();
let exitHook = false;
function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const f of live) {
      killAll(f.procs().filter((p) => p.exitCode === null && p.signalCode === null && p.pid).map((p) => p.pid!), 'SIGKILL');
      killAll(strays(f.conf), 'SIGKILL');
      try { killAll([Number(readFileSync(f.mungePidFile, 'utf8').trim())].filter((p) => p > 0), 'SIGKILL'); } catch { /* not started or gone */ }
    }
  });
}

export async function startSlurm(opts: SlurmOptions = {}): Promise<SlurmFixture> {
  const t0 = Date.now();
  const cpus = opts.cpus ?? 8;
  const memoryMb = opts.memoryMb ?? 8000;
  const nNodes = opts.nodes ?? 1;
  const partition = opts.partition ?? 'compute';
  const restUser = opts.restUser ?? 'fleetq-rest';
  const rest = uidOf(restUser);
  const dir = mkdtempSync(join(tmpdir(), 'fq-slurm-'));
  chmodSync(dir, 0o755);
  const cluster = 'fq' + randomBytes(3).toString('hex');
  const nodeNames = Array.from({ length: nNodes }, (_, i) => `${opts.nodePrefix ?? 'fq'}${i + 1}`);
  for (const d of ['state', 'spool', 'log', 'run', 'users']) mkdirSync(join(dir, d), { mode: 0o755 });
  for (const n of nodeNames) mkdirSync(join(dir, 'spool', n), { mode: 0o755 });
  const restDir = join(dir, 'rest');
  mkdirSync(restDir, { mode: 0o755 });
  chownSync(restDir, rest.uid, rest.gid);
  const jwtKey = join(dir, 'jwt_hs256.key');
  const key = randomBytes(32);
  writeFileSync(jwtKey, key, { mode: 0o600 });

  const munge = await startMunged();
  const procs: ChildProcess[] = [];
  let restProc: ChildProcess | undefined;
  let localRestProc: ChildProcess | undefined;
  const conf = join(dir, 'slurm.conf');
  const entry = { procs: () => [...procs, ...(restProc ? [restProc] : []), ...(localRestProc ? [localRestProc] : [])], conf, mungePidFile: join(munge.dir, 'munged.pid') };
  live.add(entry);
  hookExit();

  const [ctldPort, restPort, ...nodePorts] = await freePorts(2 + nNodes) as [number, number, ...number[]];
  const host = hostname();
  const lines = [
    `# fleetq test fixture (test/helpers/slurm.ts)`,
    `ClusterName=${cluster}`,
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${nodePorts[0]}`,
    `SlurmUser=root`,
    `SlurmdUser=root`,
    `AuthType=auth/munge`,
    `AuthInfo=socket=${munge.socket}`,
    `CredType=cred/munge`,
    `AuthAltTypes=auth/jwt`,
    `AuthAltParameters=jwt_key=${jwtKey}`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool/%n`,
    `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
    `SlurmdPidFile=${dir}/run/slurmd-%n.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd-%n.log`,
    `SlurmctldDebug=info`,
    `SlurmdDebug=info`,
    `ProctrackType=proctrack/linuxproc`,
    `TaskPlugin=task/none`,
    `JobAcctGatherType=jobacct_gather/none`,
    `AccountingStorageType=accounting_storage/none`,
    `JobCompType=jobcomp/none`,
    `MpiDefault=none`,
    `MailProg=/bin/true`,
    `SelectType=select/cons_tres`,
    `SelectTypeParameters=CR_CPU_Memory`,
    `DefMemPerCPU=100`,
    `SlurmdParameters=config_overrides`,
    `ReturnToService=2`,
    `MinJobAge=300`,
    `KillWait=2`,
    `InactiveLimit=0`,
    `SchedulerParameters=sched_interval=2,bf_interval=1`,
    ...nodeNames.map((n, i) => `NodeName=${n} NodeHostname=${host} NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=${cpus} RealMemory=${memoryMb} State=UNKNOWN`),
    `PartitionName=${partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP`,
    ...(opts.extraConf ?? []),
  ];
  writeFileSync(conf, lines.join('\n') + '\n', { mode: 0o644 });
  const env: Record<string, string> = { SLURM_CONF: conf };
  const daemonEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', SLURM_CONF: conf };

  const launch = (name: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess => {
    const out = openSync(join(dir, 'log', `${name}.out`), 'a');
    // cwd: a job submitted without current_working_directory runs in slurmrestd's (or sbatch's) cwd.
    const p = spawn(cmd, args, { stdio: ['ignore', out, out], cwd: dir, env: { ...daemonEnv, ...extraEnv } });
    closeSync(out);
    p.on('error', () => { /* reported by the waits (exitCode) */ });
    return p;
  };
  const cmd = (command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
  const logTail = (name: string, n = 30): string => {
    const log = tail(join(dir, 'log', `${name}.log`), n);
    const out = tail(join(dir, 'log', `${name}.out`), n);
    return `--- ${name}.log\n${log}\n--- ${name}.out\n${out}`;
  };

  const token = (user: string, lifetimeS = 600): string => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const signed = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: now, exp: now + lifetimeS, sun: user })}`;
    return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
  };
  const headers = (user: string): Record<string, string> => ({ 'X-SLURM-USER-NAME': user, 'X-SLURM-USER-TOKEN': token(user) });

  // Keep-alive (a fresh agent each time): slurmrestd 22.05 answers `Connection: close` (Node's
  // agent: false) with a stray "Connection: Close" line after the body, which Node's parser rejects.
  const httpStatus = (path: string, hdrs: Record<string, string>, socketPath?: string): Promise<number> => {
    const agent = new Agent({ keepAlive: true });
    return new Promise<number>((resolve) => {
      const req = request(socketPath ? { socketPath, path, headers: hdrs, timeout: 5000, agent } : { host: '127.0.0.1', port: restPort, path, headers: hdrs, timeout: 5000, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => { req.destroy(); resolve(0); });
      req.end();
    }).finally(() => agent.destroy());
  };

  const stopProc = async (p: ChildProcess | undefined, graceMs = 5000): Promise<void> => {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  };

  const fail = (what: string, logs: string[]): never => {
    throw new Error(`Slurm fixture (${dir}): ${what}\n${logs.map((l) => logTail(l)).join('\n')}`);
  };

  const startRest = async (): Promise<void> => {
    if (restProc && restProc.exitCode === null && restProc.signalCode === null) throw new Error('slurmrestd is running');
    const end = Date.now() + 20_000;
    // The port was ours a moment ago; slurmrestd may find it briefly in use after a stop: retry.
    for (;;) {
      restProc = launch('slurmrestd', 'setpriv', [`--reuid=${rest.uid}`, `--regid=${rest.gid}`, '--clear-groups', '--',
        'slurmrestd', '-a', 'rest_auth/jwt', '-s', 'openapi/v0.0.36,openapi/v0.0.37,openapi/v0.0.38', `127.0.0.1:${restPort}`], { SLURM_JWT: 'daemon' });
      let up = false;
      while (Date.now() < end && restProc.exitCode === null) {
        if (await httpStatus('/slurm/v0.0.38/ping', headers('root')) === 200) { up = true; break; }
        await sleep(100);
      }
      if (up) return;
      if (restProc.exitCode === null) { await stopProc(restProc); return fail(`slurmrestd did not answer on 127.0.0.1:${restPort}`, ['slurmrestd', 'slurmctld']); }
      if (Date.now() > end) return fail(`slurmrestd exited (${restProc.exitCode})`, ['slurmrestd']);
      await sleep(250);
    }
  };
  const stopRest = async (): Promise<void> => { await stopProc(restProc); };

  const stopAll = async (): Promise<void> => {
    // Jobs first, while slurmctld and the slurmds can still end them; then the daemons; then strays.
    const ctld = procs[0];
    if (ctld && ctld.exitCode === null) {
      const q = await cmd('squeue', ['-h', '-o', '%A']);
      const ids = q.stdout.split(/\s+/).filter(Boolean);
      if (ids.length) {
        await cmd('scancel', ids);
        const end = Date.now() + 10_000;
        while (Date.now() < end) {
          const r = await cmd('squeue', ['-h', '-t', 'R,CG,S', '-o', '%A']);
          if (r.code !== 0 || !r.stdout.trim()) break;
          await sleep(200);
        }
      }
    }
    await Promise.all([stopProc(restProc), stopProc(localRestProc)]);
    await Promise.all(procs.slice(1).map((p) => stopProc(p)));
    await stopProc(procs[0]);
    for (let i = 0; i < 20; i++) {
      const s = strays(conf);
      if (!s.length) break;
      killAll(s, i < 5 ? 'SIGTERM' : 'SIGKILL');
      await sleep(100);
    }
    await munge.stop();
    live.delete(entry);
    if (!process.env.FLEETQ_KEEP_SLURM) for (const d of [dir, munge.dir]) rmSync(d, { recursive: true, force: true });
  };

  // slurmctld, then the slurmds; wait for the controller to answer and every node to be idle.
  let restSocket: string | undefined;
  try {
    procs.push(launch('slurmctld', 'slurmctld', ['-D', '-f', conf]));
    {
      const end = Date.now() + 30_000;
      for (;;) {
        const r = await cmd('scontrol', ['ping']);
        if (/is UP/.test(r.stdout)) break;
        if (procs[0]!.exitCode !== null || Date.now() > end) return fail(`slurmctld did not come up (exit ${procs[0]!.exitCode}): ${r.stdout}${r.stderr}`, ['slurmctld']);
        await sleep(100);
      }
    }
    for (const n of nodeNames) procs.push(launch(`slurmd-${n}`, 'slurmd', ['-D', '-N', n, '-f', conf]));
    {
      const end = Date.now() + 30_000;
      for (;;) {
        const r = await cmd('sinfo', ['-h', '-N', '-o', '%N %t']);
        const states = new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/) as [string, string]));
        if (nodeNames.every((n) => states.get(n) === 'idle')) break;
        const dead = procs.findIndex((p) => p.exitCode !== null);
        if (dead >= 0 || Date.now() > end) {
          return fail(`nodes not idle (${r.stdout.trim().replace(/\n/g, ', ')})${dead >= 0 ? `; a daemon exited (${procs[dead]!.exitCode})` : ''}`, ['slurmctld', ...nodeNames.map((n) => `slurmd-${n}`)]);
        }
        await sleep(100);
      }
    }
    await startRest();

    if (opts.restSocket) {
      restSocket = join(restDir, 'slurmrestd.sock');
      // rest_auth/local cannot share a process with rest_auth/jwt under SLURM_JWT=daemon (local
      // requests then fail with 500), so it is a second slurmrestd, without SLURM_JWT.
      localRestProc = launch('slurmrestd-local', 'setpriv', [`--reuid=${rest.uid}`, `--regid=${rest.gid}`, '--clear-groups', '--',
        'slurmrestd', '-a', 'rest_auth/local', '-s', 'openapi/v0.0.36,openapi/v0.0.37,openapi/v0.0.38', `unix:${restSocket}`]);
      const end = Date.now() + 20_000;
      for (;;) {
        if (existsSync(restSocket) && await httpStatus('/slurm/v0.0.38/ping', {}, restSocket) === 200) break;
        if (localRestProc.exitCode !== null || Date.now() > end) return fail(`slurmrestd (rest_auth/local) did not answer on ${restSocket}`, ['slurmrestd-local']);
        await sleep(100);
      }
    }
  } catch (e) { await stopAll(); throw e; }

  const userDir = (user: string, name = user): string => {
    const d = join(dir, 'users', name);
    mkdirSync(d, { recursive: true, mode: 0o755 });
    const u = uidOf(user);
    chownSync(d, u.uid, u.gid);
    return d;
  };

  const startedMs = Date.now() - t0;
  return {
    dir, conf, env, cluster, restPort, restUrl: `http://127.0.0.1:${restPort}`, jwtKey, partition, nodeNames, munge,
    ...(restSocket ? { restSocket } : {}),
    token, headers, userDir, cmd, logTail, stopRest, startRest,
    stop: stopAll, startedMs,
  };
}
