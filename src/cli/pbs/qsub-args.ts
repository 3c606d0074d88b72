/**
 * qsub's language: options from the command line and `#PBS` directives in the script, turned into
 * a JobSpec. Pure: the command passes in argv, the script text, the environment and the clock.
 * Command-line options win over directives; `-l` lists merge resource by resource.
 */
import type { JobSpec } from '../../gen/fleetq/v1/JobSpec.js';
import { getopt } from './common.js';

export const QSUB_OPTS = 'a:A:c:C:e:fhIj:J:k:l:m:M:N:o:p:P:q:r:R:S:u:v:VW:Xz';

export const QSUB_USAGE = `usage: qsub [-a date_time] [-A account_string] [-c interval]
	[-C directive_prefix] [-e path] [-f ] [-h ] [-I [-X]] [-j oe|eo] [-J X-Y[:Z][%max]]
	[-k keep] [-l resource_list] [-m mail_options] [-M user_list]
	[-N jobname] [-o path] [-p priority] [-P project] [-q queue] [-r y|n]
	[-R o|e|oe] [-S path] [-u user_list] [-W otherattributes=value...]
	[-v variable_list] [-V ] [-z] [script | -- command [arg1 ...]]
       qsub --version
`;

/** A usage-level error: `qsub: <message>` then the usage text, exit 2. */
export class QsubUsageError extends Error {
  constructor(message: string, readonly showUsage = true) { super(message); }
}

export interface QsubInput {
  argv: string[];
  /** The script text, read by the caller (file, stdin, or made from `-- command`). */
  script: string;
  scriptName: string;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  host: string;
  user: string;
  now: Date;
}

export interface QsubResult { spec: JobSpec; quiet: boolean }

/** Splits a directive line the way a shell would: whitespace, with '…' and "…" quoting. */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  let cur = ''; let quote = ''; let any = false;
  for (const ch of line) {
    if (quote) { if (ch === quote) quote = ''; else cur += ch; continue; }
    if (ch === '"' || ch === "'") { quote = ch; any = true; continue; }
    if (/\s/.test(ch)) { if (any || cur) out.push(cur); cur = ''; any = false; continue; }
    cur += ch;
  }
  if (any || cur) out.push(cur);
  return out;
}

/** The options in `#PBS` directives, up to the first line that is neither blank nor a comment. */
export function directives(script: string, prefix = '#PBS'): string[] {
  const out: string[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' ) continue;
    if (line.startsWith(prefix) && /\s/.test(line[prefix.length] ?? ' ')) {
      out.push(...shellSplit(line.slice(prefix.length).replace(/\s#.*$/, '')));
      continue;
    }
    if (line.startsWith('#')) continue;
    break;
  }
  return out;
}

/**
 * `-a [[[[CC]YY]MM]DD]hhmm[.SS]` → unix seconds. Without a day, the next such time: today if still
 * ahead, else tomorrow (qsub(1B)).
 */
export function parseExecTime(text: string, now: Date): number | undefined {
  const m = /^(\d{4,12})(?:\.(\d{2}))?$/.exec(text);
  if (!m?.[1] || m[1].length % 2 !== 0) return undefined;
  const d = m[1];
  const sec = Number(m[2] ?? 0);
  const n = d.length;
  const mm = Number(d.slice(n - 2)); const hh = Number(d.slice(n - 4, n - 2));
  const day = n >= 6 ? Number(d.slice(n - 6, n - 4)) : undefined;
  const mon = n >= 8 ? Number(d.slice(n - 8, n - 6)) : undefined;
  let year = now.getFullYear();
  if (n >= 12) year = Number(d.slice(0, 4)); else if (n >= 10) year = 2000 + Number(d.slice(n - 10, n - 8));
  if (hh > 23 || mm > 59 || sec > 61 || (day !== undefined && (day < 1 || day > 31)) || (mon !== undefined && (mon < 1 || mon > 12))) return undefined;
  const t = new Date(year, (mon ?? now.getMonth() + 1) - 1, day ?? now.getDate(), hh, mm, sec);
  if (day === undefined && t.getTime() <= now.getTime()) t.setDate(t.getDate() + 1);
  return Math.floor(t.getTime() / 1000);
}

/** `-v a=1,b,"c=x,y"`: a name without '=' takes its value from the environment. */
export function parseVariableList(text: string, env: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const items: string[] = [];
  let cur = ''; let quote = '';
  for (const ch of text) {
    if (quote) { if (ch === quote) quote = ''; else cur += ch; continue; }
    if (ch === '"' || ch === "'") { quote = ch; continue; }
    if (ch === ',') { items.push(cur); cur = ''; continue; }
    cur += ch;
  }
  items.push(cur);
  for (const it of items) {
    const eq = it.indexOf('=');
    const name = (eq < 0 ? it : it.slice(0, eq)).trim();
    if (!/^[A-Za-z_]\w*$/.test(name)) return undefined;
    out[name] = eq < 0 ? (env[name] ?? '') : it.slice(eq + 1);
  }
  return out;
}

const O_VARS = ['HOME', 'LANG', 'LOGNAME', 'MAIL', 'PATH', 'SHELL', 'TZ'] as const;

/** Merges `-l` lists: later resources replace earlier ones of the same name. */
export function mergeResources(lists: string[]): string {
  const m = new Map<string, string>();
  for (const l of lists) for (const item of l.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    m.set(eq < 0 ? item : item.slice(0, eq), item);
  }
  return [...m.values()].join(',');
}

/** Applies one option to the spec; throws QsubUsageError for a bad value. */
export interface ApplyContext { res: string[]; env: QsubInput['env']; now: Date; flags: Set<string> }

export function apply(spec: JobSpec, o: string, v: string, ctx: ApplyContext): void {
  const illegal = (): QsubUsageError => new QsubUsageError(`illegal -${o} value`);
  switch (o) {
    case 'N': if (!/^[^\s@:/]\S{0,235}$/.test(v)) throw illegal(); spec.name = v; break;
    case 'q': if (!/^[\w.-]*(@[\w.-]+)?$/.test(v) || v === '') throw new QsubUsageError(`illegally formed destination: ${v}`, false); spec.queue = v; break;
    case 'l': ctx.res.push(v); break;
    case 'h': spec.hold = true; break;
    case 'o': spec.output_path = v; break;
    case 'e': spec.error_path = v; break;
    case 'j': if (!['oe', 'eo', 'n'].includes(v)) throw illegal(); spec.join_path = v; break;
    case 'A': spec.account = v; break;
    case 'p': { if (!/^[+-]?\d+$/.test(v) || Number(v) < -1024 || Number(v) > 1023) throw illegal(); spec.priority = Number(v); break; }
    case 'r': if (v !== 'y' && v !== 'n') throw illegal(); spec.has_rerunnable = true; spec.rerunnable = v === 'y'; break;
    case 'a': { const t = parseExecTime(v, ctx.now); if (t === undefined) throw illegal(); spec.execution_time_unix = t; break; }
    case 'm': if (!/^(n|[abej]+)$/.test(v)) throw illegal(); spec.mail_points = v; break;
    case 'M': spec.mail_users = v; break;
    case 'S': spec.shell = v; break;
    case 'v': { const vars = parseVariableList(v, ctx.env); if (!vars) throw illegal(); spec.variables = { ...spec.variables, ...vars }; break; }
    case 'V': spec.variables = { ...Object.fromEntries(Object.entries(ctx.env).filter((e): e is [string, string] => e[1] !== undefined)), ...spec.variables }; break;
    case 'W': applyW(spec, v); break;
    case 'P': spec.attributes = { ...spec.attributes, project: v }; break;
    case 'I': throw new QsubUsageError('interactive jobs (-I) are not supported by fleetq; submit a batch script', false);
    case 'X': throw new QsubUsageError('interactive jobs (-X) are not supported by fleetq', false);
    case 'J': { const a = parseJ(v); if (!a) throw illegal(); spec.array_indices = a.indices; spec.max_run_subjobs = a.max; break; }
    default: ctx.flags.add(o); // -c -C -f -k -R -u -z: accepted; -z handled by the caller
  }
}

/**
 * `-J X-Y[:Z][%max]` as PBS takes it: Y above X, Z and max at least 1; undefined when malformed.
 * The server checks the size against jobs.max_array_size.
 */
export function parseJ(v: string): { indices: string; max: number } | undefined {
  const m = /^(\d{1,9})-(\d{1,9})(?::(\d{1,9}))?(?:%(\d{1,9}))?$/.exec(v);
  if (!m) return undefined;
  if (Number(m[2]) <= Number(m[1]) || (m[3] !== undefined && Number(m[3]) < 1) || (m[4] !== undefined && Number(m[4]) < 1)) return undefined;
  return { indices: `${m[1]}-${m[2]}${m[3] !== undefined ? `:${m[3]}` : ''}`, max: m[4] === undefined ? 0 : Number(m[4]) };
}

function applyW(spec: JobSpec, v: string): void {
  for (const part of v.split(/,(?=[A-Za-z_]+=)/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new QsubUsageError('illegal -W value');
    const k = part.slice(0, eq); const val = part.slice(eq + 1);
    if (k === 'depend') spec.depend = val;
    else spec.attributes = { ...spec.attributes, [k]: val };
  }
}

/** Builds the job spec from qsub's options, directives and environment. */
export function buildSpec(inp: QsubInput, cmdline: Array<[string, string]>): QsubResult {
  const prefix = cmdline.find(([o]) => o === 'C')?.[1] ?? inp.env.PBS_DPREFIX ?? '#PBS';
  const dir = getopt(directives(inp.script, prefix), QSUB_OPTS);
  if (dir.bad) throw new QsubUsageError(`directive error: -${dir.bad}`);
  const spec: JobSpec = {
    script: inp.script, script_name: inp.scriptName, workdir: inp.cwd, submit_host: inp.host, user: inp.user,
    variables: {}, attributes: {}, submit_args: inp.argv.join(' '),
  };
  const ctx = { res: [] as string[], env: inp.env, now: inp.now, flags: new Set<string>() };
  for (const [o, v] of [...dir.opts, ...cmdline]) apply(spec, o, v, ctx);
  spec.resource_list = mergeResources(ctx.res);
  const vars: Record<string, string> = {};
  for (const k of O_VARS) { const v = inp.env[k]; if (v !== undefined) vars[`PBS_O_${k}`] = v; }
  vars.PBS_O_WORKDIR = inp.cwd;
  vars.PBS_O_HOST = inp.host;
  vars.PBS_O_SYSTEM = 'Linux';
  if (spec.queue) vars.PBS_O_QUEUE = spec.queue.replace(/@.*$/, '');
  spec.variables = { ...spec.variables, ...vars };
  return { spec, quiet: ctx.flags.has('z') };
}
