/**
 * The API's views of the daemon's records: a job as GetJob and ListJobs' FULL view show it, the
 * BASIC view that job tables list, and a journal entry as a WatchJobs event.
 */
import type { Job } from '../gen/fleetq/v1/Job.js';
import type { JobEvent } from '../gen/fleetq/v1/JobEvent.js';
import { isPending, type JobRecord, type JobState } from '../jobs/model.js';
import { formatParts, priorityInputOf, type PriorityCalculator } from '../scheduler/priority.js';
import type { EventRecord } from '../store/index.js';

/**
 * The API's view of a job: the record without the daemon's private fields; with a calculator, a
 * pending job also gets its priority at `now` (unix seconds) and its parts.
 */
export function toProtoJob(j: JobRecord, priority?: PriorityCalculator, now = Math.floor(Date.now() / 1000)): Job {
  const { alloc: _a, request_id: _r, kill_reason: _k, arr: _arr, estimated_start_time_unix: est, ...pub } = j;
  // The estimate is the scheduler's latest word on a job that still waits; it means nothing after.
  if (est && isPending(j.state)) (pub as Job).estimated_start_time_unix = est;
  if (!priority || !isPending(j.state)) return pub;
  const p = priority.of(priorityInputOf(j), now);
  return { ...pub, sched_priority: p.total, sched_priority_parts: formatParts(p) };
}

/**
 * ListJobs' BASIC view (JobView in scheduler.proto): what job tables show and filter on, built
 * field by field — no script, variables or other spec text, no paths, no priority computed — so a
 * table of 100,000 jobs costs a fraction of FULL's building, encoding and decoding.
 */
export function toBasicJob(j: JobRecord): Job {
  const s = j.spec;
  return {
    id: j.id, seq: j.seq, state: j.state, state_letter: j.state_letter, owner: j.owner, queue: j.queue, comment: j.comment, hold_types: j.hold_types,
    spec: { name: s.name, queue: s.queue, user: s.user, account: s.account, priority: s.priority, rerunnable: s.rerunnable, has_rerunnable: s.has_rerunnable },
    resources: j.resources,
    create_time_unix: j.create_time_unix, queue_time_unix: j.queue_time_unix, eligible_time_unix: j.eligible_time_unix, start_time_unix: j.start_time_unix,
    end_time_unix: j.end_time_unix, modify_time_unix: j.modify_time_unix, has_exit_status: j.has_exit_status, exit_status: j.exit_status,
    exec_host: j.exec_host, run_count: j.run_count, session_id: j.session_id, used_walltime_seconds: j.used_walltime_seconds,
    used_cput_seconds: j.used_cput_seconds, used_mem_bytes: j.used_mem_bytes, revision: j.revision, server: j.server,
    array: j.array, array_indices_submitted: j.array_indices_submitted, array_indices_remaining: j.array_indices_remaining, array_queued: j.array_queued,
    array_running: j.array_running, array_exiting: j.array_exiting, array_expired: j.array_expired, array_id: j.array_id, array_index: j.array_index,
  };
}

/** A journal entry as a WatchJobs event, with the job as it is now (when the daemon still has it). */
export function toJobEvent(e: EventRecord, job: JobRecord | undefined, server: string): JobEvent {
  return {
    revision: e.revision, job_id: e.id ?? job?.id ?? `${e.seq}.${server}`, kind: e.kind, state: e.state as JobState,
    time_unix: e.time_unix, message: e.message, job: job ? toProtoJob(job) : null,
  };
}
