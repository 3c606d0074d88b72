/**
 * qstat's layouts, as OpenPBS prints them (../shared/ref/pbs-cli.md §2): the default table, the
 * alternate table (-a, -n, -s), the full listing (-f, with the 78-column `\n\t` wrapping), PBS JSON
 * (-f -F json), and the queue (-Q) and server (-B) views. Pure functions of plain objects.
 */
import type { Job__Output as Job } from '../../gen/fleetq/v1/Job.js';
import type { Queue__Output as Queue } from '../../gen/fleetq/v1/Queue.js';
import type { Server__Output as Server } from '../../gen/fleetq/v1/Server.js';
import { ctime, hms, kb } from './common.js';

const pad = (s: string, n: number): string => s.padEnd(n);
const rpad = (s: string, n: number): string => s.padStart(n);
/** Cut to n with '*' as the last character, as qstat does for long fields. */
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}*` : s);

/** `Job_Owner` user part. */
const userOf = (j: Job): string => j.owner.split('@')[0] ?? '';

function timeUse(j: Job): string { return j.used_cput_seconds > 0 || j.state_letter === 'F' || j.state_letter === 'R' ? hms(j.used_cput_seconds) : '0'; }

/** The default table (no jobs: nothing at all). */
export function formatDefault(jobs: readonly Job[], o: { wide?: boolean } = {}): string {
  return jobs.length === 0 ? '' : defaultHeader(o) + defaultRows(jobs, o);
}

/** The default table's two heading lines. */
export function defaultHeader(o: { wide?: boolean } = {}): string {
  if (!o.wide) return 'Job id            Name             User              Time Use S Queue\n----------------  ---------------- ----------------  -------- - -----\n';
  return `${pad('Job id', 30)} ${pad('Name', 15)} ${pad('User', 15)}  Time Use S Queue\n${'-'.repeat(30)} ${'-'.repeat(15)} ${'-'.repeat(15)}  -------- - -----\n`;
}

/**
 * The default table's rows for `jobs`, one line each (qstat formats a listing page by page). Joined
 * into one flat string: a row built by concatenation is a tree of a dozen small strings, and a
 * listing of 100,000 such rows kept until it is written costs a hundred megabytes.
 */
export function defaultRows(jobs: readonly Job[], o: { wide?: boolean } = {}): string {
  const [wi, wn, wu] = o.wide ? [30, 15, 15] as const : [17, 16, 16] as const;
  const rows: string[] = [];
  for (const j of jobs) {
    const name = j.spec?.name ?? '';
    const id = o.wide ? j.id : cut(j.id.split('.').slice(0, 2).join('.'), wi);
    const shown = o.wide ? cut(name, wn) : name.length >= wn ? `${name.slice(0, wn - 1)}*` : name;
    rows.push(`${pad(id, wi)} ${pad(shown, wn)} ${pad(cut(userOf(j), wu), wu)}  ${rpad(timeUse(j), 8)} ${j.state_letter} ${pad(j.queue, 16)}\n`);
  }
  return rows.join('');
}

function elapsed(j: Job, now: number): string {
  if (j.start_time_unix === 0) return '--';
  const end = j.end_time_unix || now;
  const s = Math.max(0, end - j.start_time_unix);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
}

function memText(j: Job): string {
  const m = (j.resources?.chunks ?? []).reduce((s, c) => s + c.count * c.mem_bytes, 0);
  return m > 0 ? (m % (1024 ** 3) === 0 ? `${m / 1024 ** 3}gb` : m % (1024 ** 2) === 0 ? `${m / 1024 ** 2}mb` : kb(m)) : '--';
}

/** qstat -a / -n / -s: the alternate table; -n adds node lines, -s the comment; -1 keeps them on the row. */
export function formatAlt(jobs: readonly Job[], server: string, o: AltOptions = {}): string {
  return jobs.length === 0 ? '' : altHeader(server) + altRows(jobs, o);
}

export interface AltOptions { nodes?: boolean; comments?: boolean; one?: boolean; now?: number }

/** The alternate table's heading: the server, then three lines. */
export function altHeader(server: string): string {
  return `\n${server}: \n                                                            Req'd  Req'd   Elap\nJob ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time\n--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----\n`;
}

/** The alternate table's rows for `jobs` (with their node and comment lines), as one flat string (see defaultRows). */
export function altRows(jobs: readonly Job[], o: AltOptions = {}): string {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const f = (s: string, n: number, right = false): string => (right ? s.slice(0, n).padStart(n) : s.slice(0, n).padEnd(n));
  const out: string[] = [];
  for (const j of jobs) {
    const chunks = j.resources?.chunks ?? [];
    const nds = chunks.reduce((s, c) => s + c.count, 0);
    const tsk = chunks.reduce((s, c) => s + c.count * c.ncpus, 0);
    const wt = j.resources?.walltime_seconds ? hms(j.resources.walltime_seconds).slice(0, 5) : '--';
    const row = `${f(j.id, 15)} ${f(userOf(j), 8)} ${f(j.queue, 8)} ${f(j.spec?.name ?? '', 10)} ${f(j.session_id ? String(j.session_id) : '--', 6, true)} ${f(String(nds), 3, true)} ${f(String(tsk), 3, true)} ${f(memText(j), 6, true)} ${f(wt, 5, true)} ${j.state_letter} ${f(elapsed(j, now), 5, true)}`;
    const nodes = j.exec_host !== '' ? j.exec_host : '--';
    if (o.one) {
      out.push(`${row}${o.nodes ? ` ${nodes}` : ''}${o.comments && j.comment ? ` ${j.comment}` : ''}\n`);
      continue;
    }
    out.push(`${row}\n`);
    if (o.nodes) out.push(`   ${nodes}\n`);
    if (o.comments && j.comment) out.push(`   ${j.comment}\n`);
  }
  return out.join('');
}

/** The attributes qstat -f shows, in PBS's order; empty values are left out (portals drop them). */
/** resources_used.node_seconds (by instance type and lifecycle) and .cost (US dollars), for a job that ran on bought nodes. */
function costLines(j: Job): Array<[string, string]> {
  const ns = Object.entries(j.used_node_seconds ?? {}).filter(([, v]) => Number(v) > 0);
  if (ns.length === 0) return [];
  return [['resources_used.cost', (j.used_cost_usd ?? 0).toFixed(4)], ['resources_used.node_seconds', ns.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}:${String(v)}`).join(',')]];
}

export function jobAttributes(j: Job): Array<[string, string]> {
  const s = j.spec;
  const r = j.resources;
  const chunks = r?.chunks ?? [];
  const tot = (f: (c: (typeof chunks)[number]) => number): number => chunks.reduce((a, c) => a + c.count * f(c), 0);
  const ran = j.start_time_unix > 0;
  const a: Array<[string, string]> = [
    ['Job_Name', s?.name ?? ''], ['Job_Owner', j.owner],
    ...(ran ? [['resources_used.cput', hms(j.used_cput_seconds)], ['resources_used.mem', `${Math.ceil(Number(j.used_mem_bytes ?? 0) / 1024)}kb`], ['resources_used.ncpus', String(tot((c) => c.ncpus))],
      ['resources_used.walltime', hms(j.end_time_unix ? j.used_walltime_seconds : Math.max(0, Math.floor(Date.now() / 1000) - j.start_time_unix))],
      ...costLines(j)] as Array<[string, string]> : []),
    ['job_state', j.state_letter], ['queue', j.queue], ['server', j.server], ['Account_Name', s?.account ?? ''],
    ['Checkpoint', 'u'], ['ctime', ctime(j.create_time_unix)], ['depend', s?.depend ?? ''], ['Error_Path', j.error_path],
    ['exec_host', j.exec_host], ['exec_vnode', j.exec_vnode],
    ['Execution_Time', s?.execution_time_unix ? ctime(s.execution_time_unix) : ''],
    ['Hold_Types', j.hold_types], ['Join_Path', s?.join_path || 'n'], ['Keep_Files', 'n'], ['Mail_Points', s?.mail_points || 'a'],
    ['Mail_Users', s?.mail_users ?? ''], ['mtime', ctime(j.modify_time_unix)], ['Output_Path', j.output_path],
    ['Priority', String(s?.priority ?? 0)],
    // The scheduler's priority of a pending job and its parts (weight × factor), after PBS's -p.
    ['sched_priority', j.sched_priority === undefined ? '' : String(j.sched_priority)], ['sched_priority_parts', j.sched_priority_parts ?? ''],
    ['qtime', ctime(j.queue_time_unix)], ['Rerunable', s?.rerunnable === false ? 'False' : 'True'],
    ['Resource_List.mem', tot((c) => c.mem_bytes) > 0 ? kb(tot((c) => c.mem_bytes)) : ''],
    ['Resource_List.ncpus', String(tot((c) => c.ncpus))],
    ['Resource_List.ngpus', tot((c) => c.ngpus) > 0 ? String(tot((c) => c.ngpus)) : ''],
    ['Resource_List.nodect', String(tot(() => 1))], ['Resource_List.place', r?.place ?? ''], ['Resource_List.select', r?.select ?? ''],
    ['Resource_List.walltime', r?.walltime_seconds ? hms(r.walltime_seconds) : ''],
    ...Object.entries(r?.other ?? {}).map(([k, v]) => [`Resource_List.${k}`, v] as [string, string]),
    ['stime', ran ? ctime(j.start_time_unix) : ''], ['session_id', j.session_id ? String(j.session_id) : ''],
    ['Shell_Path_List', s?.shell ?? ''], ['jobdir', s?.workdir ?? ''],
    ['Variable_List', Object.entries(s?.variables ?? {}).map(([k, v]) => `${k}=${v}`).join(',')],
    ['comment', j.comment], ['etime', ctime(j.eligible_time_unix)],
    // fleetq's: where another scheduler runs it (a ParallelCluster head's Slurm job).
    ['external_id', j.external_id ?? ''],
    ['estimated.start_time', j.estimated_start_time_unix ? ctime(Number(j.estimated_start_time_unix)) : ''],
    ['run_count', String(j.run_count)],
    ['Exit_status', j.has_exit_status ? String(j.exit_status) : ''],
    ['Submit_arguments', s?.submit_args ?? ''], ['obittime', j.state_letter === 'F' && j.end_time_unix ? ctime(j.end_time_unix) : ''],
    ...arrayAttributes(j),
    ['project', s?.attributes?.project || '_pbs_project_default'],
    ['Submit_Host', s?.submit_host ?? ''],
  ];
  return a.filter(([, v]) => v !== '');
}

/** A job array's attributes (on its parent), or a subjob's (array_id, array_index), as PBS shows them. */
export function arrayAttributes(j: Job): Array<[string, string]> {
  if (j.array) {
    return [['array', 'True'], ['array_state_count', `Queued:${j.array_queued} Running:${j.array_running} Exiting:${j.array_exiting} Expired:${j.array_expired}`],
      ['array_indices_submitted', j.array_indices_submitted], ['array_indices_remaining', j.array_indices_remaining]];
  }
  return j.array_id ? [['array_id', j.array_id], ['array_index', String(j.array_index)]] : [];
}

/** PBS's -f wrapping: lines past 78 columns split after commas, then mid-token, with "\n\t". */
export function wrapAttr(line: string, limit = 78): string {
  if (line.length <= limit) return line;
  const parts: string[] = [];
  let cur = '';
  let width = limit;
  for (const piece of line.split(/(?<=,)/)) {
    if (cur.length + piece.length > width && cur !== '') { parts.push(cur); cur = ''; width = limit - 8; }
    cur += piece;
    while (cur.length > width) { parts.push(cur.slice(0, width)); cur = cur.slice(width); width = limit - 8; }
  }
  if (cur !== '') parts.push(cur);
  return parts.join('\n\t');
}

export function formatFull(jobs: readonly Job[], o: { wide?: boolean } = {}): string {
  return jobs.map((j) => `Job Id: ${j.id}\n${jobAttributes(j).map(([k, v]) => {
    const line = `    ${k} = ${v}`;
    return `${o.wide ? line : wrapAttr(line)}\n`;
  }).join('')}\n`).join('');
}

/** JSON value typing as qstat does: numbers and booleans parsed, names always strings. */
function typed(key: string, v: string): unknown {
  if (['Job_Name', 'project', 'Account_Name'].includes(key)) return v;
  if (/^-?\d+(\.\d+)?$/.test(v) && v.length < 16) return Number(v);
  return v;
}

export function jobJson(j: Job): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of jobAttributes(j)) {
    if (k === 'Variable_List') { o[k] = j.spec?.variables ?? {}; continue; }
    const dot = k.indexOf('.');
    if (dot > 0) {
      const top = k.slice(0, dot);
      const sub = (o[top] ??= {}) as Record<string, unknown>;
      sub[k.slice(dot + 1)] = typed(k.slice(dot + 1), v);
    } else o[k] = typed(k, v);
  }
  return o;
}

export function formatJson(jobs: readonly Job[], server: string, key = 'Jobs', body?: Record<string, unknown>): string {
  const doc = {
    timestamp: Math.floor(Date.now() / 1000), pbs_version: 'fleetq-0.1.0', pbs_server: server,
    [key]: body ?? Object.fromEntries(jobs.map((j) => [j.id, jobJson(j)])),
  };
  return `${JSON.stringify(doc, null, 4)}\n`;
}

const count = (m: Record<string, number>, k: string): string => String(m[k] ?? 0);

export function formatQueues(qs: readonly Queue[]): string {
  let out = 'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type\n---------------- ----- ----- --- --- ----- ----- ----- ----- ----- ----- ----\n';
  for (const q of qs) {
    const c = q.state_count;
    out += `${pad(q.name, 16)} ${rpad(String(q.max_running), 5)} ${rpad(String(q.total_jobs), 5)} ${rpad(q.enabled ? 'yes' : 'no', 3)} ${rpad(q.started ? 'yes' : 'no', 3)} ${rpad(count(c, 'Q'), 5)} ${rpad(count(c, 'R'), 5)} ${rpad(count(c, 'H'), 5)} ${rpad(count(c, 'W'), 5)} ${rpad('0', 5)} ${rpad(count(c, 'E'), 5)} Exe*\n`;
  }
  return out;
}

export function queueAttributes(q: Queue): Array<[string, string]> {
  const c = q.state_count;
  return [
    ['queue_type', q.queue_type], ['Priority', String(q.priority)], ['total_jobs', String(q.total_jobs)],
    ['state_count', `Transit:0 Queued:${count(c, 'Q')} Held:${count(c, 'H')} Waiting:${count(c, 'W')} Running:${count(c, 'R')} Exiting:${count(c, 'E')} Begun:0`],
    ['resources_default.walltime', q.default_walltime_seconds ? hms(q.default_walltime_seconds) : ''],
    ['enabled', q.enabled ? 'True' : 'False'], ['started', q.started ? 'True' : 'False'],
    ['comment', q.comment ?? ''],
  ].filter(([, v]) => v !== '') as Array<[string, string]>;
}

export function formatQueuesFull(qs: readonly Queue[]): string {
  return qs.map((q) => `Queue: ${q.name}\n${queueAttributes(q).map(([k, v]) => `    ${k} = ${v}\n`).join('')}\n`).join('');
}

export function formatServer(s: Server): string {
  const c = s.state_count;
  return `Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\n${pad(s.name, 16)} ${rpad('0', 5)} ${rpad(String(s.total_jobs), 5)} ${rpad(count(c, 'Q'), 5)} ${rpad(count(c, 'R'), 5)} ${rpad(count(c, 'H'), 5)} ${rpad(count(c, 'W'), 5)} ${rpad('0', 5)} ${rpad(count(c, 'E'), 5)} Active\n`;
}

export function serverAttributes(s: Server): Array<[string, string]> {
  const c = s.state_count;
  return [
    ['server_state', 'Active'], ['server_host', s.name], ['default_queue', s.default_queue], ['total_jobs', String(s.total_jobs)],
    ['state_count', `Transit:0 Queued:${count(c, 'Q')} Held:${count(c, 'H')} Waiting:${count(c, 'W')} Running:${count(c, 'R')} Exiting:${count(c, 'E')} Begun:0`],
    ['scheduling', 'True'], ['job_history_enable', 'True'], ['pbs_version', `fleetq-${s.version}`],
  ];
}

export function formatServerFull(s: Server): string {
  return `Server: ${s.name}\n${serverAttributes(s).map(([k, v]) => `    ${k} = ${v}\n`).join('')}\n`;
}
