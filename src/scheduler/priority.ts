/**
 * Job priority as Slurm's priority/multifactor plugin computes it, with its classic fair-share
 * factor (PriorityFlags=NO_FAIR_TREE): an integer sum of weight × factor, every factor in [0, 1].
 *
 *   job        (p + 1024) / 2047               qsub -p, -1024..1023 (Slurm's nice, inverted)
 *   age        min(1, (now − eligible) / max_age)   PriorityMaxAge
 *   fair-share 2^(−U/S)                         per user and per account
 *
 * U is the entity's share of all decayed usage (U(t) = Σ u_i · 2^(−(t − t_i)/h), h =
 * PriorityDecayHalfLife), S its share of the machine: equal shares among the users (accounts) ever
 * charged. An entity that used nothing has factor 1; one that used exactly its share, 0.5.
 *
 * Queue priority is not part of the total: the scheduler orders by queue priority first (as PBS
 * does), then by this total (high first), then by submit order.
 *
 * Pure: no I/O and no clock; times are unix seconds passed in. Fast: the trace replay asks for every
 * queued job at every event, so a lookup is two Map reads and a few multiplications, and fair-share
 * factors are cached per entity for one `now` until the next change of usage.
 */

import type { JobRecord } from '../jobs/model.js';

export interface PriorityWeights {
  /** Weight of the -p factor (Slurm has none; PBS sorts on -p). */
  job: number;
  /** PriorityWeightAge. */
  age: number;
  /** PriorityWeightFairshare, applied to the user's factor. */
  fairshare_user: number;
  /** A second fair-share weight, applied to the account's (-A) factor. */
  fairshare_account: number;
  /** PriorityMaxAge: the wait that earns the whole age weight. */
  max_age_s: number;
  /** PriorityDecayHalfLife: usage halves every half_life_s; 0 means it never decays. */
  half_life_s: number;
}

const DAY = 86_400;

/**
 * Fair-share dominates (as in Slurm's example configuration), -p and age break ties between equally
 * served users; max age and half-life are Slurm's defaults (7 days each).
 */
export const DEFAULT_WEIGHTS: PriorityWeights = Object.freeze({
  job: 1000, age: 1000, fairshare_user: 10_000, fairshare_account: 5000, max_age_s: 7 * DAY, half_life_s: 7 * DAY,
});

/** The account fair-share charges when a job names none (PBS's empty Account_Name). */
export const DEFAULT_ACCOUNT = 'default';

/** One user's or account's usage: decayed charges, plus the jobs it is running now. */
class Usage {
  /** Decayed usage as of `at` (cpu-seconds). */
  usage = 0;
  at = 0;
  /** Σ ncpus and Σ ncpus × start of the running jobs: their usage at t is cpus·t − cpuStart. */
  cpus = 0;
  cpuStart = 0;
  /** The factor cached for (`stampNow`, `stampVersion`). */
  factor = 1;
  stampNow = Number.NaN;
  stampVersion = -1;
}

interface Running { user: Usage; account: Usage; total: Usage; ncpus: number; start: number }

/**
 * Decayed cpu-second usage per user and per account, and their classic fair-share factors.
 *
 * Usage of running jobs: a job in `startRunning` counts ncpus × (now − start), not decayed while it
 * runs, until `stopRunning`; the caller then charges what it used at its end. Slurm instead charges
 * running jobs every PriorityCalcPeriod (5 min) with decay; this is the same amount when jobs are short
 * against the half-life, costs O(1) per start, stop and lookup, and needs no timer.
 *
 * Times should not go backwards much: a charge dated before an entity's latest one is folded in
 * exactly (decayed to that later time), and factors are exact for any `now` at or after the latest
 * charge.
 */
export class FairShare {
  private readonly users = new Map<string, Usage>();
  private readonly accounts = new Map<string, Usage>();
  private readonly total = new Usage();
  private readonly running = new Map<string, Running>();
  /** Bumped on every change of usage: invalidates the cached factors. */
  private version = 0;

  /** @param half_life_s usage halves every half_life_s seconds; 0: it never decays. RangeError if negative or not finite. */
  constructor(readonly half_life_s: number) {
    if (!Number.isFinite(half_life_s) || half_life_s < 0) throw new RangeError(`half_life_s: ${half_life_s} is not a duration ≥ 0`);
  }

  /**
   * Adds cpu-seconds of usage by user/account at time `at` (usage decays with the half-life:
   * U(t) = Σ u_i · 2^(−(t − t_i)/h)). Account '' is DEFAULT_ACCOUNT. A charge of 0 still makes the
   * user and account "seen" (they take a share). RangeError for negative or non-finite usage.
   */
  charge(user: string, account: string, cpu_seconds: number, at: number): void {
    if (!Number.isFinite(cpu_seconds) || cpu_seconds < 0) throw new RangeError(`cpu_seconds: ${cpu_seconds} is not a usage ≥ 0`);
    this.add(entry(this.users, user, at), cpu_seconds, at);
    this.add(entry(this.accounts, account || DEFAULT_ACCOUNT, at), cpu_seconds, at);
    this.add(this.total, cpu_seconds, at);
    this.version++;
  }

  /**
   * A job started running on ncpus at `at`: until stopRunning(id) its user and account are charged
   * ncpus × (now − at). Starting an id again replaces its earlier start (idempotent on restart).
   */
  startRunning(id: string, user: string, account: string, ncpus: number, at: number): void {
    this.stopRunning(id);
    const r: Running = { user: entry(this.users, user, at), account: entry(this.accounts, account || DEFAULT_ACCOUNT, at), total: this.total, ncpus, start: at };
    for (const u of [r.user, r.account, r.total]) { u.cpus += ncpus; u.cpuStart += ncpus * at; }
    this.running.set(id, r);
    this.version++;
  }

  /** The job stopped: its running charge ends (charge what it used with `charge`). False for an unknown id. */
  stopRunning(id: string): boolean {
    const r = this.running.get(id);
    if (!r) return false;
    for (const u of [r.user, r.account, r.total]) { u.cpus -= r.ncpus; u.cpuStart -= r.ncpus * r.start; }
    this.running.delete(id);
    this.version++;
    return true;
  }

  /** Classic fair-share factors in [0,1]: 2^(−U_norm/S_norm), equal shares among users (accounts) seen. */
  factors(user: string, account: string, now: number): { user: number; account: number } {
    return { user: this.userFactor(user, now), account: this.accountFactor(account, now) };
  }

  /** The user's factor alone (no allocation): 1 for a user never charged. */
  userFactor(user: string, now: number): number { return this.factorOf(this.users.get(user), this.users.size, now); }

  /** The account's factor alone ('' is DEFAULT_ACCOUNT): 1 for an account never charged. */
  accountFactor(account: string, now: number): number { return this.factorOf(this.accounts.get(account || DEFAULT_ACCOUNT), this.accounts.size, now); }

  /** Effective (decayed + running) usage of a user at `now`, in cpu-seconds; 0 when unknown. */
  userUsage(user: string, now: number): number { const u = this.users.get(user); return u ? this.effective(u, now) : 0; }

  private factorOf(u: Usage | undefined, seen: number, now: number): number {
    if (!u) return 1;
    if (u.stampNow === now && u.stampVersion === this.version) return u.factor;
    const all = this.cachedTotal(now);
    // U/S with S = 1/seen: the entity's usage over an equal share of everyone's.
    u.factor = all > 0 ? 2 ** (-(this.effective(u, now) / all) * seen) : 1;
    u.stampNow = now;
    u.stampVersion = this.version;
    return u.factor;
  }

  private cachedTotal(now: number): number {
    const t = this.total;
    if (t.stampNow !== now || t.stampVersion !== this.version) {
      t.factor = this.effective(t, now); // the total's cache slot holds its usage, not a factor
      t.stampNow = now;
      t.stampVersion = this.version;
    }
    return t.factor;
  }

  private effective(u: Usage, now: number): number {
    return u.usage * this.decay(now - u.at) + Math.max(0, u.cpus * now - u.cpuStart);
  }

  /** 2^(−dt/h); 1 without decay. */
  private decay(dt: number): number { return this.half_life_s === 0 || dt === 0 ? 1 : 2 ** (-dt / this.half_life_s); }

  private add(u: Usage, amount: number, at: number): void {
    if (at >= u.at) { u.usage = u.usage * this.decay(at - u.at) + amount; u.at = at; } else u.usage += amount * this.decay(u.at - at);
  }
}

function entry(m: Map<string, Usage>, key: string, at: number): Usage {
  let u = m.get(key);
  if (!u) { u = new Usage(); u.at = at; m.set(key, u); }
  return u;
}

export interface PriorityInput {
  /** qsub -p, -1024..1023. */
  priority: number;
  /** When the job became eligible (queue time), unix seconds. */
  eligible_s: number;
  user: string;
  account: string;
}

/** A stored job's priority input: its -p, eligible time, owner and account (-A). */
export function priorityInputOf(j: JobRecord): PriorityInput {
  return { priority: j.spec.priority, eligible_s: j.eligible_time_unix, user: j.spec.user, account: j.spec.account };
}

/** A priority and its parts: each part is round(weight × factor); total is their sum. */
export interface PriorityParts { total: number; job: number; age: number; fairshare_user: number; fairshare_account: number }

/**
 * Computes a pending job's priority from the weights and the fair-share usage. Parts are rounded
 * to integers so that they add up to the total shown (as Slurm's sprio shows them).
 */
export class PriorityCalculator {
  /** RangeError when a weight is negative or not finite. */
  constructor(readonly weights: PriorityWeights, readonly fairshare: FairShare) {
    for (const [k, v] of Object.entries(weights)) if (!Number.isFinite(v) || v < 0) throw new RangeError(`weights.${k}: ${v} is not a number ≥ 0`);
  }

  /** The job's priority and its parts at `now` (unix seconds). */
  of(j: PriorityInput, now: number): PriorityParts {
    const job = this.jobPart(j);
    const age = this.agePart(j, now);
    const fairshare_user = this.userPart(j, now);
    const fairshare_account = this.accountPart(j, now);
    return { total: job + age + fairshare_user + fairshare_account, job, age, fairshare_user, fairshare_account };
  }

  /** of(j, now).total without building the parts: for sorting many jobs. */
  total(j: PriorityInput, now: number): number {
    return this.jobPart(j) + this.agePart(j, now) + this.userPart(j, now) + this.accountPart(j, now);
  }

  private jobPart(j: PriorityInput): number {
    const p = Math.min(1023, Math.max(-1024, j.priority));
    return Math.round(this.weights.job * ((p + 1024) / 2047));
  }

  private agePart(j: PriorityInput, now: number): number {
    const waited = Math.max(0, now - j.eligible_s);
    const f = this.weights.max_age_s > 0 ? Math.min(1, waited / this.weights.max_age_s) : 1;
    return Math.round(this.weights.age * f);
  }

  private userPart(j: PriorityInput, now: number): number {
    return this.weights.fairshare_user === 0 ? 0 : Math.round(this.weights.fairshare_user * this.fairshare.userFactor(j.user, now));
  }

  private accountPart(j: PriorityInput, now: number): number {
    return this.weights.fairshare_account === 0 ? 0 : Math.round(this.weights.fairshare_account * this.fairshare.accountFactor(j.account, now));
  }
}

/** `job=…,age=…,fairshare_user=…,fairshare_account=…`, as qstat -f shows sched_priority_parts. */
export function formatParts(p: PriorityParts): string {
  return `job=${p.job},age=${p.age},fairshare_user=${p.fairshare_user},fairshare_account=${p.fairshare_account}`;
}
