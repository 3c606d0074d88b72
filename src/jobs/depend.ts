/**
 * Job dependencies as PBS has them (`-W depend=type:jobid[:jobid…][,type:…]`): `after` (the job
 * has started), `afterok` (it ended with exit status 0), `afternotok` (it ended otherwise),
 * `afterany` (it ended). Pure: given the jobs named, says whether a dependent may run, must wait,
 * or never can — and why, in words for its comment.
 */
import { FleetqError } from '../util/errors.js';
import { parseJobId, type JobRecord } from './model.js';

export type DependType = 'after' | 'afterok' | 'afternotok' | 'afterany';
export interface Dependency { type: DependType; seqs: number[] }

const TYPES = new Set<string>(['after', 'afterok', 'afternotok', 'afterany']);
const LATER = new Set<string>(['before', 'beforeok', 'beforenotok', 'beforeany', 'on']);

function bad(reason: string): FleetqError {
  return new FleetqError('BAD_DEPEND', `depend: ${reason}`, { field: 'depend' });
}

/** Parses a depend list; BAD_DEPEND (PBS: Invalid Job Dependency) naming what is wrong. */
export function parseDepend(text: string): Dependency[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const [type = '', ...ids] = part.trim().split(':');
    if (LATER.has(type)) throw bad(`'${type}' dependencies are not supported by fleetq yet (after, afterok, afternotok, afterany are)`);
    if (!TYPES.has(type)) throw bad(`'${type}' is not a dependency type (after, afterok, afternotok, afterany)`);
    if (ids.length === 0) throw bad(`'${part}' names no job`);
    const seqs = ids.map((id) => {
      const seq = parseJobId(id);
      if (seq === undefined) throw bad(`'${id}' is not a job id`);
      return seq;
    });
    return { type: type as DependType, seqs };
  });
}

export type DependState = 'met' | 'wait' | 'never';

/** One dependency on one job: met now, not yet, or never (with why). */
export function dependencyOn(type: DependType, job: JobRecord | undefined): { state: DependState; why: string } {
  if (!job) return { state: 'never', why: 'the job is unknown' };
  const ended = job.state === 'JOB_STATE_FINISHED';
  const ran = job.run_count > 0 || job.start_time_unix > 0;
  switch (type) {
    case 'after':
      if (ran) return { state: 'met', why: '' };
      return ended ? { state: 'never', why: `${job.id} was deleted before it ran` } : { state: 'wait', why: '' };
    case 'afterany':
      return ended ? { state: 'met', why: '' } : { state: 'wait', why: '' };
    case 'afterok':
      if (!ended) return { state: 'wait', why: '' };
      if (job.has_exit_status && job.exit_status === 0) return { state: 'met', why: '' };
      return { state: 'never', why: job.has_exit_status ? `${job.id} ended with exit status ${job.exit_status}` : `${job.id} was deleted before it ran` };
    case 'afternotok':
      if (!ended) return { state: 'wait', why: '' };
      return job.has_exit_status && job.exit_status === 0 ? { state: 'never', why: `${job.id} ended with exit status 0` } : { state: 'met', why: '' };
  }
}

export interface Evaluation {
  state: DependState;
  /** What is still awaited, PBS-style: `afterok:12.srv,after:13.srv`. */
  waiting: string;
  /** Why it can never be met (set when state is never). */
  why: string;
}

/** All of a job's dependencies: never if any is never, wait if any waits, else met. */
export function evaluate(deps: readonly Dependency[], lookup: (seq: number) => JobRecord | undefined): Evaluation {
  const waiting: string[] = [];
  for (const d of deps) {
    for (const seq of d.seqs) {
      const job = lookup(seq);
      const r = dependencyOn(d.type, job);
      if (r.state === 'never') return { state: 'never', waiting: '', why: `${d.type}:${job?.id ?? seq}: ${r.why}` };
      if (r.state === 'wait') waiting.push(`${d.type}:${job?.id ?? seq}`);
    }
  }
  return { state: waiting.length > 0 ? 'wait' : 'met', waiting: waiting.join(','), why: '' };
}
