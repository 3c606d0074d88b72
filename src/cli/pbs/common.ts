/**
 * What every PBS command shares: POSIX getopt, PBS error texts and exit codes, job id checks,
 * ctime() dates. Imports only node built-ins and the client (grpc-js), so the commands start fast.
 */
import { PBSE, PBSE_TEXT } from '../../util/errors.js';

export interface Getopt { opts: Array<[string, string]>; operands: string[]; bad?: string }

/**
 * POSIX getopt: `spec` lists option letters, a ':' after one that takes a value ("a:hz").
 * Grouped flags (-hz), attached values (-lselect=1) and `--` work; options stop at the first operand
 * unless `permute` is set.
 */
export function getopt(argv: readonly string[], spec: string, permute = false): Getopt {
  const takes = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) { const c = spec[i] ?? ''; if (c !== ':') takes.set(c, spec[i + 1] === ':'); }
  const out: Getopt = { opts: [], operands: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') { out.operands.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') {
      if (!permute) { out.operands.push(...argv.slice(i)); break; }
      out.operands.push(a); continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] ?? '';
      const t = takes.get(c);
      if (t === undefined) return { ...out, bad: c };
      if (!t) { out.opts.push([c, '']); continue; }
      const val = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
      if (val === undefined) return { ...out, bad: c };
      out.opts.push([c, val]);
      break;
    }
  }
  return out;
}

/** A gRPC error as the client sees it. */
export interface RpcError { code?: number; details?: string; metadata?: { get(k: string): unknown[] } }

export function pbsErrno(e: RpcError): number {
  const v = Number(e.metadata?.get('x-fleetq-pbs-errno')[0] ?? NaN);
  if (Number.isFinite(v)) return v;
  if (e.code === 14 || e.code === 4) return PBSE.NOSERVER; // UNAVAILABLE, DEADLINE_EXCEEDED
  return PBSE.SYSTEM;
}

export function isUnavailable(e: RpcError): boolean { return e.code === 14 || e.code === 4; }

/** PBS's exit status for an error number: only its low 8 bits survive. */
export function exitCode(errno: number): number { return errno & 0xff || 1; }

/** PBS's text for an error: `Unknown Job Id`, `Request invalid for state of job`, ... */
export function pbsText(e: RpcError): string { return PBSE_TEXT[pbsErrno(e)] ?? (e.details ?? 'error'); }

/** `cmd: cannot connect to server NAME (errno=111)` when the daemon is not there. */
export function connectError(cmd: string, server: string): string {
  return `${cmd}: cannot connect to server ${server} (errno=111)\n`;
}

/** Per-job errors, as PBS's prt_job_err prints them: `cmd: <text> <id>`. */
export function jobError(cmd: string, e: RpcError, id: string): { text: string; code: number } {
  const errno = pbsErrno(e);
  let text = errno === PBSE.HISTJOBID ? `${cmd}: Job has finished ${id}` : `${cmd}: ${pbsText(e)} ${id}`;
  // Who was refused, and why: PBS's words first, then the server's reason.
  // (Also when the server says more than PBS's words: a ParallelCluster head's Slurm refusing it.)
  if (e.details && ((errno === PBSE.PERM || errno === PBSE.BADCRED) || (errno !== PBSE.HISTJOBID && errno !== PBSE.UNKJOBID && !e.details.startsWith(pbsText(e))))) text += `\n${cmd}: ${e.details}`;
  return { text: `${text}\n`, code: exitCode(errno) };
}

/** PBS job ids: `SEQ`, `SEQ.server`, `SEQ[].server`, `SEQ[i].server`. */
export function validJobId(id: string): boolean { return /^\d+(\[\d*\])?(\.[\w.-]+)?(@[\w.-]+)?$/.test(id); }

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** C's ctime() without the newline, in local time: `Thu May 14 07:04:20 2020`. */
export function ctime(unix: number): string {
  const d = new Date(unix * 1000);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

/** `[[HH:]MM:]SS` from seconds, hours unbounded (walltime, cput). */
export function hms(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${p2(Math.floor(s / 3600))}:${p2(Math.floor((s % 3600) / 60))}:${p2(s % 60)}`;
}

/** Sizes as PBS prints them: kb. */
export function kb(bytes: number): string { return `${Math.ceil(bytes / 1024)}kb`; }

/** The version line every command prints for --version. */
export function versionLine(): string { return 'pbs_version = fleetq-0.1.0\n'; }

/** Writes and sets the exit code; never calls process.exit so output is flushed. */
export function finish(stdout: string, stderr: string, code: number): void {
  if (stdout) process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
  process.exitCode = code;
}
