/**
 * The job service: the only writer of jobs. It holds every job in memory (rebuilt from the store at
 * start), applies state transitions, and commits each one — with an entry in the job's event
 * journal — in one durable store transaction before answering. Listeners hear each change after
 * it is durable (WatchJobs streams, the scheduler's trigger).
 */
import { EventEmitter } from 'node:events';
import type { JobSpec__Output } from '../gen/fleetq/v1/JobSpec.js';
import type { Store, EventRecord } from '../store/index.js';
import { FleetqError, invalid } from '../util/errors.js';
import { newJob, parseJobId, STATE_LETTER, isActive, isPending, execStrings, type JobRecord, type JobState, type Allocation } from './model.js';
import { parseResourceList, formatSelect, type ChunkReq } from './resources.js';
import { JOB_EXEC } from './launch.js';
import { parseDepend, evaluate, type Evaluation } from './depend.js';
import { parseArrayId, subjobKey, makeParent, subjobOf, subjobView, subjobsOf, subjobMoved, startable, lowestQueued, letterOf, deleteQueued } from './arrays.js';

/** jobs.max_array_size's default: the most subjobs one array may have. */
export const DEFAULT_MAX_ARRAY_SIZE = 100_000;

export interface QueueInfo { name: string; priority: number; enabled: boolean; started: boolean; default_walltime_seconds: number; max_walltime_seconds: number; backfill?: 'none' | 'easy' | 'conservative' }

/**
 * Work the scheduler may start: a queued job, and how many instances of it may start now (1 for a
 * plain job; for a job array, its queued subjobs up to its %max limit). `start(seq)` starts one.
 */
export interface QueuedWork { job: JobRecord; instances: number }

/** How the service stops a running job; the daemon passes the agent hub. */
export interface JobKiller { kill(job: JobRecord, signal: string): boolean }

export interface JobServiceOptions {
  server: string;
  queues: readonly QueueInfo[];
  defaultQueue: string;
  maxScriptBytes: number;
  clock?: () => number; // unix seconds
  /**
   * Whether a request could ever run on this cluster: undefined when it could, else why not. Set
   * when the cluster is fixed (local nodes); a job that can never run is refused at submit and
   * at qalter, as RESOURCE_LIMIT naming Resource_List.select.
   */
  admit?: (chunks: readonly ChunkReq[], place: string, queue: string) => string | undefined;
  /** The most subjobs one job array may have (jobs.max_array_size); default DEFAULT_MAX_ARRAY_SIZE. */
  maxArraySize?: number;
  /**
   * More checks of a new or altered job, by whoever will run it (a ParallelCluster head's queue:
   * whether the request has a Slurm translation); throws a FleetqError naming the field.
   */
  vet?: (job: JobRecord) => void;
}

/**
 * Jobs another scheduler runs (src/daemon/pcluster.ts: a ParallelCluster head's Slurm). A hold,
 * release or change of such a job is made there first; when that fails, fleetq's record stays as
 * it was and the caller gets the error.
 */
export interface RemoteJobs {
  /** Whether the job is already in the other scheduler. */
  owns(job: JobRecord): boolean;
  hold(job: JobRecord): Promise<void>;
  release(job: JobRecord): Promise<void>;
  alter(job: JobRecord, next: JobRecord, mask: readonly string[]): Promise<void>;
}

export interface ChangeEvent { event: EventRecord; job: JobRecord }

export interface JobFilter { states?: JobState[]; users?: string[]; queues?: string[]; ids?: string[]; includeFinished?: boolean; /** arrays' subjobs after each array (qstat -t) */ subjobs?: boolean }

/**
 * Where a job sits in listing order: [seq, index], index -1 for a job or an array itself and the
 * subjob's index for a subjob (which follows its array).
 */
export type Place = readonly [seq: number, index: number];

/** A job's place in listing order. */
export function placeOf(j: JobRecord): Place { return [j.seq, j.array_id ? j.array_index : -1]; }

export interface EndReport { exit_status: number; end_time_unix: number; cput_seconds: number; walltime_seconds: number; reason: string; mem_bytes?: number }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStore = Store<JobRecord, any, any>;

export class JobService extends EventEmitter<{ change: [ChangeEvent] }> {
  private readonly jobs = new Map<number, JobRecord>();
  /** The keys of `jobs`, ascending: a listing seeks its page token here rather than scanning every job. */
  private readonly seqs: number[] = [];
  /** Subjob records of job arrays, by `SEQ[index]` (src/jobs/arrays.ts); parents are in `jobs`. */
  private readonly subjobs = new Map<string, JobRecord>();
  /** Keys of jobs (seq) and subjobs (SEQ[index]) by state, so the scheduler's cycle does not scan finished history. */
  private readonly byState = new Map<JobState, Set<number | string>>();
  private readonly inflight = new Map<string, Promise<{ job: JobRecord; existing: boolean }>>();
  /** For each job, the jobs whose -W depend names it (rebuilt from the store at start). */
  private readonly dependents = new Map<number, Set<number>>();
  private nextSeq: number;
  private revision: number;
  private readonly queues: Map<string, QueueInfo>;
  private readonly now: () => number;
  killer: JobKiller | undefined;
  /** Jobs another scheduler runs: holds, releases and changes go there first (set by the daemon). */
  remote: RemoteJobs | undefined;

  constructor(private readonly store: AnyStore, private readonly opts: JobServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.queues = new Map(opts.queues.map((q) => [q.name, q]));
    this.now = opts.clock ?? (() => Math.floor(Date.now() / 1000));
    for (const j of store.allJobs()) { this.put(j); this.indexDepend(j); }
    for (const s of store.allSubjobs()) { const p = this.jobs.get(s.seq); if (p) this.put({ ...s, spec: p.spec }); }
    // A loop, not Math.max(...seqs): spreading a few hundred thousand arguments overflows the stack.
    this.nextSeq = store.nextSeq();
    for (const s of this.jobs.keys()) if (s >= this.nextSeq) this.nextSeq = s + 1;
    this.revision = store.revision();
  }

  /** The one place the in-memory map and its state index change. */
  private put(job: JobRecord): void {
    const key = job.array_id ? subjobKey(job.seq, job.array_index) : job.seq;
    const old = typeof key === 'number' ? this.jobs.get(key) : this.subjobs.get(key);
    if (old) this.byState.get(old.state)?.delete(key);
    if (typeof key === 'number') {
      if (!old) this.addSeq(key);
      this.jobs.set(key, job);
    } else this.subjobs.set(key, job);
    let set = this.byState.get(job.state);
    if (!set) { set = new Set(); this.byState.set(job.state, set); }
    set.add(key);
  }

  /** Adds a new job's seq to `seqs`: appended, as seqs only grow (the store yields them in order too). */
  private addSeq(seq: number): void {
    const last = this.seqs[this.seqs.length - 1];
    if (last === undefined || seq > last) { this.seqs.push(seq); return; }
    this.seqs.splice(lowerBound(this.seqs, seq), 0, seq);
  }

  /** Jobs (and arrays) from `seq` on, in seq order. */
  private *jobsFrom(seq: number): Generator<JobRecord> {
    for (let i = lowerBound(this.seqs, seq); i < this.seqs.length; i++) {
      const j = this.jobs.get(this.seqs[i] ?? 0);
      if (j) yield j;
    }
  }

  /** Jobs in the given states, in no particular order. */
  *inStates(...states: JobState[]): Generator<JobRecord> {
    for (const st of states) {
      for (const key of this.byState.get(st) ?? []) { const j = typeof key === 'number' ? this.jobs.get(key) : this.subjobs.get(key); if (j) yield j; }
    }
  }

  /** Queued work of started queues' jobs, in no particular order (the scheduler orders it). */
  *queuedWork(): Generator<QueuedWork> {
    for (const job of this.inStates('JOB_STATE_QUEUED', 'JOB_STATE_BEGUN')) {
      if (job.array_id) continue; // a requeued subjob starts through its parent
      const instances = job.arr ? startable(job) : 1;
      if (instances > 0) yield { job, instances };
    }
  }

  get currentRevision(): number { return this.revision; }
  queue(name: string): QueueInfo | undefined { return this.queues.get(name); }
  queueList(): QueueInfo[] { return [...this.queues.values()]; }
  all(): IterableIterator<JobRecord> { return this.jobs.values(); }
  /** How many jobs (arrays count once) the service holds. */
  get size(): number { return this.jobs.size; }

  /** Looks a job up by any of its id forms; NOT_FOUND (PBS Unknown Job Id) when there is none. */
  find(id: string): JobRecord {
    const ref = parseArrayId(id);
    const seq = ref ? ref.seq : parseJobId(id);
    let job = seq === undefined ? undefined : this.jobs.get(seq);
    if (ref && !job?.arr) job = undefined;
    if (job && ref?.index !== undefined) job = subjobView(job, ref.index, this.subjobs.get(subjobKey(job.seq, ref.index)));
    if (!job) throw new FleetqError('JOB_NOT_FOUND', `Unknown Job Id ${id}`, { field: 'id' });
    return job;
  }

  /** A job or subjob record by the id an agent reports (no synthesized subjobs). */
  private record(id: string): JobRecord | undefined {
    const ref = parseArrayId(id);
    if (ref) return ref.index === undefined ? undefined : this.subjobs.get(subjobKey(ref.seq, ref.index));
    return this.jobs.get(parseJobId(id) ?? 0);
  }

  /**
   * Stores a new job and resolves once it is durable. With a request id, a retry (even one racing
   * the first call) resolves to the first job and creates nothing.
   */
  submit(spec: JobSpec__Output, requestId: string): Promise<{ job: JobRecord; existing: boolean }> {
    if (requestId !== '') {
      const seq = this.store.seqForRequest(requestId);
      const prior = seq === undefined ? undefined : this.jobs.get(seq);
      if (prior) return Promise.resolve({ job: prior, existing: true });
      const pending = this.inflight.get(requestId);
      if (pending) return pending.then((r) => ({ job: r.job, existing: true }));
    }
    const p = this.doSubmit(spec, requestId);
    if (requestId !== '') {
      this.inflight.set(requestId, p);
      void p.finally(() => this.inflight.delete(requestId)).catch(() => undefined);
    }
    return p;
  }

  private async doSubmit(spec: JobSpec__Output, requestId: string): Promise<{ job: JobRecord; existing: boolean }> {
    const qname = spec.queue !== '' ? spec.queue.replace(/@.*$/, '') : this.opts.defaultQueue;
    const queue = this.queues.get(qname);
    if (!queue) throw new FleetqError('UNKNOWN_QUEUE', `queue: '${qname}' is not a queue of this server (${[...this.queues.keys()].join(', ')})`, { field: 'queue' });
    if (!queue.enabled) throw new FleetqError('QUEUE_DISABLED', `queue: '${qname}' is not enabled`, { field: 'queue' });
    const seq = this.nextSeq++;
    let job = newJob(spec, { seq, server: this.opts.server, now: this.now(), queue, maxScriptBytes: this.opts.maxScriptBytes, requestId });
    if ((spec.array_indices ?? '').trim() !== '') job = makeParent(job, this.opts.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE);
    else if (spec.max_run_subjobs) throw invalid('max_run_subjobs', 'applies to job arrays only (set array_indices)');
    this.checkAdmission(job.resources?.chunks ?? [], job.resources?.place ?? '', job.queue);
    this.opts.vet?.(job);
    this.applyDepend(job);
    const ev = this.event(job, 'submitted', `Job Queued at request of ${job.owner}`);
    await this.store.commit({ jobs: [job], events: [ev], requests: requestId ? [[requestId, seq]] : [], meta: { next_seq: this.nextSeq, revision: this.revision } });
    this.put(job);
    this.indexDepend(job);
    this.emit('change', { event: ev, job });
    return { job, existing: false };
  }

  /** Refuses a request that can never run on this (fixed) cluster, with the placement core's reason. */
  private checkAdmission(chunks: readonly ChunkReq[], place: string, queue: string): void {
    const why = this.opts.admit?.(chunks, place, queue);
    if (why !== undefined) {
      throw new FleetqError('RESOURCE_LIMIT', `Resource_List.select: can never run on this cluster: ${why}`, { field: 'Resource_List.select' });
    }
  }

  /** Records which jobs `job` depends on, so their changes re-evaluate it. */
  private indexDepend(job: JobRecord): void {
    if (job.spec.depend === '' || job.state === 'JOB_STATE_FINISHED') return;
    let deps;
    try { deps = parseDepend(job.spec.depend); } catch { return; }
    for (const d of deps) for (const seq of d.seqs) {
      let set = this.dependents.get(seq);
      if (!set) { set = new Set(); this.dependents.set(seq, set); }
      set.add(job.seq);
    }
  }

  /** A held job's holds less `types`, and its state then: H while a hold is left, else W or Q. */
  private unheld(job: JobRecord, types: string): { hold_types: string; state: JobState } {
    const hold_types = [...job.hold_types].filter((c) => c !== 'n' && !types.includes(c)).join('') || 'n';
    const state: JobState = hold_types !== 'n' ? 'JOB_STATE_HELD' : job.spec.execution_time_unix > this.now() ? 'JOB_STATE_WAITING' : 'JOB_STATE_QUEUED';
    return { hold_types, state };
  }

  /** A dependent that is gone or finished needs no more re-evaluation: the index keeps only live ones. */
  private forgetDependent(seq: number): void {
    for (const [on, set] of this.dependents) if (set.delete(seq) && set.size === 0) this.dependents.delete(on);
  }

  private evaluateDepend(job: JobRecord): Evaluation {
    return evaluate(parseDepend(job.spec.depend), (seq) => this.jobs.get(seq));
  }

  /**
   * At submit or qalter: every job named must exist (BAD_DEPEND otherwise), a dependency that can
   * never be met is refused, and one not met yet holds the job (hold type s) with a comment.
   */
  private applyDepend(job: JobRecord): void {
    if (job.spec.depend === '') return;
    const deps = parseDepend(job.spec.depend);
    for (const d of deps) for (const seq of d.seqs) {
      if (seq === job.seq || !this.jobs.has(seq)) throw new FleetqError('BAD_DEPEND', `depend: ${d.type}:${seq}: no such job (Unknown Job Id)`, { field: 'depend' });
      if (this.jobs.get(seq)?.arr) throw new FleetqError('BAD_DEPEND', `depend: ${d.type}:${seq}: ${this.jobs.get(seq)?.id ?? seq} is a job array; dependencies on job arrays are not supported`, { field: 'depend' });
    }
    const e = this.evaluateDepend(job);
    if (e.state === 'never') throw new FleetqError('BAD_DEPEND', `depend: ${e.why}, so this job could never run`, { field: 'depend' });
    if (e.state === 'wait') {
      job.hold_types = mergeHolds(job.hold_types, 's');
      job.state = 'JOB_STATE_HELD';
      job.state_letter = STATE_LETTER[job.state];
      job.comment = `Job held: waiting for dependency ${e.waiting}`;
    }
  }

  /**
   * A job started or ended: its dependents held on it are released when every dependency is met
   * (they queue, unless another hold remains), or deleted with the reason when one never can be,
   * as PBS does. Idempotent; also run once at start for what happened while the daemon was down.
   */
  async resolveDependents(seq?: number): Promise<void> {
    const seqs = seq === undefined ? [...this.dependents.values()].flatMap((x) => [...x]) : [...(this.dependents.get(seq) ?? [])];
    for (const d of [...new Set(seqs)].sort((a, b) => a - b)) {
      const job = this.jobs.get(d);
      if (!job || job.state === 'JOB_STATE_FINISHED') { this.forgetDependent(d); continue; }
      if (job.state !== 'JOB_STATE_HELD' || !job.hold_types.includes('s')) continue;
      const e = this.evaluateDepend(job);
      if (e.state === 'wait') { await this.comment(d, `Job held: waiting for dependency ${e.waiting}`); continue; }
      if (e.state === 'never') {
        const why = `Job deleted: dependency ${e.why}`;
        await this.update(job, { state: 'JOB_STATE_FINISHED', end_time_unix: this.now(), comment: why }, 'deleted', why);
        continue;
      }
      await this.update(job, { ...this.unheld(job, 's'), comment: '' }, 'released', 'Dependencies met');
    }
  }

  private event(job: JobRecord, kind: string, message: string): EventRecord {
    job.revision = ++this.revision;
    const ev: EventRecord = { revision: job.revision, seq: job.seq, kind, state: job.state, time_unix: this.now(), message };
    if (job.array_id) ev.id = job.id;
    return ev;
  }

  private changed(job: JobRecord, changes: Partial<JobRecord>): JobRecord {
    const next: JobRecord = { ...job, ...changes, modify_time_unix: this.now() };
    next.state_letter = letterOf(next.state, Boolean(next.array_id));
    return next;
  }

  /**
   * Applies a change to a job, commits it with its journal entry, then tells listeners. A subjob's
   * change also updates its array's parent (counts, queued ranges, B, F), in the same commit.
   */
  private async update(job: JobRecord, changes: Partial<JobRecord>, kind: string, message: string): Promise<JobRecord> {
    const next = this.changed(job, changes);
    const ev = this.event(next, kind, message);
    const parent = next.array_id ? this.jobs.get(next.seq) : undefined;
    const pc = parent ? subjobMoved(parent, job.state, next, this.now()) : undefined;
    const pnext = parent && pc ? this.changed(parent, pc) : undefined;
    const pev = pnext ? this.event(pnext, pnext.state === 'JOB_STATE_FINISHED' ? 'finished' : 'subjob', `${next.id}: ${message}`) : undefined;
    this.put(next);
    if (pnext) this.put(pnext);
    await this.store.commit({
      jobs: [...(next.array_id ? [] : [next]), ...(pnext ? [pnext] : [])],
      subjobs: next.array_id ? [{ ...next, spec: null as unknown as JobSpec__Output }] : [], // the parent's spec is shared
      events: pev ? [ev, pev] : [ev], meta: { revision: this.revision },
    });
    this.emit('change', { event: ev, job: next });
    if (pnext && pev) this.emit('change', { event: pev, job: pnext });
    if (DEPEND_TRIGGERS.has(kind) && this.dependents.has(next.seq)) await this.resolveDependents(next.seq);
    return next;
  }

  /** Jobs by seq (a subjob after its array); with `subjobs`, each array followed by all its subjobs. */
  list(f: JobFilter): JobRecord[] { return [...this.listAfter(f)]; }

  /**
   * The jobs `list` gives, lazily, from just after `after` (a page token's place) on: a page costs
   * the jobs it passes over from there, not a scan and sort of every job. Named `ids` are looked up
   * (NOT_FOUND for an unknown one) and shown whatever their state unless `states` is given.
   */
  *listAfter(f: JobFilter, after: Place = [0, -1]): Generator<JobRecord> {
    const named = f.ids && f.ids.length > 0 ? [...new Map(f.ids.map((id) => { const j = this.find(id); return [j.id, j] as const; })).values()] : undefined;
    const keep = (j: JobRecord): boolean => {
      if (f.states && f.states.length > 0 ? !f.states.includes(j.state) : (!f.includeFinished && !named && j.state === 'JOB_STATE_FINISHED')) return false;
      if (f.users && f.users.length > 0 && !f.users.includes(j.spec.user)) return false;
      return !(f.queues && f.queues.length > 0 && !f.queues.includes(j.queue));
    };
    const [afterSeq, afterIndex] = after;
    const top = named ? named.sort((a, b) => comparePlaces(placeOf(a), placeOf(b))) : this.jobsFrom(afterSeq);
    for (const j of top) {
      if (!keep(j)) continue;
      if (comparePlaces(placeOf(j), after) > 0) yield j;
      if (!f.subjobs || !j.arr || j.seq < afterSeq) continue;
      const from = j.seq === afterSeq ? afterIndex : -Infinity;
      for (const s of subjobsOf(j, (i) => this.subjobs.get(subjobKey(j.seq, i)), from)) if (!f.states?.length || f.states.includes(s.state)) yield s;
    }
  }

  journal(seq: number): EventRecord[] { return this.store.jobEvents(seq); }
  storeEventsAfter(revision: number): Generator<EventRecord> { return this.store.eventsAfter(revision); }
  get(seq: number): JobRecord | undefined { return this.jobs.get(seq); }

  /** qdel: a pending job finishes at once; a running one is signalled and finishes when its agent says so. */
  async cancel(id: string, force: boolean, by: string): Promise<JobRecord> {
    const job = this.find(id);
    if (job.state === 'JOB_STATE_FINISHED') throw new FleetqError('JOB_FINISHED', `Job has finished ${job.id}`, { field: 'id' });
    if (job.arr) return this.cancelArray(job, force, by);
    if (isPending(job.state)) {
      return this.update(job, { state: 'JOB_STATE_FINISHED', end_time_unix: this.now(), comment: `Job deleted at request of ${by}` }, 'deleted', `Job deleted at request of ${by}`);
    }
    const delivered = this.killer?.kill(job, 'SIGTERM') ?? false;
    if (!delivered && force) {
      return this.finish(job, { exit_status: 256 + 9, end_time_unix: this.now(), cput_seconds: job.used_cput_seconds, walltime_seconds: this.now() - job.start_time_unix, reason: 'qdel' }, `Job deleted at request of ${by} (forced; node not reachable)`);
    }
    return this.update(job, { state: 'JOB_STATE_EXITING', kill_reason: 'qdel', comment: `Job deleted at request of ${by}` }, 'deleting', `Job to be deleted at request of ${by}`);
  }

  /** qdel SEQ[]: queued subjobs are deleted at once, running ones killed; F once none is left. */
  private async cancelArray(parent: JobRecord, force: boolean, by: string): Promise<JobRecord> {
    const changes = deleteQueued(parent, by, this.now());
    await this.update(parent, changes, changes.state === 'JOB_STATE_FINISHED' ? 'deleted' : 'deleting', `Job Array deleted at request of ${by}`);
    const running = [...this.inStates('JOB_STATE_RUNNING', ...(force ? ['JOB_STATE_EXITING' as const] : []))].filter((s) => s.array_id === parent.id);
    for (const s of running) await this.cancel(s.id, force, by);
    return this.jobs.get(parent.seq) ?? parent;
  }

  /** Subjobs are held, released and altered through their array. */
  private notSubjob(job: JobRecord): void {
    if (job.array_id) throw new FleetqError('BAD_STATE', `Request invalid for state of job ${job.id} (a subjob: use its array ${job.array_id})`, { field: 'id' });
  }

  async hold(id: string, types: string): Promise<JobRecord> {
    const job = this.find(id);
    const t = checkHoldTypes(types);
    this.notSubjob(job);
    // A begun array stays B; the hold keeps its queued subjobs from starting.
    if (job.arr && job.state === 'JOB_STATE_BEGUN') return this.update(job, { hold_types: mergeHolds(job.hold_types, t) }, 'held', `Holds ${t} set`);
    if (!isPending(job.state)) throw new FleetqError('BAD_STATE', `Request invalid for state of job ${job.id}`, { field: 'id' });
    const merged = mergeHolds(job.hold_types, t);
    if (this.remote?.owns(job)) await this.remote.hold(job);
    return this.update(job, { state: 'JOB_STATE_HELD', hold_types: merged }, 'held', `Holds ${t} set`);
  }

  async release(id: string, types: string): Promise<JobRecord> {
    const job = this.find(id);
    const t = checkHoldTypes(types);
    this.notSubjob(job);
    if (job.arr && job.state === 'JOB_STATE_BEGUN') return this.update(job, { hold_types: this.unheld(job, t).hold_types }, 'released', `Holds ${t} released`);
    if (job.state !== 'JOB_STATE_HELD') {
      if (isPending(job.state)) return job; // nothing held: PBS accepts silently
      throw new FleetqError('BAD_STATE', `Request invalid for state of job ${job.id}`, { field: 'id' });
    }
    const released = this.unheld(job, t);
    if (this.remote?.owns(job) && released.hold_types === 'n') await this.remote.release(job);
    return this.update(job, { ...released, comment: '' }, 'released', `Holds ${t} released`);
  }

  /** qalter of a pending job; `mask` names the spec fields to change. */
  async alter(id: string, patch: JobSpec__Output, mask: readonly string[]): Promise<JobRecord> {
    const job = this.find(id);
    this.notSubjob(job);
    if (!isPending(job.state)) throw new FleetqError('BAD_STATE', `Request invalid for state of job ${job.id}`, { field: 'id' });
    if (mask.length === 0) throw invalid('update_mask', 'names no field to change');
    const spec: JobSpec__Output = { ...job.spec };
    const rec = spec as unknown as Record<string, unknown>;
    for (const f of mask) {
      if (!ALTERABLE.has(f)) throw invalid('update_mask', `'${f}' cannot be altered (alterable: ${[...ALTERABLE].join(', ')})`);
      rec[f] = (patch as unknown as Record<string, unknown>)[f];
    }
    if (mask.includes('rerunnable')) spec.has_rerunnable = true;
    const queue = this.queues.get(spec.queue);
    if (!queue) throw new FleetqError('UNKNOWN_QUEUE', `queue: '${spec.queue}' is not a queue of this server`, { field: 'queue' });
    const probe0 = newJob(spec, { seq: job.seq, server: this.opts.server, now: this.now(), queue, maxScriptBytes: this.opts.maxScriptBytes, requestId: job.request_id });
    const probe = job.arr ? makeParent(probe0, Number.MAX_SAFE_INTEGER) : probe0; // for its paths and checks
    const req = parseResourceList(spec.resource_list);
    if (req.walltime_seconds === 0) req.walltime_seconds = queue.default_walltime_seconds;
    if (mask.includes('resource_list') || mask.includes('queue')) this.checkAdmission(req.chunks, req.place, queue.name);
    let state = job.state;
    if (state !== 'JOB_STATE_HELD') state = spec.execution_time_unix > this.now() ? 'JOB_STATE_WAITING' : 'JOB_STATE_QUEUED';
    let { hold_types, comment } = job;
    if (mask.includes('depend')) {
      // The new dependencies replace the old: the dependency hold is recomputed from them.
      if (hold_types.includes('s')) ({ hold_types, state } = this.unheld({ ...job, spec }, 's'));
      const probeDeps: JobRecord = { ...job, spec: probe.spec, state, hold_types, comment: hold_types === 'n' ? '' : comment };
      this.applyDepend(probeDeps);
      ({ state, hold_types, comment } = probeDeps);
    }
    const changes: Partial<JobRecord> = {
      spec: probe.spec, queue: queue.name, state, hold_types, comment, output_path: probe.output_path, error_path: probe.error_path,
      resources: { ...req, select: formatSelect(req.chunks) },
    };
    this.opts.vet?.({ ...job, ...changes });
    if (this.remote?.owns(job)) await this.remote.alter(job, { ...job, ...changes }, mask);
    const next = await this.update(job, changes, 'altered', `Attributes altered: ${mask.join(', ')}`);
    if (mask.includes('depend')) this.indexDepend(next);
    return next;
  }

  /** The scheduler gave the job its nodes: it is running from now (its agent launches it next). */
  async start(seq: number, alloc: Allocation[]): Promise<JobRecord> {
    let job = this.jobs.get(seq);
    if (job?.arr) {
      // An array starts its lowest queued subjob, whose record is made now; that is what runs.
      const index = startable(job) > 0 ? lowestQueued(job) : undefined;
      if (index === undefined) throw new FleetqError('BAD_STATE', `job ${job.id} has no subjob that may start`);
      job = this.subjobs.get(subjobKey(seq, index)) ?? subjobOf(job, index, 'JOB_STATE_QUEUED', this.now());
    }
    if (!job || job.state !== 'JOB_STATE_QUEUED') throw new FleetqError('BAD_STATE', `job ${seq} is not queued`);
    const ex = execStrings(alloc);
    const now = this.now();
    const nodes = [...new Set(alloc.map((a) => a.node))];
    return this.update(job, {
      state: 'JOB_STATE_RUNNING', alloc, nodes, ...ex, start_time_unix: now, run_count: job.run_count + 1,
      comment: `Job run at ${runTime(now)} on ${ex.exec_vnode}`, kill_reason: '', session_id: 0,
    }, 'started', `Job run on ${ex.exec_host}`);
  }

  /** The agent reports the job's process started. */
  async started(id: string, pid: number): Promise<void> {
    const job = this.record(id);
    if (!job || !isActive(job.state) || job.session_id === pid) return;
    await this.update(job, { session_id: pid }, 'session', `Job process ${pid} started`);
  }

  /** The agent reports the job ended; records the exit status as PBS does. Ignores stale reports. */
  async ended(id: string, r: EndReport): Promise<JobRecord | undefined> {
    const job = this.record(id);
    if (!job || !isActive(job.state)) return undefined;
    let comment = `Job run at ${runTime(job.start_time_unix)} on ${job.exec_vnode} and finished`;
    if (r.reason === 'walltime') comment = `Job killed: walltime ${r.walltime_seconds} exceeded limit ${job.resources?.walltime_seconds ?? 0}`;
    else if (job.kill_reason === 'qdel') comment = job.comment;
    else if (r.reason === 'launch') comment = `Job failed to start on ${job.nodes[0] ?? '?'}`;
    return this.finish(job, r, comment);
  }

  private finish(job: JobRecord, r: EndReport, comment: string): Promise<JobRecord> {
    return this.update(job, {
      state: 'JOB_STATE_FINISHED', has_exit_status: true, exit_status: r.exit_status, end_time_unix: r.end_time_unix,
      used_cput_seconds: r.cput_seconds, used_walltime_seconds: r.walltime_seconds, used_mem_bytes: r.mem_bytes ?? job.used_mem_bytes, comment,
    }, 'finished', `Exit_status=${r.exit_status}`);
  }

  /**
   * A running job's node lost it (agent gone, or it does not know the job): requeued when
   * rerunnable, otherwise finished with JOB_EXEC_INITABT and a comment saying why.
   */
  async lost(job: JobRecord, why: string): Promise<JobRecord> {
    if (!isActive(job.state)) return job;
    if (job.kill_reason === 'qdel') {
      return this.finish(job, { exit_status: 256 + 9, end_time_unix: this.now(), cput_seconds: job.used_cput_seconds, walltime_seconds: this.now() - job.start_time_unix, reason: 'qdel' }, `${job.comment}; ${why}`);
    }
    if (job.spec.rerunnable) {
      return this.update(job, { state: 'JOB_STATE_QUEUED', alloc: [], nodes: [], exec_host: '', exec_vnode: '', session_id: 0, used_cput_seconds: 0, used_mem_bytes: 0, comment: `Job requeued: ${why}` }, 'requeued', why);
    }
    return this.finish(job, { exit_status: JOB_EXEC.INITABT, end_time_unix: this.now(), cput_seconds: job.used_cput_seconds, walltime_seconds: this.now() - job.start_time_unix, reason: 'lost' }, `Job not rerunnable and ${why}`);
  }

  /**
   * What a running job used so far (its agents' latest reports, summed over its nodes), for qstat's
   * resources_used while it runs. Kept in memory only — a sample, not an event: it is stored with
   * the job's next change, and the end's report is what counts.
   */
  sample(id: string, cput_seconds: number, mem_bytes: number): boolean {
    const job = this.record(id);
    if (!job || job.state !== 'JOB_STATE_RUNNING') return false;
    job.used_cput_seconds = cput_seconds;
    job.used_mem_bytes = mem_bytes;
    return true;
  }

  /** A finished job's usage grew (a node's report came after its end): recorded, durably. */
  async amendUsage(id: string, cput_seconds: number, mem_bytes: number): Promise<void> {
    const job = this.record(id);
    if (!job || job.state !== 'JOB_STATE_FINISHED') return;
    if (cput_seconds <= job.used_cput_seconds && mem_bytes <= Number(job.used_mem_bytes ?? 0)) return;
    await this.update(job, { used_cput_seconds: Math.max(cput_seconds, job.used_cput_seconds), used_mem_bytes: Math.max(mem_bytes, Number(job.used_mem_bytes ?? 0)) }, 'usage', 'resources_used from the job\'s other nodes');
  }

  /** What a finished job's nodes bought from a provider cost (node-seconds by type/lifecycle, US dollars): recorded, durably. */
  async recordCost(id: string, nodeSeconds: Record<string, number>, usd: number): Promise<void> {
    const job = this.record(id);
    if (!job || job.state !== 'JOB_STATE_FINISHED') return;
    await this.update(job, { used_node_seconds: Object.fromEntries(Object.entries(nodeSeconds).map(([k, v]) => [k, Math.round(v)])), used_cost_usd: usd }, 'usage', `cost of its EC2 nodes: $${usd.toFixed(4)}`);
  }

  /**
   * A job another scheduler runs (a ParallelCluster head's Slurm) changed there: its record follows,
   * whatever fleetq's state was (Slurm may start a job fleetq still holds for a dependency). A
   * subjob that has no record yet gets one. Undefined when fleetq has no such job.
   */
  async mirror(id: string, changes: Partial<JobRecord>, kind: string, message: string): Promise<JobRecord | undefined> {
    const ref = parseArrayId(id);
    let job: JobRecord | undefined;
    if (ref?.index !== undefined) {
      const parent = this.jobs.get(ref.seq);
      job = this.subjobs.get(subjobKey(ref.seq, ref.index));
      if (!job && parent?.arr) {
        const view = subjobView(parent, ref.index, undefined);
        if (view && view.state !== 'JOB_STATE_FINISHED') job = subjobOf(parent, ref.index, 'JOB_STATE_QUEUED', this.now());
      }
    } else if (!ref) job = this.jobs.get(parseJobId(id) ?? 0);
    else job = this.jobs.get(ref.seq);
    if (!job) return undefined;
    return this.update(job, changes, kind, message);
  }

  /** W jobs whose -a time has come become Q. */
  async promoteDeferred(): Promise<void> {
    const now = this.now();
    const due = [...this.inStates('JOB_STATE_WAITING')].filter((j) => j.spec.execution_time_unix <= now);
    await Promise.all(due.map((j) => this.update(j, { state: 'JOB_STATE_QUEUED', eligible_time_unix: now }, 'eligible', 'Execution time reached')));
  }

  /** Records something that happened to a job in its journal (no state change), e.g. a spot notice. */
  async note(seq: number, kind: string, message: string): Promise<void> {
    const job = this.jobs.get(seq);
    if (job) await this.update(job, {}, kind, message);
  }

  /**
   * Sets the scheduler's comment on a waiting job, and when it expects the job to start (its
   * backfill reservation, unix seconds; 0 = none), when they changed.
   */
  async comment(seq: number, text: string, estimate = 0): Promise<void> {
    const job = this.jobs.get(seq);
    if (!job) return;
    // The estimate is rewritten when it appears, goes, or moves by a minute or more: a head job's
    // EASY estimate moves at every early job end, and the journal need not follow each second.
    const had = job.estimated_start_time_unix ?? 0;
    const moved = (had === 0) !== (estimate === 0) || Math.abs(had - estimate) >= 60;
    if (job.comment === text && !moved) return;
    await this.update(job, { comment: text, estimated_start_time_unix: moved ? estimate : had }, 'comment', text);
  }
}

/** Listing order: by seq, then index (-1, an array itself, before its subjobs). */
function comparePlaces(a: Place, b: Place): number { return a[0] - b[0] || a[1] - b[1]; }

/** The first position in ascending `xs` whose value is `x` or more. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? 0) < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** PBS's short time in comments: `Thu May 14 at 07:04` (local time, no commas). */
export function runTime(unix: number): string {
  const d = new Date(unix * 1000);
  const [wd, mon, day] = d.toDateString().split(' ');
  return `${wd} ${mon} ${day} at ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Changes of a job that can meet or break its dependents' dependencies. */
const DEPEND_TRIGGERS = new Set(['started', 'finished', 'deleted']);

const ALTERABLE = new Set(['name', 'queue', 'resource_list', 'priority', 'account', 'output_path', 'error_path', 'join_path', 'rerunnable', 'execution_time_unix', 'mail_points', 'mail_users', 'shell', 'depend', 'variables']);

function checkHoldTypes(t: string): string {
  const v = t === '' ? 'u' : t;
  if (!/^[uosp]+$/.test(v)) throw invalid('hold_types', `'${t}' is not a combination of u, o, s or p`);
  return v;
}

function mergeHolds(have: string, add: string): string {
  const set = new Set([...have, ...add].filter((c) => c !== 'n'));
  return ['u', 'o', 's', 'p'].filter((c) => set.has(c)).join('') || 'n';
}
