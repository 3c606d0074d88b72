/** qsub: submits a job script (a file, stdin, or `-- command args`) and prints its id. */
import { readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect } from '../client/index.js';
import { getopt, pbsErrno, pbsText, exitCode, isUnavailable, connectError, versionLine, finish, type RpcError } from './pbs/common.js';
import { buildSpec, QSUB_OPTS, QSUB_USAGE, QsubUsageError } from './pbs/qsub-args.js';

function readScript(operands: string[], dashdash: boolean): { script: string; name: string } {
  if (dashdash && operands.length > 0) {
    const quoted = operands.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return { script: `#!/bin/sh\nexec ${quoted}\n`, name: basename(operands[0] ?? 'STDIN') };
  }
  const file = operands[0];
  if (file === undefined || file === '-') return { script: readFileSync(0, 'utf8'), name: '' };
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new QsubUsageError('script file:: No such file or directory', false);
  return { script: readFileSync(file, 'utf8'), name: basename(file) };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--version') { finish(versionLine(), '', 0); return; }
  const g = getopt(argv, QSUB_OPTS);
  if (g.bad) { finish('', `qsub: invalid option -- '${g.bad}'\n${QSUB_USAGE}`, 2); return; }
  let spec; let quiet;
  try {
    const s = readScript(g.operands, argv.includes('--'));
    ({ spec, quiet } = buildSpec({
      argv, script: s.script, scriptName: s.name, env: process.env, cwd: process.cwd(), host: hostname(),
      user: userInfo().username, now: new Date(),
    }, g.opts));
  } catch (e) {
    if (!(e instanceof QsubUsageError)) throw e;
    finish('', `qsub: ${e.message}\n${e.showUsage ? QSUB_USAGE : ''}`, e.showUsage ? 2 : 1);
    return;
  }
  const client = connect();
  const request_id = randomUUID();
  try {
    let res;
    try { res = await client.submitJob({ spec, request_id }); } catch (e) {
      if (!isUnavailable(e as RpcError)) throw e;
      res = await client.submitJob({ spec, request_id }); // same request id: a retry cannot duplicate
    }
    finish(quiet ? '' : `${res.job.id}\n`, '', 0);
  } catch (e) {
    const err = e as RpcError;
    if (isUnavailable(err)) { finish('', connectError('qsub', client.address), exitCode(pbsErrno(err))); return; }
    const text = pbsText(err);
    finish('', `qsub: ${text}${err.details ? ` (${err.details})` : ''}\n`, exitCode(pbsErrno(err)));
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((e: Error) => finish('', `qsub: ${e.message}\n`, 1));
