/**
 * The job model: the record kept in the store, its states, and how a submitted spec becomes a job.
 * Pure functions only; src/jobs/service.ts applies them with the store.
 */
import { isAbsolute } from 'node:path';
import type { Job__Output } from '../gen/fleetq/v1/Job.js';
import type { JobSpec__Output } from '../gen/fleetq/v1/JobSpec.js';
import type { JobState__Output } from '../gen/fleetq/v1/JobState.js';
import { FleetqError, invalid } from '../util/errors.js';
import { parseResourceList, formatSelect, type ChunkReq } from './resources.js';

export type JobState = Exclude<JobState__Output, 'JOB_STATE_UNSPECIFIED'>;

/**
 * One chunk placed on one node. `cpu_ids`: the node's cpus the chunk holds (given at start; absent
 * in records from before they were kept).
 */
export interface Allocation { node: string; ncpus: number; mem_bytes: number; ngpus: number; mpiprocs: number; cpu_ids?: number[] }

/** What the store keeps per job: the API's Job plus the allocation and the idempotency key. */
export interface JobRecord extends Job__Output {
  spec: JobSpec__Output;
  state: JobState;
  alloc: Allocation[];
  request_id: string;
  /** Why a running job was asked to stop ('qdel', 'walltime'), so its end is recorded as PBS does. */
  kill_reason: string;
  /** A job array's compact state, on its parent only (src/jobs/arrays.ts). */
  arr?: ArrayState;
}

/**
 * What a job array's parent keeps instead of one record per subjob: its range, which subjobs are
 * still queued (as ranges of positions; index = start + position × step), and how the ended ones
 * ended (for the array's exit status). Running, exiting and expired counts are the Job fields.
 */
export interface ArrayState {
  start: number;
  end: number;
  step: number;
  /** -J …%max: subjobs that may run at once; 0 = no limit. */
  max_run: number;
  /** Sorted, disjoint, inclusive [first, last] position ranges of queued subjobs. */
  queued: Array<[number, number]>;
  /** Subjobs that ended with a positive exit status (array exit status 1). */
  nonzero: number;
  /** Subjobs deleted before they ran or ended with a negative (JOB_EXEC_*) status (array exit status 2). */
  aborted: number;
}

export const STATE_LETTER: Readonly<Record<JobState, string>> = {
  JOB_STATE_QUEUED: 'Q', JOB_STATE_HELD: 'H', JOB_STATE_WAITING: 'W', JOB_STATE_RUNNING: 'R',
  JOB_STATE_EXITING: 'E', JOB_STATE_FINISHED: 'F', JOB_STATE_BEGUN: 'B',
};

export const LETTER_STATE: Readonly<Record<string, JobState>> = Object.fromEntries(
  Object.entries(STATE_LETTER).map(([s, l]) => [l, s as JobState]),
);

export function isActive(s: JobState): boolean { return s === 'JOB_STATE_RUNNING' || s === 'JOB_STATE_EXITING'; }
export function isPending(s: JobState): boolean { return s === 'JOB_STATE_QUEUED' || s === 'JOB_STATE_HELD' || s === 'JOB_STATE_WAITING'; }

/** `123`, `123.srv`, `123.srv.domain` → 123; anything else → undefined. */
export function parseJobId(id: string): number | undefined {
  const m = /^(\d+)(\.[\w.-]+)?$/.exec(id.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export interface SubmitContext {
  seq: number;
  server: string;
  now: number;
  queue: { name: string; default_walltime_seconds: number; max_walltime_seconds: number };
  maxScriptBytes: number;
  requestId: string;
}

/**
 * Fixed limits on what a job spec may carry, each refused with the field and the limit: paths as
 * Linux's PATH_MAX, the environment as a single exec may take (Linux: 128 KiB per string, 2 MiB
 * for all), and counts that keep one job's record small.
 */
export const SPEC_LIMITS = {
  path_chars: 4095, env_bytes: 1 << 20, env_value_bytes: 128 * 1024, env_vars: 4096, attributes: 64, attribute_chars: 4096,
  dependencies: 100, account_chars: 255, mail_users_chars: 1024,
} as const;

/** What an environment can hold as a name (exported bash functions, BASH_FUNC_f%%, included). */
const ENV_NAME = /^[^=\0]{1,1024}$/;

/** Checks the parts of a spec that need no server state. Throws FleetqError naming the field. */
export function checkSpec(spec: JobSpec__Output, maxScriptBytes: number): void {
  const L = SPEC_LIMITS;
  for (const [field, v] of [['workdir', spec.workdir], ['Output_Path', spec.output_path], ['Error_Path', spec.error_path], ['Shell_Path_List', spec.shell]] as const) {
    if (v.length > L.path_chars) throw invalid(field, `${v.length} characters is over the limit of ${L.path_chars} (PATH_MAX)`);
    if (v.includes('\0')) throw invalid(field, 'contains a NUL character');
  }
  if (spec.account.length > L.account_chars) throw invalid('Account_Name', `${spec.account.length} characters is over the limit of ${L.account_chars}`);
  if (spec.mail_users.length > L.mail_users_chars) throw invalid('Mail_Users', `${spec.mail_users.length} characters is over the limit of ${L.mail_users_chars}`);
  const vars = Object.entries(spec.variables);
  if (vars.length > L.env_vars) throw invalid('Variable_List', `${vars.length} variables is over the limit of ${L.env_vars}`);
  let envBytes = 0;
  for (const [k, v] of vars) {
    if (!ENV_NAME.test(k)) throw invalid('Variable_List', `'${k.slice(0, 40)}' is not a variable name (1 to 1024 characters, no '=' or NUL)`);
    if (v.includes('\0')) throw invalid('Variable_List', `${k}: the value contains a NUL character`);
    const b = Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
    if (b > L.env_value_bytes) throw invalid('Variable_List', `${k}: ${b} bytes is over the limit of ${L.env_value_bytes} for one variable`);
    envBytes += b;
  }
  if (envBytes > L.env_bytes) throw invalid('Variable_List', `${envBytes} bytes is over the limit of ${L.env_bytes} for the job's environment`);
  const attrs = Object.entries(spec.attributes);
  if (attrs.length > L.attributes) throw invalid('attributes', `${attrs.length} attributes is over the limit of ${L.attributes}`);
  for (const [k, v] of attrs) if (k.length + v.length > L.attribute_chars) throw invalid('attributes', `${k.slice(0, 40)}: over the limit of ${L.attribute_chars} characters`);
  const deps = spec.depend === '' ? 0 : spec.depend.split(/[,:]/).filter((x) => /^\d/.test(x)).length;
  if (deps > L.dependencies) throw new FleetqError('INVALID_ARGUMENT', `depend: ${deps} jobs is over the limit of ${L.dependencies} dependencies`, { field: 'depend' });
  const bytes = Buffer.byteLength(spec.script, 'utf8');
  if (bytes === 0) throw invalid('script', 'the job script is empty');
  if (bytes > maxScriptBytes) throw invalid('script', `${bytes} bytes is over the limit of ${maxScriptBytes} bytes (jobs.max_script_size)`);
  if (spec.name !== '' && !/^[^\s@:/][^\n@]{0,235}$/.test(spec.name)) throw invalid('Job_Name', `'${spec.name}' is not a job name (no whitespace first, no '@', at most 236 characters)`);
  if (spec.priority < -1024 || spec.priority > 1023) throw invalid('Priority', `${spec.priority} is outside -1024..1023`);
  if (spec.workdir === '' || !isAbsolute(spec.workdir)) throw invalid('workdir', `'${spec.workdir}' is not an absolute path (PBS_O_WORKDIR)`);
  if (!['', 'oe', 'eo', 'n'].includes(spec.join_path)) throw invalid('Join_Path', `'${spec.join_path}' is not oe, eo or n`);
  if (!/^[\w.-]{0,64}$/.test(spec.user)) throw invalid('Job_Owner', `'${spec.user}' is not a user name`);
  if (spec.mail_points !== '' && !/^(n|[abe]+)$/.test(spec.mail_points)) throw invalid('Mail_Points', `'${spec.mail_points}' is not a combination of a, b, e or n`);
  if (spec.depend !== '' && !/^(after|afterok|afternotok|afterany|before|beforeok|beforenotok|beforeany|on)(:[\w.[\]@-]+)+(,(after|afterok|afternotok|afterany|before|beforeok|beforenotok|beforeany|on)(:[\w.[\]@-]+)+)*$/.test(spec.depend)) {
    throw new FleetqError('INVALID_ARGUMENT', `depend: '${spec.depend}' is not type:jobid[:jobid…][,type:…]`, { field: 'depend' });
  }
}

/** Output/error path as PBS resolves it: default NAME.oSEQ in the workdir; relative paths against it. */
export function resolveOutputPath(spec: JobSpec__Output, name: string, seq: number, kind: 'o' | 'e'): string {
  const given = kind === 'o' ? spec.output_path : spec.error_path;
  const path = given.replace(/^[\w.-]+:/, ''); // drop a host: prefix
  if (path === '') return `${spec.workdir}/${name}.${kind}${seq}`;
  const abs = isAbsolute(path) ? path : `${spec.workdir}/${path}`;
  return abs.endsWith('/') ? `${abs}${name}.${kind}${seq}` : abs;
}

/** Builds a new job record from a checked spec. */
export function newJob(spec: JobSpec__Output, ctx: SubmitContext): JobRecord {
  checkSpec(spec, ctx.maxScriptBytes);
  const req = parseResourceList(spec.resource_list);
  if (req.walltime_seconds === 0) req.walltime_seconds = ctx.queue.default_walltime_seconds;
  if (ctx.queue.max_walltime_seconds > 0 && req.walltime_seconds > ctx.queue.max_walltime_seconds) {
    throw new FleetqError('RESOURCE_LIMIT', `Resource_List.walltime: ${req.walltime_seconds} s is over queue ${ctx.queue.name}'s max_walltime of ${ctx.queue.max_walltime_seconds} s`, { field: 'Resource_List.walltime' });
  }
  const name = spec.name !== '' ? spec.name : (spec.script_name !== '' ? spec.script_name.split('/').pop() ?? 'STDIN' : 'STDIN');
  const host = spec.submit_host !== '' ? spec.submit_host : ctx.server;
  const now = ctx.now;
  const deferred = spec.execution_time_unix > now;
  const state: JobState = spec.hold ? 'JOB_STATE_HELD' : deferred ? 'JOB_STATE_WAITING' : 'JOB_STATE_QUEUED';
  const rerunnable = spec.has_rerunnable ? spec.rerunnable : true;
  const fixed: JobSpec__Output = { ...spec, name, queue: ctx.queue.name, rerunnable, has_rerunnable: true, user: spec.user || 'nobody' };
  return {
    id: `${ctx.seq}.${ctx.server}`, seq: ctx.seq, spec: fixed,
    resources: { chunks: req.chunks as ChunkReq[], select: formatSelect(req.chunks), place: req.place, walltime_seconds: req.walltime_seconds, other: req.other },
    state, state_letter: STATE_LETTER[state], owner: `${fixed.user}@${host}`, queue: ctx.queue.name,
    comment: '', hold_types: spec.hold ? 'u' : 'n',
    create_time_unix: now, queue_time_unix: now, eligible_time_unix: now, start_time_unix: 0, end_time_unix: 0, modify_time_unix: now,
    has_exit_status: false, exit_status: 0, exec_host: '', exec_vnode: '', nodes: [], run_count: 0, session_id: 0,
    used_walltime_seconds: 0, used_cput_seconds: 0, used_mem_bytes: 0, used_node_seconds: {}, used_cost_usd: 0, revision: 0, server: ctx.server,
    output_path: `${host}:${resolveOutputPath(fixed, name, ctx.seq, 'o')}`,
    error_path: `${host}:${resolveOutputPath(fixed, name, ctx.seq, 'e')}`,
    alloc: [], request_id: ctx.requestId, kill_reason: '', external_id: '', ...NOT_ARRAY,
  };
}

/** The array fields of a job that is neither an array nor a subjob. */
export const NOT_ARRAY = {
  array: false, array_indices_submitted: '', array_indices_remaining: '', array_queued: 0, array_running: 0,
  array_exiting: 0, array_expired: 0, array_id: '', array_index: 0,
} as const;

/** PBS's exec_host (`node/0*2+node2/0`) and exec_vnode (`(node:ncpus=2:mem=1048576kb)+…`). */
export function execStrings(alloc: readonly Allocation[]): { exec_host: string; exec_vnode: string } {
  const slot = new Map<string, number>();
  const hosts: string[] = [];
  const vnodes: string[] = [];
  for (const a of alloc) {
    const s = slot.get(a.node) ?? 0;
    slot.set(a.node, s + a.ncpus);
    hosts.push(a.ncpus === 1 ? `${a.node}/${s}` : `${a.node}/${s}*${a.ncpus}`);
    const parts = [`${a.node}:ncpus=${a.ncpus}`];
    if (a.mem_bytes > 0) parts.push(`mem=${Math.ceil(a.mem_bytes / 1024)}kb`);
    if (a.ngpus > 0) parts.push(`ngpus=${a.ngpus}`);
    vnodes.push(`(${parts.join(':')})`);
  }
  return { exec_host: hosts.join('+'), exec_vnode: vnodes.join('+') };
}
