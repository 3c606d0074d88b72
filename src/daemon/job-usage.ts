/**
 * What each running job used on each of its nodes, as their agents report it (with heartbeats, and
 * a final report when nothing of the job is left on a node). The job's resources_used is the sum
 * over its nodes: its first node's end report plus what its other nodes reported. A node's final
 * report can come a moment after the job's end (its processes end when the job's script does):
 * for a while after the end such reports still amend the finished job. Kept in memory: after a
 * daemon restart, the other nodes' part counts from their next report.
 */
export interface NodeUsage { cput_seconds: number; mem_bytes: number }

/** How long after a job's end its nodes' late reports still count. */
const LATE_MS = 60_000;

export class JobNodeUsage {
  private readonly byJob = new Map<string, Map<string, NodeUsage>>();
  private readonly ended = new Map<string, NodeJS.Timeout>();

  constructor(private readonly o: {
    /** A running job's new total (for qstat while it runs); false when the job is not running. */
    sample: (jobId: string, total: NodeUsage) => boolean;
    /** A finished job's total grew by a late report. */
    amend: (jobId: string, total: NodeUsage) => void;
  }) {}

  report(jobId: string, node: string, u: NodeUsage): void {
    let m = this.byJob.get(jobId);
    if (!m) { m = new Map(); this.byJob.set(jobId, m); }
    const old = m.get(node);
    m.set(node, { cput_seconds: Math.max(u.cput_seconds, old?.cput_seconds ?? 0), mem_bytes: Math.max(u.mem_bytes, old?.mem_bytes ?? 0) });
    if (this.ended.has(jobId)) this.o.amend(jobId, this.sum(m));
    else if (!this.o.sample(jobId, this.sum(m))) this.forget(jobId); // a job not running (a stale report)
  }

  /** The job ended on `node` (its first) with this report: its total over all its nodes. */
  end(jobId: string, node: string, last: NodeUsage): NodeUsage {
    let m = this.byJob.get(jobId);
    if (!m) { m = new Map(); this.byJob.set(jobId, m); }
    m.set(node, last);
    this.finished(jobId);
    return this.sum(m);
  }

  /** The job finished (however): late reports amend it for a while, then it is forgotten. */
  finished(jobId: string): void {
    if (this.ended.has(jobId)) return;
    this.ended.set(jobId, setTimeout(() => this.forget(jobId), LATE_MS).unref());
  }

  forget(jobId: string): void {
    this.byJob.delete(jobId);
    const t = this.ended.get(jobId);
    if (t) clearTimeout(t);
    this.ended.delete(jobId);
  }

  private sum(m: Map<string, NodeUsage>): NodeUsage {
    let cput_seconds = 0; let mem_bytes = 0;
    for (const u of m.values()) { cput_seconds += u.cput_seconds; mem_bytes += u.mem_bytes; }
    return { cput_seconds, mem_bytes };
  }
}
