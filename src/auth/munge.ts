/**
 * MUNGE, the credential HPC sites already run for Slurm: a client asks its local munged for a
 * credential (`munge -n`), which names the uid and gid of the process that asked; the daemon has
 * munged decode it (`unmunge`) and takes the uid and gid from it, never from the request. Both ends
 * use the MUNGE command-line tools (Debian `munge`), so nothing here links libmunge.
 *
 * A client mints one credential and reuses it for the calls of its life (a command makes a few; a
 * long-lived client mints a new one before the old expires). The daemon decodes each credential once
 * and keeps the answer until the credential's own expiry, so reusing it costs no further decode: on
 * the daemon's Unix socket only local processes can present it. Over TCP, reuse within the TTL is the
 * replay window MUNGE's own replay check would otherwise close.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const DEFAULT_MUNGE_SOCKET = '/run/munge/munge.socket.2';
export const MUNGE_HEADER = 'x-fleetq-munge';

/** The munged socket clients use: FLEETQ_MUNGE_SOCKET, else MUNGE's default. */
export function clientMungeSocket(env: NodeJS.ProcessEnv = process.env): string {
  return env['FLEETQ_MUNGE_SOCKET'] || DEFAULT_MUNGE_SOCKET;
}

/**
 * Whether anything listens on the Unix socket `path`, from /proc/net/unix (this network namespace's
 * sockets): a socket file left by a munged that stopped would otherwise cost munge's own 2.3 s of
 * connection retries on every command. True when it cannot tell (no /proc).
 */
export function listening(path: string): boolean {
  let table: string;
  try { table = readFileSync('/proc/net/unix', 'latin1'); } catch { return true; }
  // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 is __SO_ACCEPTCON (listening).
  for (const line of table.split('\n')) {
    if (!line.endsWith(` ${path}`)) continue;
    const f = line.trim().split(/\s+/);
    if ((parseInt(f[3] ?? '0', 16) & 0x10000) !== 0) return true;
  }
  return false;
}

/** A credential for this process from munged at `socket` (synchronous: ~2 ms), or undefined when there is no munged. */
export function mintCredential(socket = clientMungeSocket()): string | undefined {
  if (!existsSync(socket) || !listening(socket)) return undefined;
  try {
    return execFileSync('munge', ['-n', '-S', socket], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 }).trim();
  } catch { return undefined; }
}

export interface MungeIdentity { uid: number; gid: number; host: string }

/** Why a credential was refused, in MUNGE's words (unmunge's message). */
export class MungeError extends Error {}

interface Cached { id: MungeIdentity; expires: number }

export class MungeVerifier {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<MungeIdentity>>();

  constructor(private readonly socket: string, private readonly maxCached = 10_000) {}

  /** The uid and gid a credential names; MungeError when munged refuses it (expired, rewound, bad key...). */
  verify(cred: string, nowMs = Date.now()): Promise<MungeIdentity> {
    const hit = this.cache.get(cred);
    if (hit && hit.expires > nowMs) return Promise.resolve(hit.id);
    if (hit) this.cache.delete(cred);
    const inflight = this.pending.get(cred);
    if (inflight) return inflight;
    const p = this.decode(cred).then((r) => {
      if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(cred, { id: r.id, expires: r.expiresMs });
      return r.id;
    }).finally(() => this.pending.delete(cred));
    this.pending.set(cred, p);
    return p;
  }

  private decode(cred: string): Promise<{ id: MungeIdentity; expiresMs: number }> {
    return new Promise((resolve, reject) => {
      const child = execFile('unmunge', ['-S', this.socket, '-o', '/dev/null'], { encoding: 'utf8', timeout: 5000 }, (err, stdout, stderr) => {
        // A credential decoded before (by an earlier daemon: this one's cache is new) is "Replayed":
        // still authentic and unexpired, and reuse within its TTL is this design's (see above).
        const status = /^STATUS:\s+(.*?)\s*\(\d+\)/m.exec(stdout)?.[1] ?? '';
        if (status !== 'Success' && status !== 'Replayed credential') {
          reject(new MungeError(status || /unmunge: Error: (.*)/.exec(stderr)?.[1] || stderr.trim() || err?.message || 'unmunge failed'));
          return;
        }
        const uid = /^UID:\s+\S*\s*\((\d+)\)/m.exec(stdout)?.[1];
        const gid = /^GID:\s+\S*\s*\((\d+)\)/m.exec(stdout)?.[1];
        if (uid === undefined || gid === undefined) { reject(new MungeError('unmunge did not name a uid and gid')); return; }
        const encoded = Number(/^ENCODE_TIME:.*\((\d+)\)/m.exec(stdout)?.[1] ?? Math.floor(Date.now() / 1000));
        const ttl = Number(/^TTL:\s+(\d+)/m.exec(stdout)?.[1] ?? 300);
        const host = /^ENCODE_HOST:\s+(\S+)/m.exec(stdout)?.[1] ?? '';
        resolve({ id: { uid: Number(uid), gid: Number(gid), host }, expiresMs: (encoded + ttl) * 1000 });
      });
      child.stdin?.end(cred);
    });
  }
}
