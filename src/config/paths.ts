/**
 * Where things are, from the environment alone (no config file read), so that the PBS commands
 * can find the daemon without loading anything heavy.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** `$FLEETQ_HOME`, default `~/.fleetq`. */
export function fleetqHome(env: Env = process.env): string {
  return env.FLEETQ_HOME && env.FLEETQ_HOME !== '' ? env.FLEETQ_HOME : join(homedir(), '.fleetq');
}

export function socketPath(env: Env = process.env): string {
  return join(fleetqHome(env), 'fleetq.sock');
}

/**
 * The gRPC target clients dial: `$FLEETQ_SERVER` when set (`host:port`, `unix:/path`, or a bare
 * socket path), otherwise the daemon's Unix socket in FLEETQ_HOME.
 */
export function serverAddress(env: Env = process.env): string {
  const s = env.FLEETQ_SERVER;
  if (s && s !== '') return s.startsWith('/') ? `unix:${s}` : s;
  return `unix:${socketPath(env)}`;
}
