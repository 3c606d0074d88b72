/**
 * The embedding API: a typed, promise-based client of fleetq's gRPC API, for portals and scripts.
 *
 *   import { connect } from 'fleetq';
 *   const fq = connect();                      // FLEETQ_SERVER or $FLEETQ_HOME/fleetq.sock
 *   const { job } = await fq.submitJob({ spec: { script: 'echo hi\n' } });
 *
 * Every method rejects with a grpc `ServiceError` (`code`, `details`) when the server refuses;
 * the message names the field at fault. Types come from proto/fleetq/v1/scheduler.proto.
 */
import { userInfo } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../proto/light.js';
import { serverAddress } from '../config/paths.js';
import { clientMungeSocket, mintCredential, MUNGE_HEADER } from '../auth/munge.js';
import type { SchedulerClient } from '../gen/fleetq/v1/Scheduler.js';
import type { SubmitJobRequest } from '../gen/fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse__Output } from '../gen/fleetq/v1/SubmitJobResponse.js';
import type { GetJobRequest } from '../gen/fleetq/v1/GetJobRequest.js';
import type { Job__Output } from '../gen/fleetq/v1/Job.js';
import type { ListJobsRequest } from '../gen/fleetq/v1/ListJobsRequest.js';
import type { ListJobsResponse__Output } from '../gen/fleetq/v1/ListJobsResponse.js';
import type { WatchJobsRequest } from '../gen/fleetq/v1/WatchJobsRequest.js';
import type { JobEvent__Output } from '../gen/fleetq/v1/JobEvent.js';
import type { CancelJobRequest } from '../gen/fleetq/v1/CancelJobRequest.js';
import type { CancelJobResponse__Output } from '../gen/fleetq/v1/CancelJobResponse.js';
import type { HoldJobRequest } from '../gen/fleetq/v1/HoldJobRequest.js';
import type { HoldJobResponse__Output } from '../gen/fleetq/v1/HoldJobResponse.js';
import type { ReleaseJobRequest } from '../gen/fleetq/v1/ReleaseJobRequest.js';
import type { ReleaseJobResponse__Output } from '../gen/fleetq/v1/ReleaseJobResponse.js';
import type { AlterJobRequest } from '../gen/fleetq/v1/AlterJobRequest.js';
import type { AlterJobResponse__Output } from '../gen/fleetq/v1/AlterJobResponse.js';
import type { SetNodeRequest } from '../gen/fleetq/v1/SetNodeRequest.js';
import type { Node__Output as NodeOut } from '../gen/fleetq/v1/Node.js';
import type { ListNodesRequest } from '../gen/fleetq/v1/ListNodesRequest.js';
import type { ListNodesResponse__Output } from '../gen/fleetq/v1/ListNodesResponse.js';
import type { ListQueuesRequest } from '../gen/fleetq/v1/ListQueuesRequest.js';
import type { ListQueuesResponse__Output } from '../gen/fleetq/v1/ListQueuesResponse.js';
import type { Server__Output } from '../gen/fleetq/v1/Server.js';

export type { Job__Output as Job } from '../gen/fleetq/v1/Job.js';
export type { JobSpec } from '../gen/fleetq/v1/JobSpec.js';
export type { JobEvent__Output as JobEvent } from '../gen/fleetq/v1/JobEvent.js';
export type { Node__Output as Node } from '../gen/fleetq/v1/Node.js';
export type { Queue__Output as Queue } from '../gen/fleetq/v1/Queue.js';
export type { Server__Output as ServerInfo } from '../gen/fleetq/v1/Server.js';
export type { JobState__Output as JobState } from '../gen/fleetq/v1/JobState.js';
export { serverAddress } from '../config/paths.js';

export interface ConnectOptions {
  /** gRPC target; default FLEETQ_SERVER or unix:$FLEETQ_HOME/fleetq.sock. */
  address?: string;
  /** Per-call deadline in milliseconds; default 30000. */
  timeoutMs?: number;
  /** Sent as the `x-fleetq-user` metadata; default the OS user. A daemon with MUNGE on takes the user from the credential (root may name another). */
  user?: string;
  /**
   * MUNGE: the munged socket to get credentials from (default FLEETQ_MUNGE_SOCKET, else
   * /run/munge/munge.socket.2), or false for none. A credential is sent when munged is there.
   */
  munge?: string | false;
  /** A MUNGE credential minted elsewhere (a portal's helper running as the user), sent instead of minting one. */
  mungeCredential?: string;
  /** A service's JWT (HS256, signed with the daemon's auth.jwt_key): sent as `authorization: Bearer`; `user` is whom it acts for. */
  token?: string;
}

/** Credentials live 300 s by default: a long-lived client mints a new one well before. */
const MUNGE_REFRESH_MS = 120_000;

/** A response whose `job` the server always sets. */
export type WithJob<T extends { job: Job__Output | null }> = Omit<T, 'job'> & { job: Job__Output };

function withJob<T extends { job: Job__Output | null }>(r: T): WithJob<T> {
  if (!r.job) throw new Error('fleetq: the server answered without a job');
  return r as WithJob<T>;
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown;

export class FleetqClient {
  readonly raw: SchedulerClient;
  readonly address: string;
  private readonly timeoutMs: number;
  private readonly metadata: grpc.Metadata;
  private readonly mungeSocket: string | undefined;
  private mungeMinted = 0;

  constructor(opts: ConnectOptions = {}) {
    this.address = opts.address ?? serverAddress();
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.metadata = new grpc.Metadata();
    this.metadata.set('x-fleetq-user', opts.user ?? userInfo().username);
    this.mungeSocket = opts.munge === false || opts.mungeCredential !== undefined ? undefined : (opts.munge ?? clientMungeSocket());
    if (opts.mungeCredential !== undefined) this.metadata.set(MUNGE_HEADER, opts.mungeCredential);
    if (opts.token !== undefined) this.metadata.set('authorization', `Bearer ${opts.token}`);
    const Scheduler = grpc.makeGenericClientConstructor(serviceDefinition('fleetq.v1.Scheduler'), 'Scheduler');
    this.raw = new Scheduler(this.address, grpc.credentials.createInsecure(), {
      'grpc.enable_retries': 0,
      // A page of jobs carries their scripts: no 4 MB cap on answers (the server bounds what it takes).
      'grpc.max_receive_message_length': -1,
      // Each client owns its connection: one client's backoff never fails another's calls.
      'grpc.use_local_subchannel_pool': 1,
      // A restarted daemon is back within a second or two; do not back off for minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as SchedulerClient;
  }

  /** The call metadata, with a MUNGE credential when munged is here (minted at first use, renewed before it expires). */
  callMetadata(): grpc.Metadata {
    if (this.mungeSocket !== undefined && Date.now() - this.mungeMinted > MUNGE_REFRESH_MS) {
      const cred = mintCredential(this.mungeSocket);
      this.mungeMinted = Date.now();
      if (cred) this.metadata.set(MUNGE_HEADER, cred);
      else this.metadata.remove(MUNGE_HEADER);
    }
    return this.metadata;
  }

  private call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + this.timeoutMs;
      method.call(this.raw, req, this.callMetadata(), { deadline }, (err, res) => {
        if (err) reject(err);
        else resolve(res as Res);
      });
    });
  }

  /** Stores a job; resolves once it is durable. With `request_id`, retries return the same job. */
  submitJob(req: SubmitJobRequest): Promise<WithJob<SubmitJobResponse__Output>> { return this.call<SubmitJobRequest, SubmitJobResponse__Output>(this.raw.SubmitJob, req).then(withJob); }
  getJob(req: GetJobRequest): Promise<Job__Output> { return this.call(this.raw.GetJob, req); }
  listJobs(req: ListJobsRequest = {}): Promise<ListJobsResponse__Output> { return this.call(this.raw.ListJobs, req); }
  cancelJob(req: CancelJobRequest): Promise<WithJob<CancelJobResponse__Output>> { return this.call<CancelJobRequest, CancelJobResponse__Output>(this.raw.CancelJob, req).then(withJob); }
  holdJob(req: HoldJobRequest): Promise<WithJob<HoldJobResponse__Output>> { return this.call<HoldJobRequest, HoldJobResponse__Output>(this.raw.HoldJob, req).then(withJob); }
  releaseJob(req: ReleaseJobRequest): Promise<WithJob<ReleaseJobResponse__Output>> { return this.call<ReleaseJobRequest, ReleaseJobResponse__Output>(this.raw.ReleaseJob, req).then(withJob); }
  alterJob(req: AlterJobRequest): Promise<WithJob<AlterJobResponse__Output>> { return this.call<AlterJobRequest, AlterJobResponse__Output>(this.raw.AlterJob, req).then(withJob); }
  listNodes(req: ListNodesRequest = {}): Promise<ListNodesResponse__Output> { return this.call(this.raw.ListNodes, req); }
  /** pbsnodes -o / -r / -C (operators and managers). */
  setNode(req: SetNodeRequest): Promise<NodeOut> { return this.call(this.raw.SetNode, req); }
  listQueues(req: ListQueuesRequest = {}): Promise<ListQueuesResponse__Output> { return this.call(this.raw.ListQueues, req); }
  getServer(): Promise<Server__Output> { return this.call(this.raw.GetServer, {}); }

  /** Every job, following next_page_token until the last page. */
  async listAllJobs(req: ListJobsRequest = {}): Promise<Job__Output[]> {
    const out: Job__Output[] = [];
    for await (const page of this.listJobPages(req)) for (const j of page) out.push(j);
    return out;
  }

  /**
   * Every job, a page at a time (following next_page_token until the last page), so that a long
   * listing can be shown or filtered as it comes instead of held whole. Ask for `view:
   * 'JOB_VIEW_BASIC'` when the jobs' scripts and environments are not needed. The next page is
   * asked for before this one is decoded (its token is read from the answer's bytes first), so the
   * server encodes a page while this side decodes the one before.
   */
  async *listJobPages(req: ListJobsRequest = {}): AsyncGenerator<Job__Output[]> {
    const method = this.raw.ListJobs as unknown as grpc.MethodDefinition<ListJobsRequest, ListJobsResponse__Output>;
    const fetch = (page_token: string): Promise<Buffer> => {
      const p = new Promise<Buffer>((resolve, reject) => {
        this.raw.makeUnaryRequest(method.path, method.requestSerialize, (b: Buffer) => b, { ...req, page_token }, this.callMetadata(), { deadline: Date.now() + this.timeoutMs },
          (err, res) => { if (err) reject(err); else resolve(res as Buffer); });
      });
      p.catch(() => undefined); // a page asked for ahead and never awaited (the caller stopped early)
      return p;
    };
    let next: Promise<Buffer> | undefined = fetch('');
    while (next) {
      const bytes = await next;
      const token = nextPageToken(bytes);
      next = token === '' ? undefined : fetch(token);
      yield method.responseDeserialize(bytes).jobs;
    }
  }

  /**
   * Streams job changes as an async iterable. Pass `since_revision` (the last revision seen) to
   * resume after a reconnect without missing an event. Break out of the loop to cancel.
   */
  async *watchJobs(req: WatchJobsRequest = {}): AsyncGenerator<JobEvent__Output> {
    const call = this.raw.WatchJobs(req, this.callMetadata());
    try {
      for await (const ev of call as AsyncIterable<JobEvent__Output>) yield ev;
    } finally {
      call.cancel();
    }
  }

  close(): void { this.raw.close(); }
}

/**
 * A ListJobsResponse's next_page_token (field 2), read from its encoding without decoding the
 * jobs (field 1): the fields are walked by their tags and lengths.
 */
function nextPageToken(b: Buffer): string {
  const varint = (): number => {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = b[at++];
      if (byte === undefined) throw new Error('fleetq: a ListJobs answer ends inside a field');
      v += (byte & 0x7f) * shift;
      if (byte < 0x80) return v;
    }
  };
  let at = 0;
  let token = '';
  while (at < b.length) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const len = varint();
      if (Math.floor(tag / 8) === 2) token = b.toString('utf8', at, at + len);
      at += len;
    } else throw new Error(`fleetq: a ListJobs answer has a field of wire type ${wire}`);
  }
  return token;
}

/** Connects to a fleetq daemon (lazily: the first call dials). */
export function connect(opts: ConnectOptions = {}): FleetqClient {
  return new FleetqClient(opts);
}
