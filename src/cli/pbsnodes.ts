/** pbsnodes: shows the nodes and their state (-a, -l, -aS, -aSj, -F json, node names). */
import { connect } from '../client/index.js';
import { getopt, pbsErrno, exitCode, isUnavailable, connectError, versionLine, finish, type RpcError } from './pbs/common.js';
import { formatNodesLong, formatNodesList, formatNodesS, formatNodesSj, formatNodesSjJson, formatNodesJson } from './pbs/nodes-format.js';

const USAGE = 'usage:\tpbsnodes [-o|-r] [-C comment] [-s server] host host ...\n\tpbsnodes -l [-s server]\n\tpbsnodes -a [-j] [-S] [-F json|dsv] [-s server]\n\tpbsnodes [-v] [-j] [-S] [-F json|dsv] [-s server] vnode vnode ...\n\tpbsnodes --version\n';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--version') { finish(versionLine(), '', 0); return; }
  const g = getopt(argv, 'aC:D:F:ijlors:SvH', true);
  if (g.bad) { finish('', `pbsnodes: invalid option -- '${g.bad}'\n${USAGE}`, 2); return; }
  const o = new Map(g.opts);
  if (o.has('o') || o.has('r') || o.has('C')) { await setNodes(g.operands, o); return; }
  const fmt = o.get('F');
  if (fmt !== undefined && fmt !== 'json') { finish('', `pbsnodes: illegal -F value\n${USAGE}`, 2); return; }
  const c = connect();
  try {
    const names = g.operands;
    let nodes;
    try { nodes = (await c.listNodes({ names })).nodes; } catch (e) {
      if (isUnavailable(e as RpcError)) throw e;
      finish('', `pbsnodes: Unknown node  ${names.join(' ')}\n`, exitCode(15062)); return;
    }
    if (nodes.length === 0) { finish('', 'pbsnodes: No nodes found\n', 1); return; }
    const server = fmt === 'json' ? (await c.getServer()).name : '';
    let out: string;
    if (o.has('l')) out = formatNodesList(nodes);
    else if (o.has('S') && o.has('j')) out = fmt === 'json' ? formatNodesSjJson(nodes, server) : formatNodesSj(nodes);
    else if (o.has('S')) out = fmt === 'json' ? formatNodesSjJson(nodes, server) : formatNodesS(nodes);
    else out = fmt === 'json' ? formatNodesJson(nodes, server) : formatNodesLong(nodes);
    finish(out, '', 0);
  } catch (e) {
    const err = e as RpcError;
    finish('', isUnavailable(err) ? connectError('pbsnodes', c.address) : `pbsnodes: ${err.details ?? String(e)}\n`, exitCode(pbsErrno(err)));
  } finally { c.close(); }
}

/** pbsnodes -o|-r [-C comment] node...: offline, back, or just the comment; operators and managers only. */
async function setNodes(names: string[], o: Map<string, string>): Promise<void> {
  if ((o.has('o') && o.has('r')) || names.length === 0) { finish('', USAGE, 2); return; }
  const c = connect();
  let err = '';
  let code = 0;
  try {
    for (const name of names) {
      try {
        await c.setNode({
          name, set_offline: o.has('o') || o.has('r'), offline: o.has('o'),
          set_comment: o.has('C'), comment: o.get('C') ?? '',
        });
      } catch (e) {
        const r = e as RpcError;
        if (isUnavailable(r)) { err += connectError('pbsnodes', c.address); code = exitCode(pbsErrno(r)); break; }
        err += `pbsnodes: ${/Unknown node/.test(r.details ?? '') ? `Unknown node  ${name}` : (r.details ?? String(e))}\n`;
        code = exitCode(pbsErrno(r));
      }
    }
  } finally { c.close(); }
  finish('', err, code);
}

main(process.argv.slice(2)).catch((e: Error) => finish('', `pbsnodes: ${e.message}\n`, 1));
