/**
 * The configuration of a queue served by an AWS ParallelCluster head's Slurm
 * (`queues[i].provider: pcluster`, `queues[i].pcluster: {...}`), checked at start with errors that
 * name the key. Only what the forwarding needs; the queue's `ec2:` block, when it has one, describes
 * the cluster's compute for `fleetq pcluster config` and is not used to buy nodes.
 *
 *   url            slurmrestd: http://HEAD:6820 or unix:/path/to/slurmrestd.socket
 *   auth           jwt (default): a token per call, X-SLURM-USER-NAME/X-SLURM-USER-TOKEN; or
 *                  local: slurmrestd's unix socket with rest_auth/local (jobs run as slurmrestd's user)
 *   jwt_key        the cluster's HS256 key (Slurm's AuthAltParameters jwt_key): fleetq signs a short
 *                  token for each job's owner, so the job runs as its owner in Slurm; or
 *   token          a fixed token (scontrol token) with
 *   user_name      the user it was made for: every job is submitted as that user
 *   partition      the Slurm partition (a ParallelCluster queue) jobs go to (default: the queue's name)
 *   api_version    the slurmrestd plugin to speak (v0.0.38, Slurm 22.05 to 23.02's)
 *   poll_interval  how often Slurm's jobs are read back (default 5s)
 *   timeout        how long one call may take before the head counts as unreachable (default 10s)
 *   cluster        the head's name, for comments (default: the queue's name)
 */
import { existsSync } from 'node:fs';
import { parseDuration } from '../../jobs/resources.js';
import { configBlock } from '../block.js';

export interface PclusterQueueConfig {
  url: string;
  auth: 'jwt' | 'local';
  jwt_key: string;
  token: string;
  user_name: string;
  partition: string;
  api_version: string;
  poll_interval_ms: number;
  timeout_ms: number;
  cluster: string;
}

/** slurmrestd API versions fleetq speaks. */
export const API_VERSIONS = ['v0.0.38'] as const;

const KEYS = ['url', 'auth', 'jwt_key', 'token', 'user_name', 'partition', 'api_version', 'poll_interval', 'timeout', 'cluster'];

function durationMs(key: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  const text = String(v).trim();
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] : parseDuration(key, text) * 1000;
  if (!(ms >= 100)) throw new Error(`${key}: '${text}' is shorter than 100ms`);
  return Math.round(ms);
}

/** Checks and defaults queues[i].pcluster; `key` is its path for messages (queues[2].pcluster). */
export function compilePclusterQueue(key: string, raw: unknown, queueName: string): PclusterQueueConfig {
  const block = configBlock(key, raw, KEYS, '{url, auth, jwt_key | token, partition, ...} for a queue with provider pcluster');
  const q = block.q;
  const str = (k: string): string => block.str(k).trim();
  const url = str('url');
  if (url === '') throw new Error(`${key}.url: slurmrestd's address is required (http://HEAD:6820 or unix:/path/to/socket)`);
  if (!/^https?:\/\/[^\s/]+\/?$/.test(url) && !/^unix:\/\S+$/.test(url)) throw new Error(`${key}.url: '${url}' is not http(s)://HOST:PORT or unix:/absolute/path`);
  const auth = str('auth') || 'jwt';
  if (auth !== 'jwt' && auth !== 'local') throw new Error(`${key}.auth: '${auth}' is not jwt or local`);
  const jwtKey = str('jwt_key');
  const token = str('token');
  const userName = str('user_name');
  if (auth === 'local') {
    if (!url.startsWith('unix:')) throw new Error(`${key}.auth: local authentication needs slurmrestd's unix socket (url: unix:/path), not ${url}`);
    if (jwtKey || token) throw new Error(`${key}: jwt_key and token are for auth jwt, not local`);
  } else {
    if (jwtKey === '' && token === '') throw new Error(`${key}: auth jwt needs jwt_key (the cluster's HS256 key, to sign each owner's token) or token with user_name`);
    if (jwtKey !== '' && token !== '') throw new Error(`${key}: jwt_key and token exclude each other`);
    if (jwtKey !== '' && !existsSync(jwtKey)) throw new Error(`${key}.jwt_key: ${jwtKey} does not exist`);
    if (token !== '' && userName === '') throw new Error(`${key}.user_name: a fixed token is made for one user: name it`);
    if (token !== '' && !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) throw new Error(`${key}.token: not a JWT (header.payload.signature)`);
  }
  if (userName !== '' && !/^[\w.-]{1,64}$/.test(userName)) throw new Error(`${key}.user_name: '${userName}' is not a user name`);
  const partition = str('partition') || queueName;
  if (!/^[\w.-]{1,64}$/.test(partition)) throw new Error(`${key}.partition: '${partition}' is not a Slurm partition name`);
  const version = str('api_version') || API_VERSIONS[0];
  if (!(API_VERSIONS as readonly string[]).includes(version)) throw new Error(`${key}.api_version: '${version}' is not one fleetq speaks (${API_VERSIONS.join(', ')})`);
  const cluster = str('cluster') || queueName;
  return {
    url: url.replace(/\/$/, ''), auth, jwt_key: jwtKey, token, user_name: userName, partition, api_version: version,
    poll_interval_ms: durationMs(`${key}.poll_interval`, q.poll_interval, 5000), timeout_ms: durationMs(`${key}.timeout`, q.timeout, 10_000), cluster,
  };
}
