/** qselect: prints the ids of the jobs that match, one per line. */
import { connect } from '../client/index.js';
import { getopt, pbsErrno, exitCode, isUnavailable, connectError, versionLine, finish, type RpcError } from './pbs/common.js';

const USAGE = 'usage: qselect [-a [op]date_time] [-A account_string] [-h hold_list] [-J] [-l resource_list]\n\t[-N name] [-p [op]priority] [-q destination] [-r y|n] [-s states] [-t] [-T] [-u user_name] [-x]\n       qselect --version\n';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--version') { finish(versionLine(), '', 0); return; }
  const g = getopt(argv, 'a:A:c:h:Jl:N:p:P:q:r:s:S:tTu:x');
  if (g.bad || g.operands.length > 0) { finish('', `${g.bad ? `qselect: invalid option -- '${g.bad}'\n` : ''}${USAGE}`, 2); return; }
  const o = new Map(g.opts);
  const states = o.get('s');
  if (states !== undefined && !/^[EFHQRSTUWXB]+$/.test(states)) { finish('', `qselect: illegal -s value\n${USAGE}`, 2); return; }
  const c = connect();
  try {
    const pages = c.listJobPages({
      view: 'JOB_VIEW_BASIC', page_size: 2000, // ids and the fields filtered on below: no scripts (pages as qstat's)
      include_finished: o.has('x') || (states?.includes('F') ?? false),
      ...(o.get('u') ? { users: (o.get('u') ?? '').split(',') } : {}),
      ...(o.get('q') ? { queues: [(o.get('q') ?? '').replace(/@.*$/, '')] } : {}),
    });
    const name = o.get('N'); const acct = o.get('A'); const holds = o.get('h'); const rr = o.get('r');
    const out: string[] = [];
    for await (const page of pages) {
      if (o.has('J')) break; // arrays only: fleetq has none yet
      for (const j of page) {
        if (states && !states.includes(j.state_letter)) continue;
        if (name && j.spec?.name !== name) continue;
        if (acct && j.spec?.account !== acct) continue;
        if (holds && ![...holds].every((h) => j.hold_types.includes(h))) continue;
        if (rr && (j.spec?.rerunnable !== false) !== (rr === 'y')) continue;
        out.push(`${j.id}\n`);
      }
    }
    finish(out.join(''), '', 0);
  } catch (e) {
    const err = e as RpcError;
    finish('', isUnavailable(err) ? connectError('qselect', c.address) : `qselect: ${err.details ?? String(e)}\n`, exitCode(pbsErrno(err)));
  } finally { c.close(); }
}

main(process.argv.slice(2)).catch((e: Error) => finish('', `qselect: ${e.message}\n`, 1));
