/**
 * Feeds fair-share usage from the job service: a job that starts counts against its user and
 * account while it runs (FairShare.startRunning), and when it finishes (or is requeued) it is
 * charged ncpus × the walltime it used, at its end. At attach, the jobs already in the store
 * rebuild the usage: finished ones are charged at their end time, running ones count from their
 * start. (A run that was requeued before the daemon restarted is not in the store's job records,
 * so it is not charged again after a restart.) A job array's subjobs are charged one by one; the
 * array's parent record, which only sums them up, never is.
 */
import type { JobRecord, JobState } from '../jobs/model.js';
import type { ChangeEvent } from '../jobs/service.js';
import { type FairShare } from './priority.js';

/** What UsageRecorder needs of the job service (JobService has it). */
export interface JobSource {
  /** Jobs and arrays' subjobs in these states. */
  inStates(...states: JobState[]): Iterable<JobRecord>;
  on(event: 'change', listener: (c: ChangeEvent) => void): unknown;
  off(event: 'change', listener: (c: ChangeEvent) => void): unknown;
}

export class UsageRecorder {
  constructor(private readonly fs: FairShare) {}

  /**
   * Charges the jobs `jobs` already holds, then follows its changes. Returns the function that
   * stops following (for the daemon's closers). Attach once per FairShare: a second attach would
   * charge the finished jobs twice.
   */
  attach(jobs: JobSource): () => void {
    for (const j of jobs.inStates('JOB_STATE_FINISHED', 'JOB_STATE_RUNNING', 'JOB_STATE_EXITING')) {
      if (j.array) continue;
      if (j.state === 'JOB_STATE_FINISHED') this.charge(j, j.end_time_unix, usedSeconds(j));
      else if (j.state === 'JOB_STATE_RUNNING' || j.state === 'JOB_STATE_EXITING') this.fs.startRunning(j.id, j.spec.user, j.spec.account, ncpusOf(j), j.start_time_unix);
    }
    const listener = (c: ChangeEvent): void => this.onChange(c);
    jobs.on('change', listener);
    return () => { jobs.off('change', listener); };
  }

  private onChange({ event, job }: ChangeEvent): void {
    if (job.array) return; // a parent's 'finished' sums up subjobs already charged
    switch (event.kind) {
      case 'started':
        this.fs.startRunning(job.id, job.spec.user, job.spec.account, ncpusOf(job), job.start_time_unix);
        break;
      case 'finished':
        this.fs.stopRunning(job.id);
        this.charge(job, job.end_time_unix, usedSeconds(job));
        break;
      case 'requeued': // the run so far was used, though the job runs again later
        if (this.fs.stopRunning(job.id)) this.charge(job, event.time_unix, Math.max(0, event.time_unix - job.start_time_unix));
        break;
      default:
    }
  }

  private charge(j: JobRecord, at: number, seconds: number): void {
    if (j.start_time_unix <= 0) return; // never ran: deleted or failed before a start
    this.fs.charge(j.spec.user, j.spec.account, ncpusOf(j) * seconds, at);
  }
}

/** The cpus the job holds: its allocation, else what it asked for. */
export function ncpusOf(j: JobRecord): number {
  if (j.alloc.length > 0) return j.alloc.reduce((s, a) => s + a.ncpus, 0);
  return (j.resources?.chunks ?? []).reduce((s, c) => s + c.count * c.ncpus, 0);
}

/** Walltime the agent reported; for an end it did not report (forced qdel, lost node), end − start. */
function usedSeconds(j: JobRecord): number {
  if (j.used_walltime_seconds > 0) return j.used_walltime_seconds;
  return Math.max(0, j.end_time_unix - j.start_time_unix);
}
