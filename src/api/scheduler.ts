/**
 * The fleetq.v1.Scheduler service: checks requests, calls the job service, maps answers to the
 * proto. No job logic lives here.
 */
import * as grpc from '@grpc/grpc-js';
import type { SchedulerHandlers } from '../gen/fleetq/v1/Scheduler.js';
import type { Job } from '../gen/fleetq/v1/Job.js';
import type { JobSpec__Output } from '../gen/fleetq/v1/JobSpec.js';
import type { SubmitJobRequest__Output } from '../gen/fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse } from '../gen/fleetq/v1/SubmitJobResponse.js';
import type { JobEvent } from '../gen/fleetq/v1/JobEvent.js';
import type { ListJobsResponse } from '../gen/fleetq/v1/ListJobsResponse.js';
import type { Node } from '../gen/fleetq/v1/Node.js';
import type { ExecRequest__Output } from '../gen/fleetq/v1/ExecRequest.js';
import type { ExecReply } from '../gen/fleetq/v1/ExecReply.js';
import { placeOf, type JobService, type Place } from '../jobs/service.js';
import type { JobRecord, JobState } from '../jobs/model.js';
import type { PriorityCalculator } from '../scheduler/priority.js';
import type { NodeRegistry } from '../daemon/nodes.js';
import { FleetqError, invalid } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { toStatus, unary } from './errors.js';
import { mayAdminNodes, mayHoldTypes, mayModify, maySee, submitter, type Authenticator, type Identity } from './auth.js';
import { toBasicJob, toProtoJob } from './views.js';
import { WatchHub } from './watch.js';
import type { AuthConfig } from '../config/index.js';

export interface SchedulerDeps {
  jobs: JobService;
  /** Who calls (MUNGE, or asserted), and the rules of who may do what. */
  auth: Authenticator;
  authConfig: AuthConfig;
  nodes: NodeRegistry;
  server: { name: string; version: string; defaultQueue: string; startTime: number };
  log: Logger;
  /** Encodes a JobEvent once for all watchers (schedulerService's, whose WatchJobs takes encoded events as they are). */
  encodeEvent: (e: JobEvent) => Buffer;
  /** Events a WatchJobs stream may have waiting for a slow client before it is ended (server.watch_max_pending). */
  watchMaxPending?: number;
  /** When given, pending jobs carry their priority (sched_priority), computed when read. */
  priority?: PriorityCalculator;
  /** A queue's state as its capacity sees it (a ParallelCluster head unreachable: stopped, with why). */
  queueStatus?: (queue: string) => { started: boolean; comment: string } | undefined;
  /** The Exec RPC (fleetq rsh); without it Exec answers UNIMPLEMENTED. */
  exec?: (call: grpc.ServerDuplexStream<ExecRequest__Output, ExecReply>) => void;
}

const JOB_VIEWS = new Set<string>(['JOB_VIEW_UNSPECIFIED', 'JOB_VIEW_BASIC', 'JOB_VIEW_FULL']);

const JOB_STATES = new Set<string>(['JOB_STATE_QUEUED', 'JOB_STATE_HELD', 'JOB_STATE_WAITING', 'JOB_STATE_RUNNING', 'JOB_STATE_EXITING', 'JOB_STATE_FINISHED', 'JOB_STATE_BEGUN']);

function requireId(id: string): string {
  if (id.trim() === '') throw invalid('id', 'a job id is required');
  return id;
}

function checkSubmit(req: SubmitJobRequest__Output, owner: (specUser: string) => string): JobSpec__Output {
  if (!req.spec) throw invalid('spec', 'a job spec is required');
  if (req.request_id.length > 128) throw invalid('request_id', 'longer than 128 characters');
  return { ...req.spec, user: owner(req.spec.user) };
}

/** A page token: the place (JobService's listing order) of the page's last job. */
function pageToken(j: JobRecord): string { const [s, i] = placeOf(j); return Buffer.from(`after:${s}${i >= 0 ? `[${i}]` : ''}`).toString('base64url'); }
function afterPlace(token: string): Place {
  if (token === '') return [0, -1];
  const m = /^after:(\d+)(?:\[(\d+)\])?$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw invalid('page_token', 'not a token this server issued');
  return [Number(m[1]), m[2] === undefined ? -1 : Number(m[2])];
}

export function schedulerHandlers(d: SchedulerDeps): SchedulerHandlers {
  const { jobs, log } = d;
  const view = (j: JobRecord): Job => toProtoJob(j, d.priority);
  const watches = new WatchHub({ jobs, server: d.server.name, encodeEvent: d.encodeEvent, maxPending: d.watchMaxPending ?? 10_000, log });
  const who = (call: { metadata: grpc.Metadata }): Promise<Identity> => d.auth.identify(call.metadata);
  const submit = async (req: SubmitJobRequest__Output, call: { metadata: grpc.Metadata }, caller?: Identity): Promise<SubmitJobResponse> => {
    const w = caller ?? await who(call);
    const r = await jobs.submit(checkSubmit(req, (u) => submitter(d.authConfig, w, u)), req.request_id);
    return { job: view(r.job), existing: r.existing };
  };
  /** The job `id`, when `w` may act on it (PERMISSION_DENIED otherwise). */
  const ownJob = (w: Identity, id: string, verb: string): JobRecord => {
    const j = jobs.find(requireId(id));
    mayModify(w, j, verb);
    return j;
  };
  return {
    SubmitJob: unary(log, submit),
    SubmitJobs: (call) => {
      // Each request is answered in order; concurrent ones share store commits.
      let chain = Promise.resolve();
      const caller = who(call);
      caller.catch(() => undefined); // reported with the first request's answer
      call.on('data', (req: SubmitJobRequest__Output) => {
        const p = caller.then((w) => submit(req, call, w));
        p.catch(() => undefined); // the chain below reports it, in order
        chain = chain.then(() => p.then((res) => { call.write(res); }));
      });
      call.on('end', () => {
        chain.then(() => call.end(), (err: unknown) => call.emit('error', toStatus(err, log)));
      });
    },
    GetJob: unary(log, async (req, call) => {
      const w = await who(call);
      const j = jobs.find(requireId(req.id));
      if (!maySee(d.authConfig, w, j)) throw new FleetqError('PERMISSION_DENIED', `Unauthorized Request: job ${j.id} is not ${w.user}'s (auth.jobs_visible: own)`);
      return view(j);
    }),
    ListJobs: unary(log, async (req, call) => {
      const w = await who(call);
      for (const s of req.states) if (!JOB_STATES.has(s)) throw invalid('states', `'${s}' is not a job state`);
      if (req.page_size > 10_000) throw invalid('page_size', `${req.page_size} is over the maximum of 10000`);
      if (!JOB_VIEWS.has(String(req.view))) throw invalid('view', `'${req.view}' is not a job view (JOB_VIEW_BASIC or JOB_VIEW_FULL)`);
      const size = req.page_size || 1000;
      const after = afterPlace(req.page_token);
      // From the token on, up to one job past the page: that one says whether there is a next page.
      const page: JobRecord[] = [];
      let more = false;
      for (const j of jobs.listAfter({ states: req.states as JobState[], users: req.users, queues: req.queues, ids: req.ids, includeFinished: req.include_finished, subjobs: req.include_subjobs }, after)) {
        if (!maySee(d.authConfig, w, j)) continue;
        if (page.length === size) { more = true; break; }
        page.push(j);
      }
      const last = page[page.length - 1];
      return { jobs: page.map(req.view === 'JOB_VIEW_BASIC' ? toBasicJob : view), next_page_token: more && last ? pageToken(last) : '' };
    }),
    WatchJobs: (call) => {
      who(call).then((w) => watches.watch(call, (j) => maySee(d.authConfig, w, j)), (err: unknown) => call.emit('error', toStatus(err, log)));
    },
    Exec: (call) => {
      if (d.exec) d.exec(call);
      else call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'Exec: this server runs no agents' });
    },
    CancelJob: unary(log, async (req, call) => {
      const w = await who(call);
      ownJob(w, req.id, 'delete');
      return { job: view(await jobs.cancel(requireId(req.id), req.force, w.user)) };
    }),
    HoldJob: unary(log, async (req, call) => {
      const w = await who(call);
      ownJob(w, req.id, 'hold');
      mayHoldTypes(w, req.hold_types);
      return { job: view(await jobs.hold(requireId(req.id), req.hold_types)) };
    }),
    ReleaseJob: unary(log, async (req, call) => {
      const w = await who(call);
      ownJob(w, req.id, 'release');
      mayHoldTypes(w, req.hold_types);
      return { job: view(await jobs.release(requireId(req.id), req.hold_types)) };
    }),
    AlterJob: unary(log, async (req, call) => {
      const w = await who(call);
      if (!req.spec) throw invalid('spec', 'the new values are required');
      ownJob(w, req.id, 'alter');
      return { job: view(await jobs.alter(requireId(req.id), req.spec, req.update_mask)) };
    }),
    ListNodes: unary(log, async (req, call) => { await who(call); return { nodes: listNodes(d, req.names) }; }),
    SetNode: unary(log, async (req, call) => {
      const w = await who(call);
      mayAdminNodes(w);
      const n = d.nodes.get(req.name);
      if (!n) throw invalid('name', `Unknown node ${req.name}`);
      if (req.comment.length > 1024) throw invalid('comment', `${req.comment.length} characters is over the limit of 1024`);
      const offline = req.set_offline ? req.offline : n.offline;
      // Back online without a new comment: the old reason goes with the state it explained.
      const comment = req.set_comment ? req.comment : req.set_offline && !req.offline ? '' : n.comment;
      await d.nodes.setOffline(req.name, offline, comment);
      log.info({ node: req.name, offline, comment, by: w.user }, 'node changed');
      const [node] = listNodes(d, [req.name]);
      return node!;
    }),
    ListQueues: unary(log, async (req, call) => { await who(call); return { queues: listQueues(d, req.names) }; }),
    GetServer: unary(log, async (_req, call) => {
      await who(call);
      const counts = stateCounts([...jobs.all()]);
      return {
        name: d.server.name, version: d.server.version, default_queue: d.server.defaultQueue, state_count: counts,
        total_jobs: Object.values(counts).reduce((a, b) => a + b, 0), start_time_unix: d.server.startTime, revision: jobs.currentRevision,
      };
    }),
  };
}

function stateCounts(js: readonly JobRecord[]): Record<string, number> {
  const c: Record<string, number> = { Q: 0, R: 0, H: 0, W: 0, E: 0, F: 0 };
  for (const j of js) c[j.state_letter] = (c[j.state_letter] ?? 0) + 1;
  return c;
}

function listQueues(d: SchedulerDeps, names: string[]): Array<Record<string, unknown>> {
  const qs = d.jobs.queueList().filter((q) => names.length === 0 || names.includes(q.name));
  for (const n of names) if (!qs.some((q) => q.name === n)) throw new FleetqError('UNKNOWN_QUEUE', `names: '${n}' is not a queue of this server`, { field: 'names' });
  const all = [...d.jobs.all()];
  return qs.map((q) => {
    const counts = stateCounts(all.filter((j) => j.queue === q.name));
    const status = d.queueStatus?.(q.name);
    return {
      name: q.name, priority: q.priority, enabled: q.enabled, started: q.started && (status?.started ?? true), comment: status?.comment ?? '', queue_type: 'Execution',
      default_walltime_seconds: q.default_walltime_seconds, max_running: 0, state_count: counts,
      total_jobs: Object.entries(counts).filter(([k]) => k !== 'F').reduce((a, [, b]) => a + b, 0), is_default: q.name === d.server.defaultQueue,
    };
  });
}

function listNodes(d: SchedulerDeps, names: string[]): Node[] {
  const usage = d.nodes.usage(d.jobs.inStates('JOB_STATE_RUNNING', 'JOB_STATE_EXITING')); // subjobs included
  const all = d.nodes.list().filter((n) => names.length === 0 || names.includes(n.name));
  for (const n of names) if (!all.some((x) => x.name === n)) throw invalid('names', `Unknown node ${n}`);
  return all.map((n) => {
    const u = usage.get(n.name);
    const busy = (u?.ncpus ?? 0) >= n.ncpus || (u?.exclusive ?? false);
    const state = n.offline ? 'NODE_STATE_OFFLINE' : !n.up ? 'NODE_STATE_DOWN' : busy ? 'NODE_STATE_JOB_BUSY' : 'NODE_STATE_FREE';
    // PBS combines states with commas: an offline node that also went down is 'down,offline'.
    const text = n.offline ? (n.up ? 'offline' : 'down,offline') : !n.up ? 'down' : u?.exclusive ? 'job-exclusive' : busy ? 'job-busy' : 'free';
    return {
      name: n.name, state, state_text: text, ncpus: n.ncpus, mem_bytes: n.mem_bytes, ngpus: n.ngpus,
      assigned_ncpus: u?.ncpus ?? 0, assigned_mem_bytes: u?.mem_bytes ?? 0, assigned_ngpus: u?.ngpus ?? 0,
      jobs: u?.jobs ?? [], host: n.host, provider: n.provider, last_state_change_unix: n.last_state_change_unix, comment: n.comment, arch: n.arch,
      efa: n.topology.efa, instance_type: n.topology.instance_type, availability_zone: n.topology.az, placement_group: n.topology.placement_group, instance_id: n.topology.instance_id ?? '',
      network_nodes: n.topology.network_nodes.some((x) => x !== '') ? [...n.topology.network_nodes] : [], spot: n.topology.spot,
    };
  });
}

/**
 * The Scheduler service definition to serve with schedulerHandlers, and `encodeEvent` for its
 * SchedulerDeps. WatchJobs' response serializer takes already-encoded events as they are (each is
 * encoded once for all watchers); ListJobs' encodes its page a job at a time.
 */
export function schedulerService<T extends grpc.ServiceDefinition>(service: T): { service: T; encodeEvent: (e: JobEvent) => Buffer } {
  const method = <Req, Res>(name: string): grpc.MethodDefinition<Req, Res> => {
    const m = service[name] as grpc.MethodDefinition<Req, Res> | undefined;
    if (!m) throw new Error(`schedulerService: the service has no ${name}`);
    return m;
  };
  const watch = method<unknown, JobEvent>('WatchJobs');
  const list = method<unknown, ListJobsResponse>('ListJobs');
  const serialize = watch.responseSerialize;
  return {
    service: {
      ...service,
      WatchJobs: { ...watch, responseSerialize: (v: JobEvent | Buffer) => (Buffer.isBuffer(v) ? v : serialize(v)) },
      ListJobs: { ...list, responseSerialize: pageSerializer(method<unknown, Job>('GetJob').responseSerialize) },
    },
    encodeEvent: (e) => serialize(e),
  };
}

/**
 * Encodes a ListJobsResponse a job at a time: the same bytes as encoding it whole (a repeated
 * field is its elements' tag-length-value records one after another, field 1 here, then
 * next_page_token as field 2), but each job's encoder state is garbage at once, where protobufjs'
 * writer for a whole page keeps a few hundred thousand small objects alive until the end, and they
 * outlive the young generation: a listing of 100,000 jobs then spent most of its time in GC.
 */
function pageSerializer(encodeJob: (j: Job) => Buffer): (r: ListJobsResponse) => Buffer {
  return (r) => {
    const jobs = (r.jobs ?? []).map(encodeJob);
    const token = Buffer.from(r.next_page_token ?? '');
    let size = token.length > 0 ? 1 + varintSize(token.length) + token.length : 0;
    for (const b of jobs) size += 1 + varintSize(b.length) + b.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const b of jobs) { out[at++] = (1 << 3) | 2; at = putVarint(out, at, b.length); at += b.copy(out, at); }
    if (token.length > 0) { out[at++] = (2 << 3) | 2; at = putVarint(out, at, token.length); token.copy(out, at); }
    return out;
  };
}

function varintSize(n: number): number { let size = 1; for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++; return size; }

function putVarint(out: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v >= 0x80) { out[i++] = (v & 0x7f) | 0x80; v = Math.floor(v / 128); }
  out[i++] = v;
  return i;
}
