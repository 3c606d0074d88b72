/**
 * PBS → Slurm: a fleetq job as a Slurm job description for slurmrestd's job submission (the
 * v0.0.38 job_properties), and a Slurm job's state back as PBS's (state, exit status, comment).
 * Pure: src/daemon/pcluster.ts calls it. What has no Slurm translation is refused with the field and
 * why (`untranslatable`), at submit, before anything reaches the head.
 *
 * The request:
 *   select=N:ncpus=C:mpiprocs=M:mem=X:ngpus=G  N×M tasks of C/M cpus (M defaults to 1), X/C of memory
 *                                              per cpu, G/M GPUs per task; every chunk must be alike
 *                                              (Slurm's heterogeneous jobs are not used)
 *   place=scatter|vscatter          one chunk per node: nodes N, M tasks per node, --spread-job
 *   place=pack                      all chunks on one node: nodes 1
 *   place=…:excl|exclhost           --exclusive
 *   efa=true, instance_type=T       node features: constraints efa&T (ParallelCluster's cookbook,
 *                                   pcluster_slurm_config_generator.py, gives a node the features
 *                                   static|dynamic, its instance type when its compute resource has
 *                                   one, the compute resource's name, efa, gpu)
 *   walltime                        time limit, in minutes, rounded up
 *   -J X-Y:Z%max                    --array=X-Y:Z%max; ^array_index^ in paths becomes %a
 *   -W depend=afterok:ID…           --dependency on those jobs' Slurm ids (same head only)
 *   -N, -o, -e, -j, -A, -p, -m, -M, -r, -S, -v/-V, workdir
 *                                   name, paths, account, nice, mail, requeue, interpreter,
 *                                   environment, working directory
 */
import type { JobRecord } from '../../jobs/model.js';
import type { ChunkReq } from '../../jobs/resources.js';
import { jobEnvironment, JOB_EXEC } from '../../jobs/launch.js';
import { INDEX_TAG } from '../../jobs/arrays.js';
import type { Dependency } from '../../jobs/depend.js';

/** The job description slurmrestd v0.0.38 takes (the fields fleetq sets). */
export interface SlurmJobDesc {
  name: string;
  partition: string;
  current_working_directory: string;
  environment: Record<string, string>;
  standard_output: string;
  standard_error?: string;
  tasks: number;
  cpus_per_task: number;
  nodes?: number[] | string;
  tasks_per_node?: number;
  memory_per_cpu?: number;
  gpus_per_task?: string;
  constraints?: string;
  time_limit?: number;
  exclusive?: string;
  spread_job?: boolean;
  array?: string;
  dependency?: string;
  account?: string;
  nice?: number;
  mail_type?: string;
  mail_user?: string;
  requeue: boolean;
  comment: string;
  hold?: boolean;
}

export interface SlurmSubmission { job: SlurmJobDesc; script: string }

const MIB = 1024 * 1024;

/** Chunk resources with a Slurm translation; other requests are refused at submit. */
const CHUNK_OTHER = new Set(['efa', 'instance_type']);

/** The fleetq tag a job's Slurm comment carries, by which a restarted daemon finds its jobs. */
export function tagOf(job: Pick<JobRecord, 'id'>): string { return `fleetq:${job.id}`; }

/** The fleetq job id a Slurm comment names, if it is one of fleetq's. */
export function idOfTag(comment: string | undefined): string | undefined {
  const m = /^fleetq:(\S+)$/.exec((comment ?? '').trim());
  return m?.[1];
}

/** Whether every chunk asks for the same thing (Slurm describes one shape of task). */
function sameShape(a: ChunkReq, b: ChunkReq): boolean {
  return a.ncpus === b.ncpus && a.mem_bytes === b.mem_bytes && a.ngpus === b.ngpus && a.mpiprocs === b.mpiprocs && a.ompthreads === b.ompthreads
    && JSON.stringify(a.other) === JSON.stringify(b.other);
}

/**
 * Why a request has no Slurm translation (the field and the reason, in words for qsub), or
 * undefined when it has one. Checked at submit and at qalter.
 */
export function untranslatable(chunks: readonly ChunkReq[], other: Readonly<Record<string, string>>, spec: { priority: number }): string | undefined {
  const first = chunks[0];
  if (first && chunks.some((c) => !sameShape(c, first))) {
    return 'Resource_List.select: chunks of different shapes have no Slurm translation (fleetq does not make Slurm heterogeneous jobs); ask for one shape, N:ncpus=…';
  }
  for (const c of chunks) {
    const tasks = c.mpiprocs || 1;
    if (c.ncpus % tasks !== 0 || c.ncpus === 0) return `Resource_List.select: ncpus=${c.ncpus} is not a multiple of mpiprocs=${tasks}; Slurm gives every task the same cpus (cpus per task)`;
    if (c.ngpus % tasks !== 0) return `Resource_List.select: ngpus=${c.ngpus} is not a multiple of mpiprocs=${tasks}; Slurm gives every task the same GPUs (gpus per task)`;
    for (const [k, v] of Object.entries(c.other)) {
      if (!CHUNK_OTHER.has(k)) return `Resource_List.${k}: has no Slurm translation (a ParallelCluster queue's capacity type is its partition's: submit to the queue that has it)`;
      if (k === 'efa' && v !== 'true' && v !== 'false') return `Resource_List.efa: '${v}' is not true or false`;
    }
  }
  // Job-wide resources besides select, place and walltime (cput, file, software, checkpoint_signal).
  const unknown = Object.keys(other)[0];
  if (unknown !== undefined) return `Resource_List.${unknown}: has no Slurm translation`;
  if (spec.priority > 0) return `Priority: ${spec.priority} has no Slurm translation for a user (a raised priority is a negative nice, which only a Slurm operator may set); use 0 or below`;
  return undefined;
}

/** PBS path (host:path, ^array_index^) as Slurm's: path only, %a for the index, literal % doubled. */
export function slurmPath(pbsPath: string): string {
  return pbsPath.replace(/^[\w.-]+:/, '').replaceAll('%', '%%').replaceAll(INDEX_TAG, '%a');
}

/** The interpreter line a script runs with: -S first, else its own #!, else /bin/bash. */
function withInterpreter(script: string, shell: string): { script: string; posix: boolean } {
  const own = /^#!\s*(\S+)/.exec(script)?.[1];
  const interpreter = shell !== '' ? shell.split(',')[0]!.replace(/^[\w.-]+@/, '') : own ?? '/bin/bash';
  const body = script.startsWith('#!') ? script.slice(script.indexOf('\n') + 1) : script;
  const posix = /\/(ba|da|z|k|mk)?sh$/.test(interpreter);
  return { script: `#!${interpreter}\n${body}`, posix };
}

/**
 * What a POSIX-shell script gets first: what only the node knows when the job starts — a subjob's
 * PBS_ARRAY_INDEX and PBS_JOBID, and PBS_NODEFILE (each node once per task, as PBS writes it).
 */
function prologue(job: JobRecord): string {
  const lines = [
    '# fleetq: PBS variables from Slurm\'s',
    'if [ -n "${SLURM_JOB_NODELIST:-}" ] && command -v scontrol >/dev/null 2>&1; then',
    '  PBS_NODEFILE="${TMPDIR:-/tmp}/fleetq_nodefile.${SLURM_JOB_ID}"; export PBS_NODEFILE',
    // SLURM_TASKS_PER_NODE is per node in order, runs compressed: 2(x3),1 → 2 2 2 1
    '  fq_list=""; for fq_p in $(echo "${SLURM_TASKS_PER_NODE:-1}" | tr , " "); do',
    '    case $fq_p in *"(x"*) fq_n=${fq_p%%"("*}; fq_r=${fq_p##*x}; fq_r=${fq_r%")"} ;; *) fq_n=$fq_p; fq_r=1 ;; esac',
    '    while [ "$fq_r" -gt 0 ]; do fq_list="$fq_list $fq_n"; fq_r=$((fq_r-1)); done',
    '  done',
    '  scontrol show hostnames "$SLURM_JOB_NODELIST" | { for fq_n in $fq_list; do read -r fq_h || break; fq_i=0; while [ "$fq_i" -lt "$fq_n" ]; do echo "$fq_h"; fq_i=$((fq_i+1)); done; done; } > "$PBS_NODEFILE"',
    '  unset fq_list fq_p fq_n fq_r fq_h fq_i',
    'fi',
  ];
  if (job.array) {
    const [seq, server] = [job.seq, job.server];
    lines.push(`PBS_ARRAY_INDEX="\${SLURM_ARRAY_TASK_ID}"; PBS_ARRAY_ID='${seq}[].${server}'; PBS_JOBID="${seq}[\${SLURM_ARRAY_TASK_ID}].${server}"; export PBS_ARRAY_INDEX PBS_ARRAY_ID PBS_JOBID`);
  }
  return `${lines.join('\n')}\n`;
}

export interface TranslateContext {
  partition: string;
  /** Slurm job ids of the dependencies fleetq leaves to Slurm (same head, not yet met), by type. */
  depends: ReadonlyArray<{ type: Dependency['type']; slurmIds: number[] }>;
}

/** The Slurm submission of a fleetq job (or job array). Assumes `untranslatable` found nothing. */
export function toSlurm(job: JobRecord, ctx: TranslateContext): SlurmSubmission {
  const s = job.spec;
  const chunks = job.resources?.chunks ?? [];
  const place = (job.resources?.place ?? '').split(':');
  const c: ChunkReq = chunks[0] ?? { count: 1, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 0, ompthreads: 0, other: {} };
  const count = chunks.reduce((n, x) => n + x.count, 0) || 1;
  const perChunk = c.mpiprocs || 1;
  const desc: SlurmJobDesc = {
    name: s.name,
    partition: ctx.partition,
    current_working_directory: s.workdir,
    environment: environmentOf(job),
    standard_output: '',
    tasks: count * perChunk,
    cpus_per_task: Math.max(1, c.ncpus / perChunk),
    requeue: s.rerunnable,
    comment: tagOf(job),
  };
  // Output and error: -j oe puts both in the output file, -j eo both in the error file.
  const out = slurmPath(job.output_path);
  const err = slurmPath(job.error_path);
  if (s.join_path === 'oe') desc.standard_output = out;
  else if (s.join_path === 'eo') desc.standard_output = err;
  else { desc.standard_output = out; desc.standard_error = err; }
  if (place.includes('scatter') || place.includes('vscatter')) {
    desc.nodes = [count, count];
    desc.tasks_per_node = perChunk;
    desc.spread_job = true;
  } else if (place.includes('pack')) {
    desc.nodes = [1, 1];
  }
  if (place.includes('excl') || place.includes('exclhost')) desc.exclusive = 'true';
  if (c.mem_bytes > 0) desc.memory_per_cpu = Math.max(1, Math.ceil(c.mem_bytes / c.ncpus / MIB));
  if (c.ngpus > 0) desc.gpus_per_task = `gpu:${c.ngpus / perChunk}`;
  const features = [...(c.other.efa === 'true' ? ['efa'] : []), ...(c.other.instance_type ? [c.other.instance_type] : [])];
  if (features.length > 0) desc.constraints = features.join('&');
  const walltime = job.resources?.walltime_seconds ?? 0;
  if (walltime > 0) desc.time_limit = Math.ceil(walltime / 60);
  if (job.array && job.arr) {
    const a = job.arr;
    desc.array = `${a.start}-${a.end}${a.step > 1 ? `:${a.step}` : ''}${a.max_run > 0 ? `%${a.max_run}` : ''}`;
  }
  const deps = ctx.depends.filter((d) => d.slurmIds.length > 0).map((d) => `${d.type}:${d.slurmIds.join(':')}`);
  if (deps.length > 0) desc.dependency = deps.join(',');
  if (s.account !== '') desc.account = s.account;
  if (s.priority < 0) desc.nice = -s.priority;
  if (s.mail_points !== '' && s.mail_points !== 'n') {
    desc.mail_type = [...new Set([...s.mail_points].map((p) => ({ a: 'FAIL', b: 'BEGIN', e: 'END' })[p as 'a' | 'b' | 'e']))].join(',');
    if (s.mail_users !== '') desc.mail_user = s.mail_users;
  }
  const { script, posix } = withInterpreter(s.script, s.shell);
  const nl = script.indexOf('\n');
  return { job: desc, script: posix ? `${script.slice(0, nl + 1)}${prologue(job)}${script.slice(nl + 1)}` : script };
}

/** The job's environment in Slurm: its own variables, PBS's, and what a login would set. */
function environmentOf(job: JobRecord): Record<string, string> {
  const env: Record<string, string> = { ...jobEnvironment(job, '/tmp') };
  delete env.TMPDIR; // the node's own
  delete env.PBS_NODENUM; delete env.PBS_TASKNUM;
  if (job.array) { delete env.PBS_JOBID; delete env.PBS_ARRAY_INDEX; delete env.PBS_ARRAY_ID; } // set per task by the prologue
  const user = job.spec.user;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.USER ??= user;
  env.LOGNAME ??= user;
  if (env.HOME === undefined && job.spec.variables.PBS_O_HOME) env.HOME = job.spec.variables.PBS_O_HOME;
  return env;
}

/** What slurmrestd says of a job (the v0.0.38 job_info fields fleetq reads). */
export interface SlurmJobInfo {
  job_id: number;
  job_state: string;
  name?: string;
  state_reason?: string;
  state_description?: string;
  exit_code?: number;
  derived_exit_code?: number;
  nodes?: string;
  start_time?: number;
  end_time?: number;
  array_job_id?: number;
  array_task_id?: number | null;
  array_task_string?: string;
  comment?: string;
  time_limit?: number;
  restart_cnt?: number;
  cpus?: number;
  node_count?: number;
  user_name?: string;
}

/** Slurm states as PBS sees them. */
export type Mirror =
  | { kind: 'pending'; held: boolean; reason: string }
  | { kind: 'running'; nodes: string[]; start: number }
  | { kind: 'ended'; exit_status: number | undefined; comment: string; start: number; end: number; nodes: string[] };

const SIGNAL_NAMES: Readonly<Record<number, string>> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

/**
 * Slurm's exit code as PBS's exit status: the status a script exited with, or 256 + the signal
 * that killed it (PBS's convention). slurmrestd v0.0.38 gives the wait status as Slurm keeps it
 * (exit code in the high byte, signal in the low).
 */
export function exitStatusOf(exitCode: number | undefined): { status: number; signal: number } {
  const raw = exitCode ?? 0;
  const signal = raw & 0x7f;
  if (signal !== 0) return { status: 256 + signal, signal };
  return { status: (raw >> 8) & 0xff, signal: 0 };
}

/** Expands a Slurm hostlist (`node[1-3,5],login1`) into names. */
export function expandHostlist(list: string | undefined): string[] {
  const out: string[] = [];
  if (!list) return out;
  for (const part of list.match(/[^,[]+(\[[^\]]*\])?[^,]*/g) ?? []) {
    const m = /^([^[]*)\[([^\]]*)\](.*)$/.exec(part);
    if (!m) { if (part) out.push(part); continue; }
    const [, pre = '', ranges = '', post = ''] = m;
    for (const r of ranges.split(',')) {
      const [a = '', b] = r.split('-');
      if (b === undefined) { out.push(`${pre}${a}${post}`); continue; }
      for (let i = Number(a); i <= Number(b); i++) out.push(`${pre}${String(i).padStart(a.length, '0')}${post}`);
    }
  }
  return out;
}

/** Where a Slurm job is, as PBS would say it; `walltime` is the job's limit in seconds, for comments. */
export function mirrorOf(info: SlurmJobInfo, walltime: number): Mirror {
  const state = info.job_state.split(/[ ,+]/)[0] ?? info.job_state;
  const nodes = expandHostlist(info.nodes);
  const start = info.start_time ?? 0;
  const end = info.end_time ?? 0;
  const reason = info.state_reason && info.state_reason !== 'None' ? info.state_reason : '';
  const { status, signal } = exitStatusOf(info.exit_code);
  const sig = signal ? ` (${SIGNAL_NAMES[signal] ?? `signal ${signal}`})` : '';
  switch (state) {
    case 'PENDING': case 'REQUEUED': case 'REQUEUE_HOLD': case 'REQUEUE_FED': case 'RESV_DEL_HOLD':
      return { kind: 'pending', held: /^Job(Held|HeldUser|HeldAdmin)/.test(reason) || state === 'REQUEUE_HOLD', reason: reason || state };
    case 'CONFIGURING': case 'RUNNING': case 'COMPLETING': case 'SUSPENDED': case 'STAGE_OUT': case 'SIGNALING': case 'RESIZING': case 'STOPPED':
      return { kind: 'running', nodes, start };
    case 'COMPLETED':
      return { kind: 'ended', exit_status: status, comment: 'finished', start, end, nodes };
    case 'FAILED':
      return { kind: 'ended', exit_status: status, comment: `failed${sig}${reason && reason !== 'NonZeroExitCode' ? `: ${reason}` : ''}`, start, end, nodes };
    case 'CANCELLED':
      return { kind: 'ended', exit_status: start > 0 && nodes.length > 0 ? (signal ? status : 256 + 15) : undefined, comment: 'cancelled in Slurm', start, end, nodes };
    case 'TIMEOUT':
      return { kind: 'ended', exit_status: signal ? status : 256 + 15, comment: `killed: walltime ${Math.max(0, end - start)} exceeded limit ${walltime}`, start, end, nodes };
    case 'OUT_OF_MEMORY':
      return { kind: 'ended', exit_status: signal ? status : 256 + 9, comment: 'killed: out of memory (Slurm OUT_OF_MEMORY)', start, end, nodes };
    case 'NODE_FAIL':
      return { kind: 'ended', exit_status: JOB_EXEC.INITABT, comment: `lost: node failure (Slurm NODE_FAIL)${nodes.length ? ` on ${nodes.join(',')}` : ''}`, start, end, nodes };
    case 'PREEMPTED':
      return { kind: 'ended', exit_status: signal ? status : 256 + 15, comment: 'preempted in Slurm', start, end, nodes };
    case 'BOOT_FAIL':
      return { kind: 'ended', exit_status: JOB_EXEC.FAIL1, comment: `failed to start: its nodes did not boot (Slurm BOOT_FAIL)${reason ? `: ${reason}` : ''}`, start, end, nodes };
    case 'DEADLINE':
      return { kind: 'ended', exit_status: start > 0 ? 256 + 15 : undefined, comment: 'deadline reached (Slurm DEADLINE)', start, end, nodes };
    default:
      return { kind: 'ended', exit_status: start > 0 ? status : undefined, comment: `ended in Slurm state ${state}${reason ? ` (${reason})` : ''}`, start, end, nodes };
  }
}
