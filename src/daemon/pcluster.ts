/**
 * Queues served by AWS ParallelCluster heads: their jobs are forwarded to the head's Slurm through
 * slurmrestd and mirrored back, so qstat, WatchJobs and the portal see one view.
 *
 * The path of a job in such a queue: qsub → stored Q (fleetq's scheduler does not plan these
 * queues) → forwarded: translated (src/capacity/pcluster/translate.ts) and submitted, its Slurm id
 * kept as `external_id` (slurm:CLUSTER:ID) → each poll of the head mirrors Slurm's state into its
 * record (R with Slurm's nodes, then F with the exit status and a comment) → qdel, qhold, qrls and
 * qalter act on the Slurm job first.
 *
 * Every Slurm job fleetq makes carries the comment `fleetq:ID`: a restarted daemon lists the head's
 * jobs before it forwards anything, and takes back a job Slurm already has (one submitted just
 * before a crash, whose id was not yet stored) instead of submitting it twice.
 *
 * A head that cannot be reached (no answer, or slurmrestd refusing fleetq's token) marks its queue
 * stopped with a comment saying why; its jobs wait — pending ones are not forwarded, running ones
 * keep their last known state — and the next poll that gets an answer brings the queue back.
 */
import type { JobService, RemoteJobs } from '../jobs/service.js';
import { runTime } from '../jobs/service.js';
import { isPending, type JobRecord } from '../jobs/model.js';
import { parseDepend, dependencyOn } from '../jobs/depend.js';
import type { PclusterQueueConfig } from '../capacity/pcluster/config.js';
import { SlurmRest, SlurmRefused, SlurmUnreachable } from '../capacity/pcluster/rest.js';
import { toSlurm, untranslatable, mirrorOf, idOfTag, type SlurmJobInfo, type SlurmJobDesc, type TranslateContext } from '../capacity/pcluster/translate.js';
import { JOB_EXEC } from '../jobs/launch.js';
import { FleetqError } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface PclusterDeps {
  queues: ReadonlyMap<string, PclusterQueueConfig>;
  jobs: JobService;
  log: Logger;
}

interface Head {
  queue: string;
  cfg: PclusterQueueConfig;
  rest: SlurmRest;
  /** Why the head is unreachable ('' when it answers). */
  down: string;
  timer: NodeJS.Timeout | undefined;
  /** A pass is running; `wantFull` / `wantForward` ask for one more after it. */
  busy: Promise<void> | undefined;
  wantFull: boolean;
  wantForward: boolean;
  /** The job list of its slurmrestd, shared with the other queues it serves. */
  listing: Listing;
  /** The number of the last list of `listing` this queue has gone through (0: none yet, so nothing is forwarded). */
  seen: number;
}

/**
 * One slurmrestd's job list, shared by the queues it serves (a ParallelCluster head has several):
 * one listing a poll, not one a queue.
 */
interface Listing {
  /** Unix seconds of the last listing (less one: Slurm's times are whole seconds); 0 = list in full. */
  since: number;
  /** When the last full listing was taken (ms): one at least every FULL_LIST_MS. */
  fullAt: number;
  /** When the last answer came (ms): a queue polling within half its interval takes that one. */
  at: number;
  /** The newest list Slurm sent, and its number: a queue that has not gone through it gets it. */
  n: number;
  jobs: SlurmJobInfo[];
  asking: Promise<void> | undefined;
}

/** `slurm:CLUSTER:ID` → ID. */
export function slurmIdOf(job: Pick<JobRecord, 'external_id'>): number | undefined {
  const m = /^slurm:[^:]*:(\d+)$/.exec(job.external_id ?? '');
  return m ? Number(m[1]) : undefined;
}

const ENDED_KINDS = new Set(['deleted', 'deleting']);
/**
 * A listing in full at least this often, though Slurm says nothing changed (a job it forgot after
 * MinJobAge is found this way).
 */
const FULL_LIST_MS = 60_000;
/** Submissions to one head in flight at once. */
const FORWARD_IN_FLIGHT = 8;

export class PclusterCapacity implements RemoteJobs {
  private readonly heads = new Map<string, Head>();
  private stopped = false;

  constructor(private readonly d: PclusterDeps) {
    const listings = new Map<string, Listing>();
    for (const [queue, cfg] of d.queues) {
      const key = JSON.stringify([cfg.url, cfg.auth, cfg.jwt_key, cfg.token, cfg.user_name, cfg.api_version]);
      const listing = listings.get(key) ?? { since: 0, fullAt: 0, at: 0, n: 0, jobs: [], asking: undefined };
      listings.set(key, listing);
      this.heads.set(queue, { queue, cfg, rest: new SlurmRest(cfg), down: '', timer: undefined, busy: undefined, wantFull: false, wantForward: false, listing, seen: 0 });
    }
  }

  /** Starts polling each head; the first pass re-attaches to what Slurm already runs. */
  start(): void {
    for (const h of this.heads.values()) {
      h.timer = setInterval(() => this.kick(h.queue, true), h.cfg.poll_interval_ms);
      h.timer.unref();
      this.kick(h.queue, true);
    }
    this.d.jobs.on('change', ({ event, job }) => {
      const h = this.heads.get(job.queue);
      if (!h) return;
      // qdel (or a dependency that can never be met) of a job Slurm has: cancelled there too.
      if (ENDED_KINDS.has(event.kind) && slurmIdOf(job) !== undefined) void this.cancelInSlurm(h, job);
      if (event.kind === 'submitted' || event.kind === 'released' || event.kind === 'altered' || event.kind === 'eligible' || event.kind === 'finished' || event.kind === 'started') this.kick(h.queue);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const h of this.heads.values()) if (h.timer) clearInterval(h.timer);
    await Promise.all([...this.heads.values()].map((h) => h.busy));
  }

  has(queue: string): boolean { return this.heads.has(queue); }

  /** The queue's status for qstat -Q: stopped with why while its head is unreachable. */
  queueStatus(queue: string): { started: boolean; comment: string } | undefined {
    const h = this.heads.get(queue);
    if (!h) return undefined;
    return h.down ? { started: false, comment: `head ${h.cfg.cluster} unreachable: ${h.down}` } : { started: true, comment: '' };
  }

  /** At submit and qalter: a request with no Slurm translation is refused, naming it. */
  vet(job: JobRecord): void {
    if (!this.heads.has(job.queue)) return;
    const why = untranslatable(job.resources?.chunks ?? [], job.resources?.other ?? {}, job.spec);
    if (why) {
      const field = /^([\w.]+):/.exec(why)?.[1] ?? 'Resource_List';
      throw new FleetqError(field.startsWith('Resource_List') ? 'RESOURCE_LIMIT' : 'INVALID_ARGUMENT', `${why} (queue ${job.queue} is served by ParallelCluster head ${this.heads.get(job.queue)?.cfg.cluster})`, { field });
    }
  }

  // --- RemoteJobs: holds, releases and changes go to Slurm first ---

  owns(job: JobRecord): boolean { return this.heads.has(job.queue) && slurmIdOf(job) !== undefined; }

  private headOf(job: JobRecord): { h: Head; id: number } {
    const h = this.heads.get(job.queue);
    const id = slurmIdOf(job);
    if (!h || id === undefined) throw new FleetqError('INTERNAL', `job ${job.id} is not in a ParallelCluster head's Slurm`);
    if (h.down) throw new FleetqError('UNAVAILABLE', `queue ${job.queue}: head ${h.cfg.cluster} is unreachable (${h.down}); try again when it is back`);
    return { h, id };
  }

  private async act(job: JobRecord, what: string, f: (h: Head, id: number) => Promise<void>): Promise<void> {
    const { h, id } = this.headOf(job);
    try {
      await f(h, id);
    } catch (e) {
      if (e instanceof SlurmUnreachable) { this.markDown(h, e.message); throw new FleetqError('UNAVAILABLE', `queue ${job.queue}: head ${h.cfg.cluster} is unreachable (${e.message})`); }
      if (e instanceof SlurmRefused) throw new FleetqError('BAD_STATE', `${what} of ${job.id} (Slurm job ${id}) refused by Slurm: ${e.message}`, { field: 'id' });
      throw e;
    }
    this.d.log.info({ job: job.id, slurm: id, what }, `Slurm job ${what}`);
  }

  hold(job: JobRecord): Promise<void> {
    return this.act(job, 'hold', (h, id) => h.rest.update(job.spec.user, id, { hold: true }));
  }

  release(job: JobRecord): Promise<void> {
    return this.act(job, 'release', (h, id) => h.rest.update(job.spec.user, id, { hold: false }));
  }

  /** qalter of a job pending in Slurm: the translation's changed fields, as one update. */
  alter(job: JobRecord, next: JobRecord, mask: readonly string[]): Promise<void> {
    const fixed = mask.filter((f) => ['output_path', 'error_path', 'join_path', 'variables', 'shell', 'queue', 'execution_time_unix'].includes(f) && !(f === 'queue' && next.queue === job.queue));
    if (fixed.length > 0) {
      return Promise.reject(new FleetqError('BAD_STATE', `${fixed.join(', ')}: cannot be altered once job ${job.id} is in Slurm on head ${this.heads.get(job.queue)?.cfg.cluster} (qdel and qsub it again)`, { field: fixed[0] }));
    }
    const h = this.heads.get(job.queue);
    if (!h) return Promise.resolve();
    const before = toSlurm(job, this.context(h, job) ?? { partition: h.cfg.partition, depends: [] }).job;
    const after = toSlurm(next, this.context(h, next) ?? { partition: h.cfg.partition, depends: [] }).job;
    const changes: Record<string, unknown> = {};
    for (const k of Object.keys({ ...before, ...after }) as Array<keyof SlurmJobDesc>) {
      if (k === 'environment' || k === 'comment') continue;
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes[k] = after[k] ?? (k === 'nice' ? 0 : k === 'dependency' ? '' : null);
    }
    if (Object.keys(changes).length === 0) return Promise.resolve();
    return this.act(job, `change (${Object.keys(changes).join(', ')})`, async (hh, id) => {
      await hh.rest.update(job.spec.user, id, changes);
      // slurmrestd 22.05 answers some updates with success and ignores them (a new name): read back.
      const now = (await hh.rest.job(job.spec.user, id))?.find((i) => i.job_id === id);
      const missed = (['name', 'time_limit'] as const).filter((k) => k in changes && now && now[k] !== changes[k]);
      if (missed.length > 0) throw new SlurmRefused(200, [{ error: `Slurm answered but did not apply ${missed.join(', ')}` }], `changing Slurm job ${id}`);
    });
  }

  /**
   * A running job's signal. SIGTERM and SIGKILL are qdel's: the job's `deleting` change that follows
   * cancels it in Slurm (start()'s listener, once); other signals are sent to it there.
   */
  kill(job: JobRecord, signal: string): boolean {
    const h = this.heads.get(job.queue);
    const id = slurmIdOf(job);
    if (!h || id === undefined || h.down) return false;
    if (signal === 'SIGTERM' || signal === 'SIGKILL') return true;
    h.rest.cancel(job.spec.user, id, signal).then(
      () => this.d.log.info({ job: job.id, slurm: id, signal }, 'Slurm job signalled'),
      (e: Error) => this.d.log.warn({ job: job.id, slurm: id, err: e.message }, 'signalling the Slurm job failed'),
    );
    return true;
  }

  private async cancelInSlurm(h: Head, job: JobRecord): Promise<void> {
    const id = slurmIdOf(job);
    if (id === undefined || h.down) return; // a pass after the head is back cancels what fleetq ended meanwhile
    try {
      await h.rest.cancel(job.spec.user, id);
      this.d.log.info({ job: job.id, slurm: id }, 'Slurm job cancelled');
    } catch (e) {
      this.d.log.debug({ job: job.id, slurm: id, err: (e as Error).message }, 'cancelling in Slurm: nothing to cancel');
    }
  }

  // --- The poll: list, re-attach, mirror, forward ---

  /**
   * Asks for a pass over the queue's head soon: `full` (the poll) reads Slurm's jobs back and
   * forwards; otherwise (a job became ready) only what is ready is forwarded, without reading the
   * whole list again. Passes do not overlap, so no job is submitted twice.
   */
  kick(queue: string, full = false): void {
    const h = this.heads.get(queue);
    if (!h || this.stopped) return;
    if (full) h.wantFull = true; else h.wantForward = true;
    if (h.busy) return;
    h.busy = (async () => {
      try {
        while ((h.wantFull || h.wantForward) && !this.stopped) {
          const whole = h.wantFull || h.seen === 0;
          h.wantFull = false;
          h.wantForward = false;
          if (whole) await this.pass(h); else await this.forwardReady(h);
        }
      } catch (e) {
        this.d.log.error({ queue, err: (e as Error).stack }, 'ParallelCluster pass failed');
      } finally { h.busy = undefined; }
    })();
  }

  private markDown(h: Head, why: string): void {
    if (h.down === '') this.d.log.warn({ queue: h.queue, cluster: h.cfg.cluster, url: h.cfg.url, why }, 'ParallelCluster head unreachable: queue stopped, its jobs wait');
    h.down = why;
  }

  private markUp(h: Head): void {
    if (h.down !== '') this.d.log.info({ queue: h.queue, cluster: h.cfg.cluster }, 'ParallelCluster head reachable again: queue started');
    h.down = '';
  }

  /** The user listings and pings are made as: the fixed token's, else Slurm's own. */
  private admin(h: Head): string { return h.cfg.user_name || 'root'; }

  /**
   * Slurm's jobs for a queue's pass: the list of its slurmrestd, asked for at most once per half a
   * poll interval whichever queue asks; 'unchanged' when this queue has gone through the newest.
   */
  private async list(h: Head): Promise<SlurmJobInfo[] | 'unchanged'> {
    const l = h.listing;
    if (Date.now() - l.at >= h.cfg.poll_interval_ms / 2) {
      l.asking ??= (async () => {
        const asked = Math.floor(Date.now() / 1000) - 1;
        const full = l.since === 0 || Date.now() - l.fullAt > FULL_LIST_MS;
        try {
          const r = await h.rest.jobs(this.admin(h), full ? 0 : l.since);
          l.since = asked;
          if (full) l.fullAt = Date.now();
          if (r !== 'unchanged') { l.n++; l.jobs = r; }
          l.at = Date.now();
        } catch (e) {
          l.since = 0; // the first answer after this is a full listing
          throw e;
        } finally { l.asking = undefined; }
      })();
      await l.asking;
    }
    if (h.seen === l.n) return 'unchanged';
    h.seen = l.n;
    return l.jobs;
  }

  private async pass(h: Head): Promise<void> {
    let listed: SlurmJobInfo[] | 'unchanged';
    try {
      listed = await this.list(h);
      this.markUp(h);
    } catch (e) {
      this.markDown(h, e instanceof SlurmRefused ? `slurmrestd refused: ${e.message}` : (e as Error).message);
      await this.commentWaiting(h);
      return;
    }
    // Nothing changed in Slurm since the last listing: only what became ready here goes there.
    if (listed === 'unchanged') { await this.forwardReady(h); return; }
    const byTag = new Map<string, SlurmJobInfo[]>();
    for (const i of listed) {
      const id = idOfTag(i.comment);
      if (id) byTag.set(id, [...(byTag.get(id) ?? []), i]);
    }
    // Ended in fleetq while the head was away (qdel, a failed dependency): not left running in Slurm.
    for (const [id, infos] of byTag) {
      if (!infos.some((i) => mirrorOf(i, 0).kind !== 'ended')) continue;
      const job = this.d.jobs.get(Number(id.split(/[.[]/)[0]));
      if (job?.state === 'JOB_STATE_FINISHED' && job.queue === h.queue && slurmIdOf(job) !== undefined) await this.cancelInSlurm(h, job);
    }
    // The queue's jobs that are not over (arrays as their parent), oldest first.
    const mine = [...this.d.jobs.inStates('JOB_STATE_QUEUED', 'JOB_STATE_HELD', 'JOB_STATE_WAITING', 'JOB_STATE_RUNNING', 'JOB_STATE_EXITING', 'JOB_STATE_BEGUN')]
      .filter((j) => j.queue === h.queue && !j.array_id).sort((a, b) => a.seq - b.seq);
    const ready: JobRecord[] = [];
    for (const job of mine) {
      let current = job;
      const seen = byTag.get(job.id) ?? [];
      if (slurmIdOf(current) === undefined && seen.length > 0) {
        // Re-attach: Slurm has it already (submitted just before a crash).
        const id = seen[0]!.array_job_id || seen[0]!.job_id;
        current = await this.d.jobs.mirror(job.id, { external_id: `slurm:${h.cfg.cluster}:${id}` }, 'forwarded', `Re-attached to Slurm job ${id} on ${h.cfg.cluster}`) ?? current;
        this.d.log.info({ job: job.id, slurm: id }, 're-attached to a Slurm job fleetq had submitted');
      }
      const sid = slurmIdOf(current);
      if (sid === undefined) { ready.push(current); continue; }
      await this.follow(h, current, sid, seen);
    }
    await this.forwardAll(h, ready);
  }

  /** Forwards the queue's jobs that are ready and not in Slurm yet (after the first listing). */
  private async forwardReady(h: Head): Promise<void> {
    if (h.down || h.seen === 0) return;
    const ready = [...this.d.jobs.inStates('JOB_STATE_QUEUED', 'JOB_STATE_HELD')]
      .filter((j) => j.queue === h.queue && !j.array_id && slurmIdOf(j) === undefined).sort((a, b) => a.seq - b.seq);
    await this.forwardAll(h, ready);
  }

  private async forwardAll(h: Head, ready: readonly JobRecord[]): Promise<void> {
    // Submissions, FORWARD_IN_FLIGHT at a time (slurmrestd serves calls in parallel). A job whose
    // dependency was forwarded in the same batch goes at the next pass, with that job's Slurm id.
    let next = 0;
    let forwarded = 0;
    let waiting = 0;
    await Promise.all(Array.from({ length: Math.min(FORWARD_IN_FLIGHT, ready.length) }, async () => {
      while (next < ready.length && !h.down && !this.stopped) {
        const r = await this.forward(h, ready[next++]!);
        if (r === 'forwarded') forwarded++; else if (r === 'waits') waiting++;
      }
    }));
    if (forwarded > 0 && waiting > 0) h.wantForward = true;
  }

  /** Mirrors a forwarded job (or array) from what Slurm listed. */
  private async follow(h: Head, job: JobRecord, sid: number, seen: SlurmJobInfo[]): Promise<void> {
    let infos = seen;
    if (infos.length === 0) {
      // Not listed: ask for it; Slurm forgets ended jobs after MinJobAge.
      try { infos = await h.rest.job(this.admin(h), sid) ?? []; } catch { return; }
      if (infos.length === 0) {
        if (isPending(job.state) || job.state === 'JOB_STATE_RUNNING' || job.state === 'JOB_STATE_EXITING') {
          await this.d.jobs.mirror(job.id, {
            state: 'JOB_STATE_FINISHED', has_exit_status: true, exit_status: JOB_EXEC.FAIL2, end_time_unix: this.now(),
            comment: `Job lost: Slurm on ${h.cfg.cluster} no longer knows job ${sid}, and its end was not seen`,
          }, 'finished', `Slurm job ${sid} unknown`);
        }
        return;
      }
    }
    if (job.arr) {
      for (const i of infos) {
        if (i.array_task_id === null || i.array_task_id === undefined || (i.array_job_id ?? 0) === 0) {
          await this.followPendingArray(job, i, h);
          continue;
        }
        const subId = `${job.seq}[${i.array_task_id}].${job.server}`;
        let sub: JobRecord | undefined;
        try { sub = this.d.jobs.find(subId); } catch { sub = undefined; }
        if (!sub) continue;
        await this.apply(h, sub, i, true);
      }
      return;
    }
    const info = infos.find((i) => i.job_id === sid) ?? infos[0];
    if (info) await this.apply(h, job, info, false);
  }

  /** An array's still-pending tasks: Slurm lists them as one job; a hold there shows on the array. */
  private async followPendingArray(job: JobRecord, i: SlurmJobInfo, h: Head): Promise<void> {
    const m = mirrorOf(i, 0);
    if (m.kind !== 'pending' || !isPending(job.state)) return;
    await this.d.jobs.comment(job.seq, `Not Running: Slurm job ${i.job_id} on ${h.cfg.cluster}: tasks ${i.array_task_string ?? ''} pending (${m.reason})`);
  }

  /** One fleetq job (or subjob) brought to what Slurm says of it. */
  private async apply(h: Head, current: JobRecord, info: SlurmJobInfo, subjob: boolean): Promise<void> {
    let job = current;
    const walltime = job.resources?.walltime_seconds ?? 0;
    const m = mirrorOf(info, walltime);
    const ext = `slurm:${h.cfg.cluster}:${info.job_id}`;
    const where = (nodes: string[]): string => `${nodes.join('+') || '?'} (Slurm job ${info.job_id} on ${h.cfg.cluster})`;
    const execOf = (nodes: string[]): Partial<JobRecord> => {
      const per = nodes.length > 0 ? Math.max(1, Math.floor((info.cpus ?? nodes.length) / nodes.length)) : 0;
      return { nodes, exec_host: nodes.map((n) => (per > 1 ? `${n}/0*${per}` : `${n}/0`)).join('+'), exec_vnode: nodes.map((n) => `(${n}:ncpus=${per})`).join('+') };
    };
    if (m.kind === 'pending') {
      if (job.state === 'JOB_STATE_RUNNING' || job.state === 'JOB_STATE_EXITING') {
        await this.d.jobs.mirror(job.id, { state: 'JOB_STATE_QUEUED', nodes: [], exec_host: '', exec_vnode: '', comment: `Job requeued by Slurm (${m.reason})` }, 'requeued', `requeued in Slurm: ${m.reason}`);
        return;
      }
      if (m.held && job.state !== 'JOB_STATE_HELD') {
        const type = /Admin/.test(m.reason) ? 'o' : 'u';
        await this.d.jobs.mirror(job.id, { state: 'JOB_STATE_HELD', hold_types: type, comment: `Job held in Slurm (${m.reason})` }, 'held', `held in Slurm: ${m.reason}`);
        return;
      }
      if (!subjob) {
        const text = job.state === 'JOB_STATE_HELD' && job.hold_types.includes('s') ? job.comment : `Not Running: Slurm job ${info.job_id} on ${h.cfg.cluster} pending (${m.reason})`;
        await this.d.jobs.comment(job.seq, text);
      }
      return;
    }
    if (m.kind === 'running') {
      // qdel'd while the head was unreachable: cancelled now that it answers.
      if (job.state === 'JOB_STATE_EXITING' && job.kill_reason === 'qdel') { await this.cancelInSlurm(h, job); return; }
      if (job.state === 'JOB_STATE_RUNNING' || job.state === 'JOB_STATE_EXITING') return;
      const start = m.start || this.now();
      await this.d.jobs.mirror(job.id, {
        state: 'JOB_STATE_RUNNING', hold_types: 'n', ...execOf(m.nodes), start_time_unix: start, run_count: job.run_count + 1, external_id: ext,
        comment: `Job run at ${runTime(start)} on ${where(m.nodes)}`,
      }, 'started', `Job run on ${where(m.nodes)}`);
      return;
    }
    // Ended.
    const ran = m.start > 0 && m.nodes.length > 0;
    if (ran && job.state !== 'JOB_STATE_RUNNING' && job.state !== 'JOB_STATE_EXITING') {
      // It ran and ended between two polls: its start is recorded first, so watchers and `after`
      // dependencies see the path it took.
      const started = await this.d.jobs.mirror(job.id, {
        state: 'JOB_STATE_RUNNING', hold_types: 'n', ...execOf(m.nodes), start_time_unix: m.start, run_count: job.run_count + 1, external_id: ext,
        comment: `Job run at ${runTime(m.start)} on ${where(m.nodes)}`,
      }, 'started', `Job run on ${where(m.nodes)}`);
      if (started) job = started;
    }
    const comment = job.kill_reason === 'qdel' || (job.comment.startsWith('Job deleted') && m.comment === 'cancelled in Slurm')
      ? job.comment
      : ran ? `Job run at ${runTime(m.start)} on ${where(m.nodes)} and ${m.comment}` : `Job ${m.comment} before it ran (Slurm job ${info.job_id} on ${h.cfg.cluster})`;
    await this.d.jobs.mirror(job.id, {
      state: 'JOB_STATE_FINISHED', external_id: ext,
      has_exit_status: m.exit_status !== undefined, exit_status: m.exit_status ?? 0,
      end_time_unix: m.end || this.now(), ...(ran ? { ...execOf(m.nodes), start_time_unix: m.start, used_walltime_seconds: Math.max(0, m.end - m.start) } : {}),
      comment,
    }, 'finished', m.exit_status !== undefined ? `Exit_status=${m.exit_status}` : `ended in Slurm: ${m.comment}`);
  }

  /**
   * The Slurm dependencies of a job ready to forward, or undefined when it must wait: a dependency
   * on a job of another queue (or one not yet in Slurm) is fleetq's to wait for; those on jobs of
   * the same head that are not met yet go to Slurm with their Slurm ids.
   */
  private context(h: Head, job: JobRecord): TranslateContext | undefined {
    const depends: Array<TranslateContext['depends'][number]> = [];
    let deps: ReturnType<typeof parseDepend> = [];
    try { deps = parseDepend(job.spec.depend); } catch { return undefined; }
    for (const dep of deps) {
      const ids: number[] = [];
      for (const seq of dep.seqs) {
        const target = this.d.jobs.get(seq);
        const r = dependencyOn(dep.type, target);
        if (r.state === 'met') continue;
        if (r.state === 'never') return undefined; // fleetq deletes the job
        const sameHead = target && this.heads.get(target.queue)?.cfg.url === h.cfg.url;
        const sid = target ? slurmIdOf(target) : undefined;
        if (!sameHead || sid === undefined) return undefined;
        ids.push(sid);
      }
      if (ids.length > 0) depends.push({ type: dep.type, slurmIds: ids });
    }
    return { partition: h.cfg.partition, depends };
  }

  /** Submits a job that is ready (queued; or held only for dependencies Slurm can wait for). */
  private async forward(h: Head, job: JobRecord): Promise<'forwarded' | 'waits' | 'not'> {
    if (h.down || h.seen === 0 || this.stopped) return 'not';
    const ready = job.state === 'JOB_STATE_QUEUED' || (job.state === 'JOB_STATE_HELD' && job.hold_types === 's');
    if (!ready) return 'not';
    const ctx = this.context(h, job);
    if (!ctx) return 'waits';
    const { job: desc, script } = toSlurm(job, ctx);
    let id: number;
    try {
      const r = await h.rest.submit(job.spec.user, desc, script);
      id = r.job_id;
      if (r.warnings.length > 0) this.d.log.warn({ job: job.id, slurm: id, warnings: r.warnings }, 'Slurm accepted the job with warnings');
    } catch (e) {
      if (e instanceof SlurmUnreachable) { this.markDown(h, e.message); return 'not'; }
      if (e instanceof SlurmRefused && (e.status === 401 || e.status === 403)) { this.markDown(h, `slurmrestd refused: ${e.message}`); return 'not'; }
      const why = e instanceof SlurmRefused ? e.message : `submitting to Slurm failed: ${(e as Error).message}`;
      this.d.log.warn({ job: job.id, queue: h.queue, err: why }, 'Slurm refused the job');
      await this.d.jobs.mirror(job.id, {
        state: 'JOB_STATE_FINISHED', has_exit_status: true, exit_status: JOB_EXEC.FAIL1, end_time_unix: this.now(),
        comment: `Job not run: ${why} (head ${h.cfg.cluster}, partition ${h.cfg.partition})`,
      }, 'finished', why);
      return 'not';
    }
    const ext = `slurm:${h.cfg.cluster}:${id}`;
    const now = this.d.jobs.get(job.seq);
    const changes: Partial<JobRecord> = { external_id: ext };
    if (now && now.state === 'JOB_STATE_QUEUED' && !job.arr) changes.comment = `Not Running: Slurm job ${id} on ${h.cfg.cluster} pending`;
    const after = await this.d.jobs.mirror(job.id, changes, 'forwarded', `Forwarded to Slurm job ${id} on ${h.cfg.cluster} (partition ${h.cfg.partition})`);
    this.d.log.info({ job: job.id, slurm: id, cluster: h.cfg.cluster, partition: h.cfg.partition }, 'job forwarded to Slurm');
    // Held or deleted in fleetq while it was being submitted: Slurm follows.
    if (after?.state === 'JOB_STATE_HELD' && after.hold_types !== 's') await h.rest.update(job.spec.user, id, { hold: true }).catch(() => undefined);
    if (after?.state === 'JOB_STATE_FINISHED') await this.cancelInSlurm(h, after);
    return 'forwarded';
  }

  /** While the head is away, jobs not yet forwarded say why they wait. */
  private async commentWaiting(h: Head): Promise<void> {
    for (const job of this.d.jobs.inStates('JOB_STATE_QUEUED')) {
      if (job.queue !== h.queue || job.array_id || slurmIdOf(job) !== undefined) continue;
      await this.d.jobs.comment(job.seq, `Not Running: head ${h.cfg.cluster} unreachable (${h.down}); the job waits`);
    }
  }

  private now(): number { return Math.floor(Date.now() / 1000); }
}
