/**
 * Job arrays (`qsub -J X-Y[:Z][%max]`), as OpenPBS has them, kept compact: an array is ONE record,
 * its parent (id `SEQ[].SERVER`), whose `arr` holds the range and the queued subjobs as ranges of
 * positions (position p is index start + p × step). A subjob (id `SEQ[i].SERVER`) gets a record of
 * its own only when it starts (or is deleted on its own); until then it exists only as a position
 * in its parent's queued ranges, and is synthesized when asked for (qstat -t, qstat -f SEQ[i]).
 *
 * Keys: the parent is stored and held in memory under its seq like any job; a subjob record is
 * stored under [seq, index] (the store's `subjobs` database) and held in memory under the string
 * `SEQ[index]` (`subjobKey`). Its `seq` is its parent's. Subjob records are stored without their
 * spec (the parent's is shared), so a long array does not repeat its script.
 *
 * Pure functions only: src/jobs/service.ts applies them with the store.
 */
import { FleetqError, invalid } from '../util/errors.js';
import { STATE_LETTER, type ArrayState, type JobRecord, type JobState } from './model.js';

/** `SEQ[]`, `SEQ[i]` with an optional `.server`: the parent (index undefined) or one subjob. */
export interface ArrayRef { seq: number; index: number | undefined }

/** PBS's stand-in for the index in output paths (`-o out.^array_index^`). */
export const INDEX_TAG = '^array_index^';

export function parseArrayId(id: string): ArrayRef | undefined {
  const m = /^(\d+)\[(\d*)\](\.[\w.-]+)?$/.exec(id.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
  return { seq, index: m[2] === '' ? undefined : Number(m[2]) };
}

/** The in-memory key of a subjob record. */
export function subjobKey(seq: number, index: number): string { return `${seq}[${index}]`; }

/**
 * Checks `-J X-Y[:Z]` and `%max` (as JobSpec's array_indices and max_run_subjobs) and makes the
 * array's initial state. INVALID_ARGUMENT naming array_indices (Y must be above X, Z at least 1)
 * or RESOURCE_LIMIT naming it when there are more than `maxSize` subjobs (jobs.max_array_size).
 */
export function parseArray(text: string, maxRun: number, maxSize: number): ArrayState {
  const m = /^(\d{1,9})-(\d{1,9})(?::(\d{1,9}))?$/.exec(text.trim());
  if (!m) throw invalid('array_indices', `'${text}' is not X-Y[:Z] (qsub: illegal -J value)`);
  const start = Number(m[1]); const end = Number(m[2]); const step = m[3] === undefined ? 1 : Number(m[3]);
  if (end <= start) throw invalid('array_indices', `'${text}': the last index must be above the first (qsub: illegal -J value)`);
  if (step < 1) throw invalid('array_indices', `'${text}': the step must be at least 1 (qsub: illegal -J value)`);
  if (!Number.isInteger(maxRun) || maxRun < 0) throw invalid('max_run_subjobs', `${maxRun} is not a whole number`);
  const n = Math.floor((end - start) / step) + 1;
  if (n > maxSize) {
    throw new FleetqError('RESOURCE_LIMIT', `array_indices: ${n} subjobs is over the limit of ${maxSize} (jobs.max_array_size)`, { field: 'array_indices' });
  }
  return { start, end, step, max_run: maxRun, queued: [[0, n - 1]], nonzero: 0, aborted: 0 };
}

/** How many subjobs the array has. */
export function size(a: ArrayState): number { return Math.floor((a.end - a.start) / a.step) + 1; }
export function indexAt(a: ArrayState, pos: number): number { return a.start + pos * a.step; }
/** The position of an index, or undefined when the array has no such index. */
export function positionOf(a: ArrayState, index: number): number | undefined {
  if (!Number.isInteger(index) || index < a.start || index > a.end || (index - a.start) % a.step !== 0) return undefined;
  return (index - a.start) / a.step;
}

export function queuedCount(q: ReadonlyArray<readonly [number, number]>): number {
  let n = 0;
  for (const [a, b] of q) n += b - a + 1;
  return n;
}

export function isQueued(q: ReadonlyArray<readonly [number, number]>, pos: number): boolean {
  return q.some(([a, b]) => pos >= a && pos <= b);
}

/** The ranges without `pos` (unchanged when it is not in them). */
export function removePos(q: ReadonlyArray<readonly [number, number]>, pos: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of q) {
    if (pos < a || pos > b) { out.push([a, b]); continue; }
    if (a < pos) out.push([a, pos - 1]);
    if (pos < b) out.push([pos + 1, b]);
  }
  return out;
}

/** The ranges with `pos` added, still sorted and merged. */
export function addPos(q: ReadonlyArray<readonly [number, number]>, pos: number): Array<[number, number]> {
  const all = q.map(([a, b]): [number, number] => [a, b]);
  if (isQueued(q, pos)) return all;
  all.push([pos, pos]);
  all.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Index ranges as PBS prints them: `1-3,5,7-11:2`; `-` when there are none. */
export function formatIndices(a: ArrayState, q: ReadonlyArray<readonly [number, number]>): string {
  if (q.length === 0) return '-';
  const step = a.step > 1 ? `:${a.step}` : '';
  return q.map(([x, y]) => (x === y ? `${indexAt(a, x)}` : `${indexAt(a, x)}-${indexAt(a, y)}${step}`)).join(',');
}

/** The parent's public array fields that follow from its state and counts. */
function view(a: ArrayState): Pick<JobRecord, 'array_queued' | 'array_indices_remaining'> {
  return { array_queued: queuedCount(a.queued), array_indices_remaining: formatIndices(a, a.queued) };
}

/**
 * Makes a new job an array parent: id `SEQ[].SERVER`, the range from its spec, output paths that
 * end in `.^array_index^` when they are PBS's defaults. Arrays are always rerunnable (PBS).
 */
export function makeParent(job: JobRecord, maxSize: number): JobRecord {
  const spec = job.spec;
  if (spec.has_rerunnable && !spec.rerunnable) throw invalid('Rerunable', 'a job array cannot be non-rerunnable (qsub -r n)');
  const arr = parseArray(spec.array_indices, spec.max_run_subjobs, maxSize);
  const tagged = (path: string, given: string, kind: 'o' | 'e'): string =>
    (given === '' || given.endsWith('/')) && path.endsWith(`.${kind}${job.seq}`) ? `${path}.${INDEX_TAG}` : path;
  return {
    ...job, id: `${job.seq}[].${job.server}`, arr, spec: { ...spec, rerunnable: true, has_rerunnable: true },
    output_path: tagged(job.output_path, spec.output_path, 'o'), error_path: tagged(job.error_path, spec.error_path, 'e'),
    array: true, array_indices_submitted: spec.array_indices.trim(), array_running: 0, array_exiting: 0, array_expired: 0, ...view(arr),
  };
}

/**
 * A subjob as it is before it runs: the parent's job with the subjob's id, index and output paths,
 * state Q (or `state` for a synthesized view), no array state of its own.
 */
export function subjobOf(parent: JobRecord, index: number, state: JobState = 'JOB_STATE_QUEUED', now = parent.create_time_unix): JobRecord {
  const { arr: _arr, ...rest } = parent;
  const sub = (p: string): string => p.split(INDEX_TAG).join(String(index));
  return {
    ...rest, id: `${parent.seq}[${index}].${parent.server}`, state, state_letter: letterOf(state, true), comment: '',
    hold_types: 'n', start_time_unix: 0, end_time_unix: 0, modify_time_unix: now, has_exit_status: false, exit_status: 0,
    exec_host: '', exec_vnode: '', nodes: [], run_count: 0, session_id: 0, used_walltime_seconds: 0, used_cput_seconds: 0, used_mem_bytes: 0,
    output_path: sub(parent.output_path), error_path: sub(parent.error_path), alloc: [], kill_reason: '',
    array: false, array_indices_submitted: '', array_indices_remaining: '', array_queued: 0, array_running: 0, array_exiting: 0,
    array_expired: 0, array_id: parent.id, array_index: index,
  };
}

/** A state's letter; a subjob that has finished (or was deleted) shows X, as in PBS. */
export function letterOf(state: JobState, subjob: boolean): string {
  return subjob && state === 'JOB_STATE_FINISHED' ? 'X' : STATE_LETTER[state];
}

/**
 * How many subjobs of a parent may start now: its queued ones, up to its %max less those running
 * or exiting; 0 while the parent is held, waiting, finished or has none queued.
 */
export function startable(parent: JobRecord): number {
  const a = parent.arr;
  if (!a || (parent.state !== 'JOB_STATE_QUEUED' && parent.state !== 'JOB_STATE_BEGUN') || parent.hold_types !== 'n') return 0;
  const queued = queuedCount(a.queued);
  if (a.max_run === 0) return queued;
  return Math.max(0, Math.min(queued, a.max_run - parent.array_running - parent.array_exiting));
}

/** The lowest queued subjob's index (the next to start), or undefined when none is queued. */
export function lowestQueued(parent: JobRecord): number | undefined {
  const first = parent.arr?.queued[0];
  return first && parent.arr ? indexAt(parent.arr, first[0]) : undefined;
}

/** PBS's exit status of a finished array: 2 when a subjob was aborted, else 1 when one failed, else 0. */
export function arrayExit(a: ArrayState): number { return a.aborted > 0 ? 2 : a.nonzero > 0 ? 1 : 0; }

/**
 * What a subjob's move from `from` to its state `sub.state` changes in its parent: the queued
 * ranges and counts; B once a subjob runs; F (with the array's exit status) once every subjob is
 * done. Undefined when nothing changes (the state stayed the same).
 */
export function subjobMoved(parent: JobRecord, from: JobState, sub: JobRecord, now: number): Partial<JobRecord> | undefined {
  const a0 = parent.arr;
  const to = sub.state;
  if (!a0 || from === to) return undefined;
  const pos = positionOf(a0, sub.array_index);
  if (pos === undefined) return undefined;
  const a: ArrayState = { ...a0 };
  const c = { array_running: parent.array_running, array_exiting: parent.array_exiting, array_expired: parent.array_expired };
  if (from === 'JOB_STATE_QUEUED' || from === 'JOB_STATE_HELD' || from === 'JOB_STATE_WAITING') a.queued = removePos(a.queued, pos);
  if (from === 'JOB_STATE_RUNNING') c.array_running--;
  if (from === 'JOB_STATE_EXITING') c.array_exiting--;
  if (to === 'JOB_STATE_QUEUED') a.queued = addPos(a.queued, pos);
  if (to === 'JOB_STATE_RUNNING') c.array_running++;
  if (to === 'JOB_STATE_EXITING') c.array_exiting++;
  if (to === 'JOB_STATE_FINISHED') {
    c.array_expired++;
    if (!sub.has_exit_status || sub.exit_status < 0) a.aborted++;
    else if (sub.exit_status > 0) a.nonzero++;
  }
  const out: Partial<JobRecord> = { arr: a, ...c, ...view(a) };
  if (to === 'JOB_STATE_RUNNING' && parent.state !== 'JOB_STATE_BEGUN') {
    out.state = 'JOB_STATE_BEGUN';
    out.start_time_unix = parent.start_time_unix || now;
    out.run_count = parent.run_count + 1;
    out.comment = 'Job Array Began';
  }
  return { ...out, ...doneChanges(a, c, now) };
}

/** The parent's finish once nothing is queued, running or exiting; {} before. */
export function doneChanges(a: ArrayState, c: { array_running: number; array_exiting: number }, now: number): Partial<JobRecord> {
  if (a.queued.length > 0 || c.array_running > 0 || c.array_exiting > 0) return {};
  const exit = arrayExit(a);
  return { state: 'JOB_STATE_FINISHED', has_exit_status: true, exit_status: exit, end_time_unix: now, comment: `Job Array Finished, exit status ${exit}` };
}

/**
 * `qdel SEQ[]` of an array whose subjobs are not all done: its queued subjobs are deleted at once
 * (they count as aborted); running ones are the caller's to kill. The parent finishes now when
 * nothing runs.
 */
export function deleteQueued(parent: JobRecord, by: string, now: number): Partial<JobRecord> {
  const a0 = parent.arr;
  if (!a0) return {};
  const n = queuedCount(a0.queued);
  const a: ArrayState = { ...a0, queued: [], aborted: a0.aborted + n };
  const c = { array_running: parent.array_running, array_exiting: parent.array_exiting, array_expired: parent.array_expired + n };
  return { arr: a, ...c, ...view(a), ...doneChanges(a, c, now), comment: `Job Array deleted at request of ${by}` };
}

/**
 * The subjobs of a parent in index order, for qstat -t: the record of each one that has one, and a
 * synthesized view of the others — Q while queued (or the parent's H/W while it is held or
 * waiting), X once deleted with their array. With `after`, only the subjobs whose index is above it.
 */
export function* subjobsOf(parent: JobRecord, record: (index: number) => JobRecord | undefined, after = -Infinity): Generator<JobRecord> {
  const a = parent.arr;
  if (!a) return;
  const n = size(a);
  const pending = parent.state === 'JOB_STATE_HELD' || parent.state === 'JOB_STATE_WAITING' ? parent.state : 'JOB_STATE_QUEUED';
  let r = 0;
  // The first position whose index is above `after` (a page token's subjob): later pages do not start over.
  for (let pos = after < a.start ? 0 : Math.floor((after - a.start) / a.step) + 1; pos < n; pos++) {
    const index = indexAt(a, pos);
    const rec = record(index);
    if (rec) { yield rec; continue; }
    while (r < a.queued.length && (a.queued[r]?.[1] ?? -1) < pos) r++;
    const range = a.queued[r];
    const queued = range !== undefined && pos >= range[0] && pos <= range[1];
    yield synthesize(parent, index, queued ? pending : 'JOB_STATE_FINISHED');
  }
}

/**
 * One subjob as qstat -f SEQ[i] shows it: its record when it has one, else synthesized from the
 * parent; undefined when the array has no such index.
 */
export function subjobView(parent: JobRecord, index: number, rec: JobRecord | undefined): JobRecord | undefined {
  const a = parent.arr;
  const pos = a ? positionOf(a, index) : undefined;
  if (!a || pos === undefined) return undefined;
  if (rec) return rec;
  const pending = parent.state === 'JOB_STATE_HELD' || parent.state === 'JOB_STATE_WAITING' ? parent.state : 'JOB_STATE_QUEUED';
  return synthesize(parent, index, isQueued(a.queued, pos) ? pending : 'JOB_STATE_FINISHED');
}

/** A subjob that has no record, as qstat shows it. */
export function synthesize(parent: JobRecord, index: number, state: JobState): JobRecord {
  const s = subjobOf(parent, index, state, parent.modify_time_unix);
  if (state === 'JOB_STATE_FINISHED') s.comment = 'Subjob deleted with its array';
  return s;
}
