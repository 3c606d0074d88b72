/**
 * `fleetq rsh [ssh options] HOST COMMAND...` (also bin/fleetq-rsh, what MPI launchers are pointed
 * at): runs COMMAND on HOST, a node of the job it is called from, through the daemon and that
 * node's agent — PBS's pbs_tmrsh. Like ssh: the words of COMMAND are joined with spaces and run by a
 * shell there; stdin, stdout and stderr are relayed; the exit status is the command's (128 + n
 * when a signal ended it, 255 when it could not be run). ssh options launchers add (-x, -n, -T, -q,
 * -o OPT, -l USER, -p PORT) are accepted and ignored. Needs the job's environment: PBS_JOBID and
 * FLEETQ_JOB_TOKEN (set by the agent at launch), FLEETQ_SERVER.
 */
import { constants } from 'node:os';
import { connect } from '../client/index.js';
import type { ExecRequest } from '../gen/fleetq/v1/ExecRequest.js';
import type { ExecReply__Output } from '../gen/fleetq/v1/ExecReply.js';

const WITH_VALUE = new Set(['-o', '-l', '-p', '-i', '-F', '-E', '-c', '-m', '-O', '-S', '-W', '-b', '-e', '-L', '-R', '-D', '-J', '-Q', '-w', '-B', '-I']);

export function parseRsh(argv: readonly string[]): { host: string; command: string } | { error: string } {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) i += WITH_VALUE.has(argv[i]!) ? 2 : 1;
  const host = argv[i];
  const words = argv.slice(i + 1);
  if (!host) return { error: 'HOST: a node of this job is required' };
  if (words.length === 0) return { error: 'COMMAND: a command is required' };
  return { host, command: words.join(' ') };
}

export async function runRsh(argv: readonly string[]): Promise<number> {
  const p = parseRsh(argv);
  if ('error' in p) { process.stderr.write(`fleetq rsh: ${p.error}\nusage: fleetq rsh [ssh options] HOST COMMAND...\n`); return 255; }
  const job = process.env.PBS_JOBID ?? '';
  const token = process.env.FLEETQ_JOB_TOKEN ?? '';
  if (job === '' || token === '') { process.stderr.write('fleetq rsh: PBS_JOBID and FLEETQ_JOB_TOKEN are not set: run it from inside a fleetq job\n'); return 255; }
  const client = connect();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const call = client.raw.Exec();
  const send = (m: ExecRequest): void => { call.write(m); };
  send({ start: { job_id: job, host: p.host, command: p.command, token, env, cwd: process.cwd() } });
  process.stdin.on('data', (d: Buffer) => send({ stdin: d }));
  process.stdin.on('end', () => send({ stdin_eof: true }));
  process.stdin.on('error', () => undefined);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => send({ signal: sig }));
  return new Promise((resolve) => {
    let code = 255;
    call.on('data', (r: ExecReply__Output) => {
      if (r.msg === 'stdout' && r.stdout) process.stdout.write(r.stdout);
      else if (r.msg === 'stderr' && r.stderr) process.stderr.write(r.stderr);
      else if (r.msg === 'exit' && r.exit) {
        const n = r.exit.signal !== '' ? (constants.signals as Record<string, number>)[r.exit.signal] : undefined;
        code = n !== undefined ? 128 + n : r.exit.code;
      }
    });
    call.on('error', (e: { details?: string; message: string }) => {
      process.stderr.write(`fleetq rsh: ${p.host}: ${e.details ?? e.message}\n`);
      resolve(255);
    });
    call.on('end', () => { client.close(); resolve(code); });
  }).then((code) => { process.stdin.destroy(); return code as number; });
}

// As bin/fleetq-rsh: the whole command line is rsh's.
if (process.argv[1]?.endsWith('fleetq-rsh')) {
  void runRsh(process.argv.slice(2)).then((code) => process.exit(code));
}
