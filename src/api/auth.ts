/**
 * Who is calling, and what they may do. Authentication: with MUNGE on (auth.munge; 'auto' = when
 * munged's socket exists at start), every call carries a MUNGE credential (x-fleetq-munge) and the
 * caller is the uid in it — never a name in the request. Root (uid 0), who can be anyone on its
 * machine, may name the user it acts for (x-fleetq-user). With MUNGE off, the daemon's socket is
 * its owner's alone and the caller's asserted name is taken. Authorization follows OpenPBS: anyone
 * may submit as themselves and list jobs (or only their own, auth.jobs_visible: own); only a job's
 * owner, an operator or a manager may delete, hold, release or alter it; only operators and
 * managers may set or clear operator holds, only managers system holds; jobs owned by root only when
 * auth.root_jobs allows.
 */
import type * as grpc from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import type { AuthConfig } from '../config/index.js';
import type { JobRecord } from '../jobs/model.js';
import { FleetqError } from '../util/errors.js';
import { MUNGE_HEADER, MungeError, MungeVerifier, listening } from '../auth/munge.js';
import { JwtError, parseServices, verifyHs256 } from '../auth/jwt.js';
import { accountByUid } from '../util/passwd.js';

export type Role = 'manager' | 'operator' | 'user';

export interface Identity {
  /** The user the call acts as (a job's owner when it submits). */
  user: string;
  /** Who proved themselves: the credential's account ('' when asserted). */
  principal: string;
  /** The principal's role (managers and operators are lists of user names in the config). */
  role: Role;
  via: 'munge' | 'asserted' | 'jwt';
}

const USER_NAME = /^[A-Za-z_][\w.-]{0,31}$/;

export class Authenticator {
  readonly munge: boolean;
  private readonly verifier: MungeVerifier | undefined;
  private readonly jwtKey: Buffer | undefined;
  private readonly services: Map<string, Set<string>>;
  /** Token buckets per user (auth.rate_limit): tokens left, when last filled (ms). */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly cfg: AuthConfig) {
    // 'auto': munged listens on its socket (a socket file left by a munged that stopped is not one).
    this.munge = cfg.munge === 'on' || (cfg.munge === 'auto' && existsSync(cfg.munge_socket) && listening(cfg.munge_socket));
    this.verifier = this.munge ? new MungeVerifier(cfg.munge_socket) : undefined;
    this.jwtKey = cfg.jwt_key === '' ? undefined : readFileSync(cfg.jwt_key);
    this.services = parseServices(cfg.services);
  }

  private roleOf(user: string): Role {
    return this.cfg.managers.includes(user) ? 'manager' : this.cfg.operators.includes(user) ? 'operator' : 'user';
  }

  /** The caller of a call, within its request rate; UNAUTHENTICATED (naming what was missing or wrong) when it cannot be told. */
  async identify(md: grpc.Metadata): Promise<Identity> {
    const who = await this.authenticate(md);
    this.admit(who.via === 'jwt' ? `${who.principal}/${who.user}` : who.principal || who.user);
    return who;
  }

  /**
   * A token bucket per user: auth.rate_limit requests a second, bursts of twice that. Beyond it the
   * call is refused with RESOURCE_EXHAUSTED saying when to retry (Slurm's rl_* rate limiting).
   */
  private admit(user: string, nowMs = Date.now()): void {
    const rate = this.cfg.rate_limit;
    if (rate <= 0) return;
    const burst = 2 * rate;
    const b = this.buckets.get(user) ?? { tokens: burst, at: nowMs };
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * rate);
    b.at = nowMs;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded: a flood of names cannot grow it
    this.buckets.set(user, b);
    if (b.tokens < 1) {
      const waitMs = Math.ceil(((1 - b.tokens) / rate) * 1000);
      throw new FleetqError('RESOURCE_LIMIT', `requests: ${user} is over ${rate} requests per second (auth.rate_limit); retry in ${waitMs} ms`, { field: 'requests' });
    }
    b.tokens -= 1;
  }

  /** A service's token (authorization: Bearer JWT), acting for the user it names (x-fleetq-user) when auth.services allows. */
  private service(bearer: string, asserted: string): Identity {
    const m = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(bearer);
    if (!m) throw new FleetqError('UNAUTHENTICATED', 'authorization: expected "Bearer" and a JWT', { field: 'authorization' });
    if (!this.jwtKey) throw new FleetqError('UNAUTHENTICATED', 'authorization: this server takes no service tokens (auth.jwt_key is not set)', { field: 'authorization' });
    let sub: string;
    try { sub = verifyHs256(m[1]!, this.jwtKey).sub; } catch (e) {
      if (e instanceof JwtError) throw new FleetqError('UNAUTHENTICATED', `authorization: ${e.message}`, { field: 'authorization' });
      throw e;
    }
    const user = asserted || sub;
    const allowed = this.services.get(sub);
    if (user !== sub && !(allowed && (allowed.has('*') || allowed.has(user)))) {
      throw new FleetqError('PERMISSION_DENIED', `x-fleetq-user: Unauthorized Request: service ${sub} may not act for ${user} (auth.services)`, { field: 'x-fleetq-user' });
    }
    return { user, principal: `service:${sub}`, role: 'user', via: 'jwt' };
  }

  private async authenticate(md: grpc.Metadata): Promise<Identity> {
    const asserted = String(md.get('x-fleetq-user')[0] ?? '');
    if (asserted !== '' && !USER_NAME.test(asserted)) throw new FleetqError('INVALID_ARGUMENT', `x-fleetq-user: '${asserted.slice(0, 40)}' is not a user name`, { field: 'x-fleetq-user' });
    const bearer = String(md.get('authorization')[0] ?? '');
    if (bearer !== '') return this.service(bearer, asserted);
    if (!this.verifier) {
      const user = asserted || 'nobody';
      return { user, principal: '', role: this.roleOf(user), via: 'asserted' };
    }
    const cred = String(md.get(MUNGE_HEADER)[0] ?? '');
    if (cred === '') {
      throw new FleetqError('UNAUTHENTICATED', `${MUNGE_HEADER}: no MUNGE credential; this server requires one (the commands and the client get one from munged: is munged running where the client runs, with the cluster's key?)`, { field: MUNGE_HEADER });
    }
    let uid: number;
    try { uid = (await this.verifier.verify(cred)).uid; } catch (e) {
      if (e instanceof MungeError) throw new FleetqError('UNAUTHENTICATED', `${MUNGE_HEADER}: MUNGE refused the credential: ${e.message}`, { field: MUNGE_HEADER });
      throw e;
    }
    const principal = accountByUid(uid)?.name ?? String(uid);
    // Root can become anyone here: it may name the user it acts for.
    const user = uid === 0 && asserted !== '' ? asserted : principal;
    return { user, principal, role: this.roleOf(principal), via: 'munge' };
  }
}

const denied = (what: string): FleetqError => new FleetqError('PERMISSION_DENIED', `Unauthorized Request: ${what}`);
const privileged = (who: Identity): boolean => who.role !== 'user';

/** The job's owner (its submitting user). */
export function ownerOf(job: JobRecord): string { return job.spec.user; }

/** Deleting, holding, releasing, altering: the owner, an operator or a manager. */
export function mayModify(who: Identity, job: JobRecord, verb: string): void {
  if (ownerOf(job) === who.user || privileged(who)) return;
  throw denied(`${who.user} may not ${verb} job ${job.id} of ${ownerOf(job)} (only its owner, an operator or a manager)`);
}

/** Hold types beyond the owner's: o (operator) needs an operator or manager, s (system) a manager. */
export function mayHoldTypes(who: Identity, types: string): void {
  if (types.includes('o') && !privileged(who)) throw denied(`hold type o is for operators and managers (${who.user} is neither)`);
  if (types.includes('s') && who.role !== 'manager') throw denied(`hold type s is for managers (${who.user} is not one)`);
}

/** Offlining nodes, clearing them, setting their comments: operators and managers. */
export function mayAdminNodes(who: Identity): void {
  if (!privileged(who)) throw denied(`only operators and managers may change nodes (${who.user} is neither)`);
}

/** Whether `who` sees `job` in lists (auth.jobs_visible: own limits users to their own). */
export function maySee(cfg: AuthConfig, who: Identity, job: JobRecord): boolean {
  return cfg.jobs_visible === 'all' || privileged(who) || ownerOf(job) === who.user;
}

/** The owner a submitted job gets: the caller; naming anyone else is refused, and root unless allowed. */
export function submitter(cfg: AuthConfig, who: Identity, specUser: string): string {
  const owner = specUser || who.user;
  if (owner !== who.user && !(who.via === 'asserted' || who.principal === 'root')) {
    throw new FleetqError('PERMISSION_DENIED', `spec.user: Unauthorized Request: ${who.user} may not submit a job as ${owner}`, { field: 'spec.user' });
  }
  if (owner === 'root' && !cfg.root_jobs) throw new FleetqError('BAD_USER', 'spec.user: Bad UID for job execution: jobs owned by root are not allowed here (auth.root_jobs)', { field: 'spec.user' });
  return owner;
}
