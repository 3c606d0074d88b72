/**
 * The durable store: LMDB through lmdb-js, in $FLEETQ_HOME/db. It knows records, not gRPC and not
 * scheduling policy. Databases:
 *   jobs     seq → job record             nodes    name → node record
 *   events   [seq, revision] → event      revlog   revision → seq   (server-wide order, for watch resume)
 *   requests request_id → seq             meta     'schema' | 'next_seq' | 'revision' → number
 *   queues   name → queue record
 *   subjobs  [seq, index] → subjob record: only subjobs of job arrays that have started (or were
 *            deleted on their own); the rest live compactly in their parent's record under seq
 * Every change goes through `commit`, one LMDB write transaction that resolves only once it is
 * durable on disk; commits issued in the same event-loop turn share one transaction (lmdb-js batches
 * them), so concurrent submits share fsyncs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';

export const SCHEMA_VERSION = 1;

export interface EventRecord {
  revision: number;
  seq: number;
  kind: string;
  state: string;
  time_unix: number;
  message: string;
  /** A subjob's event: the subjob's id (seq is its array's). */
  id?: string;
}

/** One atomic change: everything in it is written in one transaction, or nothing is. */
export interface Batch<J, N, Q> {
  jobs?: J[];
  /** Subjob records, keyed by their parent's seq and their array_index. */
  subjobs?: J[];
  events?: EventRecord[];
  requests?: Array<[string, number]>;
  nodes?: N[];
  queues?: Q[];
  meta?: { next_seq?: number; revision?: number };
}

export class StoreError extends Error {
  /** The write failed for want of space (the disk, or the LMDB map): nothing was written, all before stands. */
  readonly full: boolean;
  constructor(message: string, options?: { cause?: unknown; full?: boolean }) { super(message, options); this.name = 'StoreError'; this.full = options?.full ?? false; }
}

/** A write's promise inside a transaction: its failure is the transaction's, reported there. */
function quiet(p: Promise<unknown>): void { p.catch(() => undefined); }

/** What the store needs of a job record: its seq, and its index when it is a subjob. */
export interface Keyed { seq: number; array_index?: number }

export class Store<J extends Keyed, N extends { name: string }, Q extends { name: string }> {
  private readonly root: RootDatabase;
  private readonly jobs: Database<J, number>;
  private readonly subjobs: Database<J, [number, number]>;
  private readonly events: Database<EventRecord, [number, number]>;
  private readonly revlog: Database<number, number>;
  private readonly requests: Database<number, string>;
  private readonly nodes: Database<N, string>;
  private readonly queues: Database<Q, string>;
  private readonly meta: Database<number, string>;

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: join(dir, 'fleetq.mdb'), maxDbs: 16, mapSize: 4 * 1024 ** 3 });
    this.jobs = this.root.openDB({ name: 'jobs', keyEncoding: 'uint32' });
    this.events = this.root.openDB({ name: 'events' });
    this.subjobs = this.root.openDB({ name: 'subjobs' });
    this.revlog = this.root.openDB({ name: 'revlog', keyEncoding: 'uint32' });
    this.requests = this.root.openDB({ name: 'requests' });
    this.nodes = this.root.openDB({ name: 'nodes' });
    this.queues = this.root.openDB({ name: 'queues' });
    this.meta = this.root.openDB({ name: 'meta' });
  }

  /** Opens (creating if new) the store in `dir`; refuses a store written by a newer schema. */
  static async open<J extends Keyed, N extends { name: string }, Q extends { name: string }>(dir: string): Promise<Store<J, N, Q>> {
    const s = new Store<J, N, Q>(dir);
    const v = s.meta.get('schema');
    if (v === undefined) await s.meta.put('schema', SCHEMA_VERSION);
    else if (v > SCHEMA_VERSION) throw new StoreError(`store ${dir} has schema version ${v}; this fleetq reads up to ${SCHEMA_VERSION}`);
    return s;
  }

  schemaVersion(): number { return this.meta.get('schema') ?? 0; }
  nextSeq(): number { return this.meta.get('next_seq') ?? 1; }
  revision(): number { return this.meta.get('revision') ?? 0; }

  allJobs(): J[] { return Array.from(this.jobs.getRange({}).map(({ value }) => value)); }
  /** Every stored subjob record, by parent seq then index. */
  allSubjobs(): J[] { return Array.from(this.subjobs.getRange({}).map(({ value }) => value)); }
  allNodes(): N[] { return Array.from(this.nodes.getRange({}).map(({ value }) => value)); }
  allQueues(): Q[] { return Array.from(this.queues.getRange({}).map(({ value }) => value)); }
  getJob(seq: number): J | undefined { return this.jobs.get(seq); }
  seqForRequest(requestId: string): number | undefined { return this.requests.get(requestId); }

  /** The event journal of one job, oldest first. */
  jobEvents(seq: number): EventRecord[] {
    return Array.from(this.events.getRange({ start: [seq, 0], end: [seq, Number.MAX_SAFE_INTEGER] }).map(({ value }) => value));
  }

  /** Events with revision > `after`, in revision order (for resuming a watch). */
  *eventsAfter(after: number): Generator<EventRecord> {
    for (const { key, value: seq } of this.revlog.getRange({ start: after + 1 })) {
      const ev = this.events.get([seq, key]);
      if (ev) yield ev;
    }
  }

  /** Writes a batch in one transaction; resolves when it is durable. */
  async commit(b: Batch<J, N, Q>): Promise<void> {
    try {
      await this.root.transaction(() => {
        for (const j of b.jobs ?? []) quiet(this.jobs.put(j.seq, j));
        for (const j of b.subjobs ?? []) quiet(this.subjobs.put([j.seq, j.array_index ?? 0], j));
        for (const e of b.events ?? []) { quiet(this.events.put([e.seq, e.revision], e)); quiet(this.revlog.put(e.revision, e.seq)); }
        for (const [rid, seq] of b.requests ?? []) quiet(this.requests.put(rid, seq));
        for (const n of b.nodes ?? []) quiet(this.nodes.put(n.name, n));
        for (const q of b.queues ?? []) quiet(this.queues.put(q.name, q));
        if (b.meta?.next_seq !== undefined) quiet(this.meta.put('next_seq', b.meta.next_seq));
        if (b.meta?.revision !== undefined) quiet(this.meta.put('revision', b.meta.revision));
      });
    } catch (e) {
      // lmdb-js gives the reason as a promise (commitError) that rejects with the write thread's error.
      const pending = (e as { commitError?: unknown }).commitError;
      const cause = pending instanceof Promise
        ? await Promise.race([pending.then(() => e, (x: unknown) => x), new Promise((r) => { setTimeout(() => r(e), 1000).unref(); })])
        : e;
      const why = `${(e as Error).message} ${(cause as Error)?.message ?? ''}`;
      throw new StoreError(`store commit failed: ${(cause as Error)?.message ?? why}`, { cause: e, full: /ENOSPC|No space left|MDB_MAP_FULL|map full|Input\/output error|EIO/i.test(why) });
    }
  }

  async close(): Promise<void> { await this.root.close(); }
}
