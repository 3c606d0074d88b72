/**
 * The daemon's side of agent.proto: accepts agents' Connect streams, keeps which node each stream
 * serves, forwards launches and signals, and turns what agents report into calls on its listener
 * (the daemon wires that to the job service and the node registry). Knows streams, not policy.
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { AgentHandlers } from '../gen/fleetq/v1/Agent.js';
import type { AgentMessage__Output } from '../gen/fleetq/v1/AgentMessage.js';
import type { DaemonMessage } from '../gen/fleetq/v1/DaemonMessage.js';
import type { Register__Output } from '../gen/fleetq/v1/Register.js';
import type { JobEnded__Output } from '../gen/fleetq/v1/JobEnded.js';
import type { JobUsage__Output } from '../gen/fleetq/v1/JobUsage.js';
import type { Launch } from '../gen/fleetq/v1/Launch.js';
import type { ExecOpen } from '../gen/fleetq/v1/ExecOpen.js';
import type { ExecInput } from '../gen/fleetq/v1/ExecInput.js';
import type { Logger } from '../util/log.js';

export interface HubListener {
  registered(r: Register__Output): void;
  /** The node's agent went away, or fell silent (`why` says which). */
  disconnected(node: string, why: string): void;
  heartbeat(node: string, running: string[]): void;
  /** What a job's processes on the node used so far (with heartbeats, and when its last command there ends). */
  usage(node: string, u: JobUsage__Output): void;
  started(node: string, jobId: string, pid: number): void;
  /** A spot interruption or rebalance notice for the node (from its metadata service). */
  notice(node: string, kind: string, action: string, time: string): void;
  /** Must resolve once the end is durable; the hub then acknowledges it to the agent. */
  ended(node: string, e: JobEnded__Output): Promise<void>;
}

type Stream = grpc.ServerDuplexStream<AgentMessage__Output, DaemonMessage>;

/** Where an exec's output and end go (the Exec RPC relaying it to `fleetq rsh`). */
export interface ExecSink { output(fd: number, data: Buffer): void; done(code: number, signal: string, error: string): void }

export class AgentHub {
  private readonly streams = new Map<string, Stream>();
  private readonly token: Buffer;
  /** Open execs: id → its node and sink (ended when the agent reports it done, or its node goes). */
  private readonly execs = new Map<string, { node: string; sink: ExecSink }>();
  /** When each connected node's agent last said anything (ms). */
  private readonly lastSeen = new Map<string, number>();
  private execSeq = 0;

  constructor(token: string, private readonly listener: HubListener, private readonly log: Logger) {
    this.token = Buffer.from(token);
  }

  connected(node: string): boolean { return this.streams.has(node); }
  nodes(): string[] { return [...this.streams.keys()]; }

  /** Sends a message to a node's agent; false when the node has no agent connected. */
  send(node: string, m: DaemonMessage): boolean {
    const s = this.streams.get(node);
    if (!s) return false;
    s.write(m);
    return true;
  }

  launch(node: string, l: Launch): boolean { return this.send(node, { launch: l }); }
  signal(node: string, jobId: string, signal: string, thenKill: boolean): boolean {
    return this.send(node, { signal: { job_id: jobId, signal, then_kill: thenKill } });
  }

  /**
   * Starts a command for a job on `node` through its agent; the sink hears its output and end. Returns
   * the exec's id (for input/signals), or undefined when the node has no agent connected.
   */
  exec(node: string, open: Omit<ExecOpen, 'exec_id'>, sink: ExecSink): string | undefined {
    const id = `x${++this.execSeq}`;
    if (!this.send(node, { exec_open: { ...open, exec_id: id } })) return undefined;
    this.execs.set(id, { node, sink });
    return id;
  }

  /** Stdin bytes, end of stdin, or a signal for an open exec; false when it is not open. */
  execInput(id: string, input: Omit<ExecInput, 'exec_id'>): boolean {
    const e = this.execs.get(id);
    return e !== undefined && this.send(e.node, { exec_input: { ...input, exec_id: id } });
  }

  /**
   * Drops the agents that have said nothing for `silentMs` (missed heartbeats: a hung machine, a
   * network cut that left the connection open): their nodes go down as if they had disconnected.
   * An agent that comes back registers again. Returns the nodes dropped.
   */
  dropSilent(silentMs: number, nowMs = Date.now()): string[] {
    const dropped: string[] = [];
    for (const [node, s] of this.streams) {
      const seen = this.lastSeen.get(node) ?? nowMs;
      if (nowMs - seen <= silentMs) continue;
      const why = `no heartbeat from its agent for ${Math.round((nowMs - seen) / 1000)} s`;
      this.log.warn({ node, silent_ms: nowMs - seen }, 'agent silent: node down');
      this.forget(node, s, why);
      s.emit('error', { code: grpc.status.UNAVAILABLE, details: `node ${node}: ${why}` });
      dropped.push(node);
    }
    return dropped;
  }

  /** A node's stream is gone: its execs end, its node is reported down. */
  private forget(node: string, s: Stream, why: string): void {
    if (this.streams.get(node) !== s) return;
    this.streams.delete(node);
    this.lastSeen.delete(node);
    for (const [id, e] of this.execs) if (e.node === node) { this.execs.delete(id); e.sink.done(255, '', `node ${node}: ${why}`); }
    this.listener.disconnected(node, why);
  }

  /** Asks every agent to exit once its jobs are done, and closes the streams. */
  shutdown(): void {
    for (const s of this.streams.values()) { s.write({ shutdown: {} }); s.end(); }
    this.streams.clear();
  }

  private authorised(md: grpc.Metadata): boolean {
    const got = Buffer.from(String(md.get('x-fleetq-agent-token')[0] ?? ''));
    return got.length === this.token.length && timingSafeEqual(got, this.token);
  }

  /**
   * The Agent service. On the mutual-TLS listener (agent.listen) the node's certificate, issued by
   * the cluster CA, is its credential, and an agent may register only as the node its certificate
   * names; elsewhere (the local socket) the shared agent token.
   */
  handlers(o: { mtls?: boolean } = {}): AgentHandlers {
    return {
      Connect: (s: Stream) => {
        let certNode: string | undefined;
        if (o.mtls) {
          const cn = s.getAuthContext().sslPeerCertificate?.subject?.CN;
          certNode = Array.isArray(cn) ? cn[0] : cn;
          if (!certNode) { s.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'agent: no client certificate from the cluster CA (fleetq admin cert NODE)' }); return; }
        } else if (!this.authorised(s.metadata)) {
          s.emit('error', { code: grpc.status.PERMISSION_DENIED, details: 'x-fleetq-agent-token: missing or wrong agent token' });
          return;
        }
        let node = '';
        s.on('data', (m: AgentMessage__Output) => {
          if (certNode !== undefined && m.msg === 'register' && m.register && m.register.node !== certNode) {
            this.log.warn({ node: m.register.node, certificate: certNode }, 'agent refused: its certificate names another node');
            s.emit('error', { code: grpc.status.PERMISSION_DENIED, details: `register.node: the certificate is for node ${certNode}, not ${m.register.node}` });
            return;
          }
          node = this.onMessage(s, node, m);
        });
        const gone = (): void => {
          if (node !== '' && this.streams.get(node) === s) {
            this.log.warn({ node }, 'agent disconnected');
            this.forget(node, s, 'agent disconnected');
          }
        };
        s.on('end', () => { gone(); s.end(); });
        s.on('error', gone);
        s.on('cancelled', gone);
      },
    };
  }

  private onMessage(s: Stream, node: string, m: AgentMessage__Output): string {
    const seen = m.msg === 'register' ? m.register?.node ?? node : node;
    if (seen !== '') this.lastSeen.set(seen, Date.now());
    if (m.msg === 'register' && m.register) {
      const r = m.register;
      if (!/^[\w.-]{1,64}$/.test(r.node)) { s.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `register.node: '${r.node}' is not a node name` }); return node; }
      const old = this.streams.get(r.node);
      if (old && old !== s) old.end();
      this.streams.set(r.node, s);
      this.log.info({ node: r.node, pid: r.pid, running: r.running.length, ended: r.ended.length }, 'agent registered');
      s.write({ registered: { node: r.node } });
      this.listener.registered(r);
      for (const e of r.ended) this.ack(r.node, e);
      return r.node;
    }
    if (node === '') return node; // nothing but Register before registering
    if (m.msg === 'heartbeat' && m.heartbeat) {
      this.listener.heartbeat(node, m.heartbeat.running.map((x) => x.job_id));
      for (const u of m.heartbeat.usage) this.listener.usage(node, u);
    } else if (m.msg === 'usage' && m.usage) this.listener.usage(node, m.usage);
    else if (m.msg === 'started' && m.started) this.listener.started(node, m.started.job_id, m.started.pid);
    else if (m.msg === 'ended' && m.ended) this.ack(node, m.ended);
    else if (m.msg === 'notice' && m.notice) this.listener.notice(node, m.notice.kind, m.notice.action, m.notice.time);
    else if (m.msg === 'exec_output' && m.exec_output) this.execs.get(m.exec_output.exec_id)?.sink.output(m.exec_output.fd, m.exec_output.data);
    else if (m.msg === 'exec_done' && m.exec_done) {
      const e = this.execs.get(m.exec_done.exec_id);
      this.execs.delete(m.exec_done.exec_id);
      e?.sink.done(m.exec_done.code, m.exec_done.signal, m.exec_done.error);
    }
    return node;
  }

  private ack(node: string, e: JobEnded__Output): void {
    this.listener.ended(node, e).then(
      () => this.send(node, { ack_ended: { job_id: e.job_id } }),
      (err: Error) => this.log.error({ node, job: e.job_id, err: err.message }, 'recording job end failed; agent will resend'),
    );
  }
}
