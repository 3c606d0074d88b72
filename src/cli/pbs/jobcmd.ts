/**
 * The shape qdel, qhold, qrls and qalter share: parse options, then one call per job id, printing
 * PBS's per-job errors (`cmd: Unknown Job Id ID`) and exiting with the last error's code.
 */
import { connect, type FleetqClient } from '../../client/index.js';
import { getopt, jobError, pbsErrno, exitCode, isUnavailable, connectError, validJobId, versionLine, finish, type RpcError } from './common.js';

export interface JobCommand {
  name: string;
  optstring: string;
  usage: string;
  /** Checks the options; returns an error message (printed as `cmd: msg` + usage, exit 2) or undefined. */
  check?(opts: Array<[string, string]>): string | undefined;
  /** The call for one job id. */
  act(client: FleetqClient, id: string, opts: Array<[string, string]>): Promise<unknown>;
}

export async function runJobCommand(cmd: JobCommand, argv: string[]): Promise<void> {
  if (argv[0] === '--version') { finish(versionLine(), '', 0); return; }
  const g = getopt(argv, cmd.optstring);
  if (g.bad || g.operands.length === 0) { finish('', `${g.bad ? `${cmd.name}: invalid option -- '${g.bad}'\n` : ''}${cmd.usage}`, 2); return; }
  const bad = cmd.check?.(g.opts);
  if (bad) { finish('', `${cmd.name}: ${bad}\n${cmd.usage}`, 2); return; }
  const client = connect();
  let err = ''; let code = 0;
  try {
    for (const id of g.operands) {
      if (!validJobId(id)) { err += `${cmd.name}: illegally formed job identifier: ${id}\n`; code = 1; continue; }
      try { await cmd.act(client, id.replace(/@.*$/, ''), g.opts); } catch (e) {
        if (isUnavailable(e as RpcError)) { err += connectError(cmd.name, client.address); code = exitCode(pbsErrno(e as RpcError)); break; }
        const je = jobError(cmd.name, e as RpcError, id);
        err += je.text; code = je.code;
      }
    }
  } finally { client.close(); }
  finish('', err, code);
}

export function main(cmd: JobCommand): void {
  runJobCommand(cmd, process.argv.slice(2)).catch((e: Error) => finish('', `${cmd.name}: ${e.message}\n`, 1));
}
