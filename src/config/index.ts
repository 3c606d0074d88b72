/**
 * Configuration, compiled once at start: one YAML file ($FLEETQ_CONFIG, default
 * $FLEETQ_HOME/config.yaml, optional) whose every key can be overridden by an environment variable
 * named FLEETQ_ + the key path in upper case with '.' → '_' (local.nodes → FLEETQ_LOCAL_NODES).
 * Values like '30s' and '4gb' are parsed here; unknown keys and bad values are all reported together
 * and stop the daemon at start, never mid-cycle. The result is frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseServices } from '../auth/jwt.js';
import YAML from 'yaml';
import { fleetqHome, type Env } from './paths.js';
import { parseDuration, parseSize } from '../jobs/resources.js';
import type { PriorityWeights } from '../scheduler/priority.js';
import { compileEc2Queue, type Ec2QueueConfig } from '../capacity/ec2/config.js';
import { compilePclusterQueue, type PclusterQueueConfig } from '../capacity/pcluster/config.js';

export interface QueueConfig {
  name: string;
  priority: number;
  enabled: boolean;
  started: boolean;
  default_walltime_seconds: number;
  max_walltime_seconds: number;
  /** Backfilling of this queue's jobs: none (strict order), easy or conservative. */
  backfill: Backfill;
  /** Where the queue's nodes come from: the local machine's (and agents that dial in), or EC2 fleets. */
  provider: 'local' | 'ec2' | 'pcluster';
  /**
   * For provider ec2: instance types, subnets, capacity type… (src/capacity/ec2/config.ts). On a
   * pcluster queue it describes the cluster's compute, for `fleetq pcluster config`.
   */
  ec2?: Ec2QueueConfig;
  /** For provider pcluster: the head's slurmrestd, authentication, partition (src/capacity/pcluster/config.ts). */
  pcluster?: PclusterQueueConfig;
}

export type Backfill = 'none' | 'easy' | 'conservative';

export interface Config {
  home: string;
  server: { name: string; listen: string; watch_max_pending: number };
  /** priority: the multifactor weights, with scheduler.fairshare.half_life as half_life_s. */
  scheduler: { interval_ms: number; backfill_depth: number; priority: PriorityWeights };
  local: { nodes: number; ncpus: number; mem_bytes: number; ngpus: number };
  jobs: { kill_delay_seconds: number; max_script_bytes: number; default_queue: string; max_array_size: number };
  agent: { reconnect_grace_ms: number; heartbeat_ms: number; down_after_ms: number; orphan_exit_ms: number; listen: string };
  /** The daemon's certificate for agent.listen (mutual TLS), and the cluster CA agents' certificates come from. */
  tls: { ca: string; cert: string; key: string };
  queues: QueueConfig[];
  metrics: { listen: string };
  log: { level: string };
  /** Who may do what (src/api/auth.ts). */
  auth: AuthConfig;
  /** The EC2 API for queues with provider ec2: region and endpoint ('' = the AWS configuration chain's). */
  ec2: { region: string; endpoint: string; boot_timeout_ms: number; check_interval_ms: number; reconcile_interval_ms: number; agent_server: string };
}

export interface AuthConfig {
  /** MUNGE credentials required on every call: 'auto' = when munged's socket exists at start. */
  munge: 'auto' | 'on' | 'off';
  munge_socket: string;
  managers: string[];
  operators: string[];
  /** 'own': users see only their own jobs (managers and operators see all). */
  jobs_visible: 'all' | 'own';
  /** Whether jobs owned by root may be submitted (and run as root). */
  root_jobs: boolean;
  /** Requests per second per user, with bursts of twice that (0 = no limit; Slurm's rl_refill_rate). */
  rate_limit: number;
  /** File with the HS256 key for service tokens ('' = services not accepted). */
  jwt_key: string;
  /** `NAME:user1|user2` or `NAME:*`: the users each service may act for. */
  services: string[];
}

type Kind = 'string' | 'int' | 'bool' | 'duration_ms' | 'duration_s' | 'size' | 'queues' | 'list' | `one of ${string}`;
/** Every key, its kind and its default. The README's configuration table mirrors this list. */
export const KEYS: ReadonlyArray<readonly [string, Kind, unknown]> = [
  ['server.name', 'string', hostname().split('.')[0] ?? 'localhost'],
  ['server.listen', 'string', ''],
  ['server.watch_max_pending', 'int', 10000],
  ['scheduler.interval', 'duration_ms', '5s'],
  ['scheduler.backfill_depth', 'int', 500],
  // Job priority (src/scheduler/priority.ts; defaults as its DEFAULT_WEIGHTS).
  ['scheduler.priority.weight_job', 'int', 1000],
  ['scheduler.priority.weight_age', 'int', 1000],
  ['scheduler.priority.weight_fairshare_user', 'int', 10000],
  ['scheduler.priority.weight_fairshare_account', 'int', 5000],
  ['scheduler.priority.max_age', 'duration_s', '7d'],
  ['scheduler.fairshare.half_life', 'duration_s', '7d'],
  ['local.nodes', 'int', 1],
  ['local.ncpus', 'int', 0],
  ['local.mem', 'size', '0'],
  ['local.ngpus', 'int', 0],
  ['jobs.kill_delay', 'duration_s', '10s'],
  ['jobs.max_script_size', 'size', '4mb'],
  ['jobs.default_queue', 'string', 'workq'],
  ['jobs.max_array_size', 'int', 100000],
  ['agent.reconnect_grace', 'duration_ms', '10s'],
  ['agent.heartbeat', 'duration_ms', '5s'],
  ['agent.down_after', 'duration_ms', '15s'],
  ['agent.orphan_exit', 'duration_ms', '10m'],
  ['agent.listen', 'string', ''],
  ['tls.ca', 'string', ''],
  ['tls.cert', 'string', ''],
  ['tls.key', 'string', ''],
  ['queues', 'queues', [{ name: 'workq' }]],
  ['metrics.listen', 'string', ''],
  ['log.level', 'string', 'info'],
  ['auth.munge', 'one of auto|on|off', 'auto'],
  ['auth.munge_socket', 'string', '/run/munge/munge.socket.2'],
  ['auth.managers', 'list', 'root'],
  ['auth.operators', 'list', ''],
  ['auth.jobs_visible', 'one of all|own', 'all'],
  ['auth.root_jobs', 'bool', 'true'],
  ['auth.rate_limit', 'int', 0],
  ['auth.jwt_key', 'string', ''],
  ['auth.services', 'list', ''],
  ['ec2.region', 'string', ''],
  ['ec2.endpoint', 'string', ''],
  ['ec2.boot_timeout', 'duration_ms', '10m'],
  ['ec2.check_interval', 'duration_ms', '10s'],
  ['ec2.reconcile_interval', 'duration_ms', '60s'],
  ['ec2.agent_server', 'string', ''],
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`bad configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function envName(key: string): string { return `FLEETQ_${key.replace(/\./g, '_').toUpperCase()}`; }

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Every proper prefix of a known key (`scheduler`, `scheduler.priority`): a section of the file. */
const SECTIONS = new Set(KEYS.flatMap(([k]) => k.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
const KNOWN = new Set(KEYS.map(([k]) => k));

/** Keys in the file that fleetq does not know, as dotted paths, at any depth (scheduler.priority.colour). */
function unknownKeys(file: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(file)) {
    const path = `${prefix}${k}`;
    if (KNOWN.has(path)) continue;
    if (SECTIONS.has(path) && v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...unknownKeys(v as Record<string, unknown>, `${path}.`));
    else out.push(path);
  }
  return out;
}

function convert(key: string, kind: Kind, raw: unknown): unknown {
  const text = String(raw);
  switch (kind) {
    case 'string': return text;
    case 'int': {
      if (!/^\d+$/.test(text)) throw new Error(`${key}: '${text}' is not a whole number`);
      return Number(text);
    }
    case 'bool': {
      if (!/^(true|yes|1|false|no|0)$/.test(text)) throw new Error(`${key}: '${text}' is not true or false`);
      return text === 'true' || text === 'yes' || text === '1';
    }
    case 'list': return (Array.isArray(raw) ? raw.map(String) : text.split(',')).map((x) => x.trim()).filter((x) => x !== '');
    case 'duration_ms': return durationSeconds(key, text) * 1000;
    case 'duration_s': return durationSeconds(key, text);
    case 'size': return parseSize(key, text);
    case 'queues': {
      if (typeof raw !== 'string') return compileQueues(raw);
      let parsed: unknown;
      try { parsed = YAML.parse(raw, { logLevel: 'error' }); } catch (e) { throw new Error(`${key}: not YAML (${(e as Error).message.split('\n')[0] ?? ''})`); }
      return compileQueues(parsed);
    }
    default: {
      const allowed = kind.slice('one of '.length).split('|');
      if (!allowed.includes(text)) throw new Error(`${key}: '${text}' is not one of ${allowed.join(', ')}`);
      return text;
    }
  }
}

/** '30s', '5m', '2h', '1d' or [[HH:]MM:]SS. */
function durationSeconds(key: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return parseDuration(key, text);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, d: n * 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

function compileQueues(raw: unknown): QueueConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('queues: must be a non-empty list of {name, priority, ...}');
  return raw.map((q: unknown, i) => {
    if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new Error(`queues[${i}]: must be a mapping {name, priority, ...}, not ${JSON.stringify(q)}`);
    return compileQueue(q as Record<string, unknown>, i);
  });
}

function compileQueue(q: Record<string, unknown>, i: number): QueueConfig {
  const name = String(q.name ?? '');
  if (!/^[A-Za-z][\w-]{0,14}$/.test(name)) throw new Error(`queues[${i}].name: '${name}' is not a queue name (a letter, then up to 14 letters, digits, _ or -)`);
  const known = ['name', 'priority', 'enabled', 'started', 'default_walltime', 'max_walltime', 'backfill', 'provider', 'ec2', 'pcluster'];
  const extra = Object.keys(q).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new Error(`queues[${i}]: unknown keys ${extra.join(', ')}`);
  const priority = Number(q.priority ?? 0);
  if (!Number.isInteger(priority)) throw new Error(`queues[${i}].priority: '${String(q.priority)}' is not a whole number`);
  for (const k of ['enabled', 'started'] as const) if (q[k] !== undefined && typeof q[k] !== 'boolean') throw new Error(`queues[${i}].${k}: '${String(q[k])}' is not true or false`);
  return {
    name,
    priority,
    enabled: q.enabled !== false,
    started: q.started !== false,
    default_walltime_seconds: q.default_walltime === undefined ? 0 : durationSeconds(`queues[${i}].default_walltime`, String(q.default_walltime)),
    max_walltime_seconds: q.max_walltime === undefined ? 0 : durationSeconds(`queues[${i}].max_walltime`, String(q.max_walltime)),
    backfill: backfillOf(i, q.backfill),
    ...providerOf(i, q),
  };
}

function providerOf(i: number, q: Record<string, unknown>): Pick<QueueConfig, 'provider' | 'ec2' | 'pcluster'> {
  const provider = q.provider ?? 'local';
  if (provider !== 'pcluster' && q.pcluster !== undefined) throw new Error(`queues[${i}].pcluster: only for a queue with provider pcluster`);
  if (provider === 'local') {
    if (q.ec2 !== undefined) throw new Error(`queues[${i}].ec2: only for a queue with provider ec2 or pcluster`);
    return { provider };
  }
  if (provider === 'pcluster') {
    const pcluster = compilePclusterQueue(`queues[${i}].pcluster`, q.pcluster, String(q.name));
    // The cluster's compute, for `fleetq pcluster config`: no launch template, since ParallelCluster makes its own.
    return { provider, pcluster, ...(q.ec2 === undefined ? {} : { ec2: compileEc2Queue(`queues[${i}].ec2`, q.ec2, { launch: false }) }) };
  }
  if (provider !== 'ec2') throw new Error(`queues[${i}].provider: '${String(provider)}' is not local, ec2 or pcluster`);
  return { provider, ec2: compileEc2Queue(`queues[${i}].ec2`, q.ec2) };
}

/** The priority weights from scheduler.priority.* and scheduler.fairshare.half_life. */
function priorityWeights(v: <T>(k: string) => T): PriorityWeights {
  const p = (k: string): number => v<number>(`scheduler.priority.${k}`);
  return {
    job: p('weight_job'), age: p('weight_age'), fairshare_user: p('weight_fairshare_user'), fairshare_account: p('weight_fairshare_account'),
    max_age_s: p('max_age'), half_life_s: v<number>('scheduler.fairshare.half_life'),
  };
}

function backfillOf(i: number, v: unknown): Backfill {
  if (v === undefined) return 'easy';
  if (v === 'none' || v === 'easy' || v === 'conservative') return v;
  throw new Error(`queues[${i}].backfill: '${String(v)}' is not none, easy or conservative`);
}

/** Reads, checks, defaults and freezes the configuration. Throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}): Config {
  const home = fleetqHome(env);
  const path = env.FLEETQ_CONFIG ?? join(home, 'config.yaml');
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  if (existsSync(path)) {
    try { file = (YAML.parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>; } catch (e) { problems.push(`${path}: ${(e as Error).message}`); }
    problems.push(...unknownKeys(file).map((k) => `${path}: unknown key '${k}'`));
  }
  const values = new Map<string, unknown>();
  for (const [key, kind, def] of KEYS) {
    const raw = overrides[key] ?? env[envName(key)] ?? lookup(file, key) ?? def;
    try { values.set(key, convert(key, kind, raw)); } catch (e) { problems.push((e as Error).message); }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const v = <T>(k: string): T => values.get(k) as T;
  const queues = v<QueueConfig[]>('queues');
  const defaultQueue = v<string>('jobs.default_queue');
  if (!queues.some((q) => q.name === defaultQueue)) throw new ConfigError([`jobs.default_queue: '${defaultQueue}' is not among queues (${queues.map((q) => q.name).join(', ')})`]);
  if (v<number>('jobs.max_array_size') < 2) throw new ConfigError([`jobs.max_array_size: ${v<number>('jobs.max_array_size')} is below 2 (an array has at least two subjobs)`]);
  const nodes = v<number>('local.nodes');
  if (nodes < 1 || nodes > 256) throw new ConfigError([`local.nodes: ${nodes} is out of range 1..256`]);
  if (v<string>('agent.listen') !== '') {
    const missing = ['tls.ca', 'tls.cert', 'tls.key'].filter((k) => v<string>(k) === '' || !existsSync(v<string>(k)));
    if (missing.length > 0) throw new ConfigError(missing.map((k) => `${k}: agent.listen takes agents by mutual TLS only: ${k} must name an existing file (fleetq admin ca; fleetq admin cert HOST --server)`));
  }
  try { parseServices(v<string[]>('auth.services')); } catch (e) { throw new ConfigError([(e as Error).message]); }
  if (v<string>('auth.jwt_key') !== '' && !existsSync(v<string>('auth.jwt_key'))) throw new ConfigError([`auth.jwt_key: ${v<string>('auth.jwt_key')} does not exist`]);
  const imageQueue = queues.find((q) => q.ec2 && q.ec2.image_id !== '');
  if (imageQueue && v<string>('ec2.agent_server') === '') throw new ConfigError([`ec2.agent_server: queue ${imageQueue.name} launches image ${imageQueue.ec2?.image_id} with fleetq's user data, whose agent must know where to dial the daemon (HOST:PORT of server.listen as instances reach it)`]);
  const endpoint = v<string>('ec2.endpoint');
  if (endpoint !== '' && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) throw new ConfigError([`ec2.endpoint: '${endpoint}' is not an http(s) URL`]);
  if (v<string>('ec2.region') !== '' && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(v<string>('ec2.region'))) throw new ConfigError([`ec2.region: '${v<string>('ec2.region')}' is not an AWS region (us-east-1)`]);
  if (v<number>('scheduler.priority.max_age') <= 0) throw new ConfigError(['scheduler.priority.max_age: must be longer than 0 (the wait that earns the whole age weight)']);
  const cfg: Config = {
    home,
    server: { name: v('server.name'), listen: v('server.listen'), watch_max_pending: v('server.watch_max_pending') },
    scheduler: { interval_ms: v('scheduler.interval'), backfill_depth: v('scheduler.backfill_depth'), priority: priorityWeights(v) },
    local: { nodes, ncpus: v<number>('local.ncpus') || cpus().length, mem_bytes: v<number>('local.mem') || totalmem(), ngpus: v('local.ngpus') },
    jobs: { kill_delay_seconds: v('jobs.kill_delay'), max_script_bytes: v('jobs.max_script_size'), default_queue: defaultQueue, max_array_size: v<number>('jobs.max_array_size') },
    agent: { reconnect_grace_ms: v('agent.reconnect_grace'), heartbeat_ms: v('agent.heartbeat'), down_after_ms: v('agent.down_after'), orphan_exit_ms: v('agent.orphan_exit'), listen: v('agent.listen') },
    tls: { ca: v('tls.ca'), cert: v('tls.cert'), key: v('tls.key') },
    queues,
    metrics: { listen: v('metrics.listen') },
    log: { level: v('log.level') },
    auth: {
      munge: v('auth.munge'), munge_socket: v('auth.munge_socket'), managers: v('auth.managers'), operators: v('auth.operators'),
      jobs_visible: v('auth.jobs_visible'), root_jobs: v('auth.root_jobs'), rate_limit: v('auth.rate_limit'),
      jwt_key: v('auth.jwt_key'), services: v('auth.services'),
    },
    ec2: { region: v('ec2.region'), endpoint: v('ec2.endpoint'), boot_timeout_ms: v('ec2.boot_timeout'), check_interval_ms: v('ec2.check_interval'), reconcile_interval_ms: v('ec2.reconcile_interval'), agent_server: v('ec2.agent_server') },
  };
  return Object.freeze(cfg);
}
