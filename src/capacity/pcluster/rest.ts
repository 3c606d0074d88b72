/**
 * A slurmrestd client: submit, read, cancel and update jobs through the head's REST API (the
 * openapi/v0.0.38 plugin), over HTTP or its unix socket. Knows Slurm's REST API and its
 * authentication, nothing of fleetq's jobs.
 *
 * Authentication: with a jwt_key, each call carries a short HS256 token fleetq signs for the user it
 * acts for (Slurm's auth/jwt accepts any user's token signed with the cluster key: the job runs as
 * its owner); with a fixed token, every call is that token's user; with auth local, slurmrestd
 * knows the caller by its unix socket (rest_auth/local) and sends no token.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PclusterQueueConfig } from './config.js';
import type { SlurmJobDesc, SlurmJobInfo } from './translate.js';

/** A call that did not get an answer (connection refused, timeout): the head is unreachable. */
export class SlurmUnreachable extends Error {
  constructor(message: string) { super(message); this.name = 'SlurmUnreachable'; }
}

/** One entry of slurmrestd's `errors` (v0.0.38 names the number error_number or error_code). */
export interface SlurmError { error?: string; error_number?: number; error_code?: number; description?: string; source?: string }

const errno = (e: SlurmError): number => e.error_number ?? e.error_code ?? -1;
const errText = (e: SlurmError): string => [e.description, e.error].filter((x) => x && x !== 'Unspecified error').join(': ') || `error ${errno(e)}`;

/** slurmrestd answered with errors (a refused submission, an unknown job). */
export class SlurmRefused extends Error {
  constructor(readonly status: number, readonly errors: readonly SlurmError[], what: string) {
    super(`${what}: ${errors.map(errText).join('; ') || `HTTP ${status}`}`);
    this.name = 'SlurmRefused';
  }
  /** Slurm's error number of its first error (e.g. 2017 ESLURM_INVALID_JOB_ID). */
  get errno(): number { return this.errors[0] ? errno(this.errors[0]) : 0; }
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** An HS256 JWT for `user`, as `scontrol token` makes: {iat, exp, sun}. */
export function signToken(key: Buffer, user: string, lifetimeS = 300, now = Math.floor(Date.now() / 1000)): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat: now, exp: now + lifetimeS, sun: user }));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export interface SubmitResult { job_id: number; warnings: string[] }

export class SlurmRest {
  private readonly key: Buffer | undefined;
  private readonly tokens = new Map<string, { token: string; until: number }>();
  readonly base: string;

  constructor(private readonly cfg: PclusterQueueConfig) {
    this.key = cfg.jwt_key ? readFileSync(cfg.jwt_key) : undefined;
    this.base = `/slurm/${cfg.api_version}`;
  }

  /** Whom calls act for: `user` with a jwt_key (it signs for anyone); a fixed token's user otherwise. */
  private actsAs(user: string): string {
    if (this.key) return user;
    return this.cfg.user_name || user;
  }

  private headers(user: string): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (this.cfg.auth === 'local') return h;
    const name = this.actsAs(user);
    let token = this.cfg.token;
    if (this.key) {
      const now = Math.floor(Date.now() / 1000);
      const t = this.tokens.get(name);
      if (t && t.until > now + 30) token = t.token;
      else { token = signToken(this.key, name, 600, now); this.tokens.set(name, { token, until: now + 600 }); }
    }
    h['x-slurm-user-name'] = name;
    h['x-slurm-user-token'] = token;
    return h;
  }

  /**
   * One call; resolves with the status and the parsed body. A read (GET) whose kept-alive
   * connection was closed under it (slurmrestd restarted) is tried once more on a new one.
   */
  async call(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    try {
      return await this.once(method, path, user, body);
    } catch (e) {
      if (method !== 'GET' || !/socket hang up|ECONNRESET/.test((e as Error).message)) throw e;
      return this.once(method, path, user, body);
    }
  }

  private once(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { ...this.headers(user) };
    if (data) { headers['content-type'] = 'application/json'; headers['content-length'] = data.length; }
    const url = this.cfg.url;
    const opts: RequestOptions = { method, headers, timeout: this.cfg.timeout_ms };
    let request = httpRequest;
    if (url.startsWith('unix:')) { opts.socketPath = url.slice(5); opts.path = path; } else {
      const u = new URL(url);
      Object.assign(opts, { hostname: u.hostname, port: u.port || (u.protocol === 'https:' ? 443 : 80), path });
      if (u.protocol === 'https:') request = httpsRequest;
    }
    return new Promise((resolve, reject) => {
      const req = request(opts, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('error', (e) => reject(new SlurmUnreachable(`${method} ${path}: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let json: Record<string, unknown> = {};
          try { json = text ? JSON.parse(text) as Record<string, unknown> : {}; } catch {
            // slurmrestd answers authentication failures and unknown paths in plain text
            json = { errors: [{ error: text.trim().slice(0, 300) || `HTTP ${res.statusCode}` }] };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.cfg.timeout_ms} ms`)));
      req.on('error', (e) => reject(new SlurmUnreachable(`slurmrestd at ${url}: ${e.message}`)));
      req.end(data);
    });
  }

  /**
   * A call that must succeed: slurmrestd 22.05 reports failures with HTTP 200 too (an unknown key,
   * a parse error), so its `errors` count as much as the status.
   */
  private async ok(method: string, path: string, user: string, what: string, body?: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(method, path, user, body);
    const errors = (r.json.errors as SlurmError[] | undefined) ?? [];
    const real = errors.filter((e) => errno(e) !== 0);
    if (r.status >= 300 || real.length > 0) throw new SlurmRefused(r.status, real.length > 0 ? real : errors, what);
    return r.json;
  }

  /**
   * Submits a batch job. Slurm may take it and still say something (a request the partition cannot
   * meet now stays pending, with the error as a warning): a job id in the answer means it is Slurm's.
   */
  async submit(user: string, job: SlurmJobDesc, script: string): Promise<SubmitResult> {
    const r = await this.call('POST', `${this.base}/job/submit`, user, { job, script });
    const errors = ((r.json.errors as SlurmError[] | undefined) ?? []).filter((e) => errno(e) !== 0);
    const id = Number(r.json.job_id);
    if (r.status >= 300 || !Number.isInteger(id) || id <= 0) throw new SlurmRefused(r.status, errors.length > 0 ? errors : [{ error: `no job id in the answer: ${JSON.stringify(r.json).slice(0, 200)}` }], 'Slurm refused the job');
    const warnings = [...errors, ...((r.json.warnings as SlurmError[] | undefined) ?? [])].map(errText).filter(Boolean);
    return { job_id: id, warnings };
  }

  /**
   * Every job slurmrestd lists (pending, running, and the recently ended Slurm still keeps); with
   * `since` (unix seconds), 'unchanged' when no job changed since then (Slurm answers 304 and sends
   * nothing; when one did, it sends them all).
   */
  async jobs(user: string, since = 0): Promise<SlurmJobInfo[] | 'unchanged'> {
    if (since > 0) {
      const r = await this.call('GET', `${this.base}/jobs?update_time=${since}`, user);
      if (r.status === 304) return 'unchanged';
      const errors = ((r.json.errors as SlurmError[] | undefined) ?? []).filter((e) => errno(e) !== 0);
      if (r.status >= 300 || errors.length > 0) throw new SlurmRefused(r.status, errors, 'listing Slurm jobs');
      return (r.json.jobs as SlurmJobInfo[] | undefined) ?? [];
    }
    const j = await this.ok('GET', `${this.base}/jobs`, user, 'listing Slurm jobs');
    return (j.jobs as SlurmJobInfo[] | undefined) ?? [];
  }

  /** One job (an array's: every task Slurm has split off, and the rest). Undefined when Slurm no longer knows it. */
  async job(user: string, id: number): Promise<SlurmJobInfo[] | undefined> {
    const r = await this.call('GET', `${this.base}/job/${id}`, user);
    const jobs = (r.json.jobs as SlurmJobInfo[] | undefined) ?? [];
    if (r.status === 200 && jobs.length > 0) return jobs;
    if (r.status === 404 || r.status === 500 || jobs.length === 0) return undefined;
    throw new SlurmRefused(r.status, (r.json.errors as []) ?? [], `reading Slurm job ${id}`);
  }

  async cancel(user: string, id: number, signal = ''): Promise<void> {
    await this.ok('DELETE', `${this.base}/job/${id}${signal ? `?signal=${encodeURIComponent(signal)}` : ''}`, user, `cancelling Slurm job ${id}`);
  }

  async update(user: string, id: number, changes: Partial<SlurmJobDesc> & Record<string, unknown>): Promise<void> {
    const r = await this.call('POST', `${this.base}/job/${id}`, user, changes);
    // 22.05 adds an entry from _parse_job_list to a job array's successful update (HTTP 200): not a failure.
    const errors = ((r.json.errors as SlurmError[] | undefined) ?? []).filter((e) => errno(e) !== 0 && !(r.status === 200 && e.source === '_parse_job_list'));
    if (r.status >= 300 || errors.length > 0) throw new SlurmRefused(r.status, errors, `changing Slurm job ${id}`);
  }
}
