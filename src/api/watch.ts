/**
 * WatchJobs' fan-out. One listener on the job service serves every open stream: each change is
 * encoded once, as a framed gRPC message, for all the watchers that get it, and at the end of the
 * event-loop turn each watcher's events go out in one HTTP/2 write; watchers that take every event
 * of the turn (no `ids`, all jobs visible) write the same buffer. A message written through
 * grpc-js costs a few microseconds of its stream machinery (and a copy); with 50 watchers of
 * 10,000 submits that was 500,000 writes, most of the daemon's time. Now it is 10,000 encodings
 * and about one write per watcher per turn.
 */
import * as grpc from '@grpc/grpc-js';
import type { JobEvent } from '../gen/fleetq/v1/JobEvent.js';
import type { WatchJobsRequest__Output } from '../gen/fleetq/v1/WatchJobsRequest.js';
import type { JobService, ChangeEvent } from '../jobs/service.js';
import type { JobRecord } from '../jobs/model.js';
import type { Logger } from '../util/log.js';
import { toJobEvent } from './views.js';

/** How long a WatchJobs client may stay more than server.watch_max_pending events behind. */
const WATCH_STALL_MS = 5000;

export interface WatchOptions {
  jobs: JobService;
  /** The server's name, for the ids of jobs gone from memory. */
  server: string;
  /** Encodes one JobEvent (WatchJobs' serializer; schedulerService). */
  encodeEvent: (e: JobEvent) => Buffer;
  /** Events a stream may have waiting for a slow client before it is ended (server.watch_max_pending). */
  maxPending: number;
  log: Logger;
}

type WatchCall = grpc.ServerWritableStream<WatchJobsRequest__Output, JobEvent>;

/** A gRPC length-prefixed message: flag 0 (not compressed), length (4 bytes, big-endian), the message. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 5);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/**
 * The HTTP/2 stream under a grpc-js server call, to write many framed messages at once. grpc-js
 * 1.10 to 1.14 keep it, unexported, at `call.call.stream` when no interceptor stands between;
 * undefined otherwise, and the watcher then writes each event through the call (the same bytes,
 * one write each).
 */
function http2StreamOf(call: WatchCall): RawStream | undefined {
  const inner = (call as unknown as { call?: { stream?: unknown; sendMetadata?: unknown } }).call;
  const s = inner?.stream as { write?: unknown; respond?: unknown; destroyed?: unknown; writableEnded?: unknown } | undefined;
  const ok = typeof inner?.sendMetadata === 'function' && typeof s?.write === 'function' && typeof s.respond === 'function'
    && typeof s.destroyed === 'boolean' && typeof s.writableEnded === 'boolean';
  return ok ? s as RawStream : undefined;
}

/** What a watcher uses of the HTTP/2 stream. */
type RawStream = NodeJS.WritableStream & { readonly destroyed: boolean; readonly writableEnded: boolean };

/** One open WatchJobs stream. */
class Watcher {
  /** Framed events not yet written, and how many of them are the turn's shared frames. */
  queue: Buffer[] = [];
  shared = 0;
  /** Events handed to the HTTP/2 stream and not yet flushed from it. */
  private inFlight = 0;
  private stalled: NodeJS.Timeout | undefined;
  ended = false;
  /** The revision of the last event taken: a live event the replay already sent is not sent again. */
  last = 0;

  constructor(
    readonly call: WatchCall,
    /** Whether this watcher gets the event of job `seq`. */
    readonly wants: (seq: number) => boolean,
    private readonly raw: RawStream | undefined,
    private readonly maxPending: number,
    private readonly onEnd: (w: Watcher) => void,
  ) {}

  /** Events waiting for the client: queued here, then in the stream until it flushes them. */
  private waiting(): number { return this.queue.length + (this.raw ? this.inFlight : this.call.writableLength); }

  /**
   * Takes one framed event. A client that falls more than maxPending events behind and does not
   * catch up within WATCH_STALL_MS (a burst it is reading through is fine), or falls ten times
   * that behind, is cut off with RESOURCE_EXHAUSTED: a slow or dead client can neither slow the
   * daemon nor grow its memory without bound. It watches again from the last revision it received.
   */
  push(framed: Buffer, shared: boolean): void {
    if (this.ended) return;
    this.queue.push(framed);
    if (shared) this.shared++;
    const waiting = this.waiting();
    if (waiting > 10 * this.maxPending) this.cut();
    else if (waiting > this.maxPending && !this.stalled) {
      this.stalled = setTimeout(() => { this.stalled = undefined; if (this.waiting() > this.maxPending) this.cut(); }, WATCH_STALL_MS);
      this.stalled.unref();
    }
  }

  /** Writes what is queued: `all` when it is exactly the queue (the turn's shared buffer), else the queue joined. */
  flush(all: () => Buffer, turnLength: number): void {
    const q = this.queue;
    const n = q.length;
    const whole = n === turnLength && this.shared === n;
    this.queue = [];
    this.shared = 0;
    if (this.ended || n === 0) return;
    if (!this.raw) {
      if (this.call.writableEnded) return;
      for (const f of q) this.call.write(f.subarray(5) as unknown as JobEvent); // the serializer takes encoded events as they are
      return;
    }
    if (this.raw.destroyed || this.raw.writableEnded) return; // ended by grpc-js (a deadline, the status sent)
    this.inFlight += n;
    this.raw.write(whole ? all() : n === 1 ? q[0]! : Buffer.concat(q), () => { this.inFlight -= n; });
  }

  private cut(): void {
    this.stop();
    this.call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `WatchJobs: the client reads too slowly (over ${this.maxPending} events waiting, server.watch_max_pending); watch again with since_revision = the last revision received` });
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    if (this.stalled) clearTimeout(this.stalled);
    this.onEnd(this);
  }
}

/** The WatchJobs streams of one server. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  /** The framed events of this turn, in order, each the first time a watcher takes it; written at its end. */
  private turn: Buffer[] = [];
  private turnBuffer: Buffer | undefined;
  private flushing: NodeJS.Immediate | undefined;
  private fallbackLogged = false;

  constructor(private readonly o: WatchOptions) {}

  /**
   * Serves one WatchJobs call: replays the journaled events after since_revision (when given),
   * then streams live ones, without gaps or repeats. `visible` says which jobs the caller may see.
   */
  watch(call: WatchCall, visible: (j: JobRecord) => boolean): void {
    const { jobs } = this.o;
    const ids = new Set(call.request.ids.map((id) => { try { return jobs.find(id).seq; } catch { return -1; } }));
    const wants = (seq: number): boolean => {
      if (ids.size > 0 && !ids.has(seq)) return false;
      const j = jobs.get(seq);
      return j === undefined || visible(j);
    };
    const raw = http2StreamOf(call);
    if (raw) call.sendMetadata(new grpc.Metadata()); // the response headers, before the first raw write
    else if (!this.fallbackLogged) { this.fallbackLogged = true; this.o.log.warn('WatchJobs: the call\'s HTTP/2 stream is not reachable (grpc-js version?); events are written one by one'); }
    const w = new Watcher(call, wants, raw, this.o.maxPending, (x) => this.drop(x));
    call.on('cancelled', () => w.stop());
    call.on('close', () => w.stop());
    call.on('error', () => w.stop());
    // The replay is synchronous: no live event can come between it and joining the live ones.
    w.last = call.request.since_revision;
    if (w.last > 0) {
      for (const e of jobs.storeEventsAfter(w.last)) {
        w.last = e.revision;
        if (!wants(e.seq)) continue;
        w.push(frame(this.o.encodeEvent(toJobEvent(e, jobs.get(e.seq), this.o.server))), false);
        if (w.ended) return;
      }
      this.schedule();
    }
    if (this.watchers.size === 0) jobs.on('change', this.onChange);
    this.watchers.add(w);
  }

  private readonly onChange = (c: ChangeEvent): void => {
    let framed: Buffer | undefined;
    for (const w of this.watchers) {
      if (c.event.revision <= w.last || !w.wants(c.event.seq)) continue;
      w.last = c.event.revision;
      if (!framed) {
        framed = frame(this.o.encodeEvent(toJobEvent(c.event, c.job, this.o.server)));
        this.turn.push(framed);
        this.turnBuffer = undefined;
        this.schedule();
      }
      w.push(framed, true);
    }
  };

  private schedule(): void { this.flushing ??= setImmediate(() => this.flush()); }

  /** The end of a turn: each watcher writes what it took. */
  private flush(): void {
    this.flushing = undefined;
    const turn = this.turn;
    this.turn = [];
    const all = (): Buffer => (this.turnBuffer ??= Buffer.concat(turn));
    for (const w of this.watchers) w.flush(all, turn.length);
    this.turnBuffer = undefined;
  }

  private drop(w: Watcher): void {
    this.watchers.delete(w);
    if (this.watchers.size === 0) this.o.jobs.off('change', this.onChange);
  }
}
