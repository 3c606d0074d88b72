/** pbsnodes' layouts (ref/pbs-cli.md §2.10): -a attribute blocks, -l, -aS, -aSj tables, JSON. */
import type { Node__Output as Node } from '../../gen/fleetq/v1/Node.js';
import { ctime, kb } from './common.js';

const gb = (b: number): string => `${Math.floor(b / 1024 ** 3)}gb`;

export function nodeAttributes(n: Node): Array<[string, string]> {
  const a: Array<[string, string]> = [
    ['Mom', n.host || n.name], ['ntype', 'PBS'], ['state', n.state_text], ['pcpus', String(n.ncpus)],
    ['jobs', n.jobs.join(', ')],
    ['resources_available.arch', n.arch || 'linux'], ['resources_available.host', n.name],
    ['resources_available.mem', kb(n.mem_bytes)], ['resources_available.ncpus', String(n.ncpus)],
    ['resources_available.ngpus', String(n.ngpus)], ['resources_available.vnode', n.name],
    // fleetq's placement facts (EC2 nodes), shown when known
    ['resources_available.efa', n.efa ? String(n.efa) : ''], ['resources_available.instance_type', n.instance_type],
    ['resources_available.instance_id', n.instance_id ?? ''],
    ['resources_available.availability_zone', n.availability_zone], ['resources_available.placement_group', n.placement_group],
    ['resources_available.capacity', n.instance_type || n.spot ? (n.spot ? 'spot' : 'ondemand') : ''],
    ['resources_available.network_nodes', n.network_nodes.join(',')],
    ['resources_assigned.mem', kb(n.assigned_mem_bytes)], ['resources_assigned.ncpus', String(n.assigned_ncpus)],
    ['resources_assigned.ngpus', String(n.assigned_ngpus)],
    ['comment', n.comment], ['resv_enable', 'True'], ['sharing', 'default_shared'],
    ['last_state_change_time', n.last_state_change_unix ? ctime(n.last_state_change_unix) : ''],
  ];
  return a.filter(([, v]) => v !== '');
}

export function formatNodesLong(nodes: readonly Node[]): string {
  return nodes.map((n) => `${n.name}\n${nodeAttributes(n).map(([k, v]) => `     ${k} = ${v}\n`).join('')}\n`).join('');
}

export function formatNodesList(nodes: readonly Node[]): string {
  return nodes.filter((n) => /\b(down|offline)\b/.test(n.state_text))
    .map((n) => `${n.name.padEnd(20)} ${n.state_text}${n.comment ? ` ${n.comment}` : ''}\n`).join('');
}

const f = (s: string, n: number, right = false): string => (right ? s.slice(0, n).padStart(n) : s.slice(0, n).padEnd(n));

export function formatNodesS(nodes: readonly Node[]): string {
  let out = 'vnode           state           OS       hardware host            queue        mem     ncpus   nmics   ngpus  comment\n--------------- --------------- -------- -------- --------------- ---------- -------- ------- ------- ------- ---------\n';
  for (const n of nodes) {
    out += `${f(n.name, 15)} ${f(n.state_text, 15)} ${f('--', 8)} ${f('--', 8)} ${f(n.host || n.name, 15)} ${f('--', 10)} ${f(gb(n.mem_bytes), 8, true)} ${f(String(n.ncpus), 7, true)} ${f('0', 7, true)} ${f(String(n.ngpus), 7, true)} ${n.comment || '--'}\n`;
  }
  return out;
}

const ft = (free: string, total: string): string => `${free}/${total}`;

export function formatNodesSj(nodes: readonly Node[]): string {
  let out = '                                                        mem       ncpus   nmics   ngpus\nvnode           state           njobs   run   susp      f/t        f/t     f/t     f/t   jobs\n--------------- --------------- ------ ----- ------ ------------ ------- ------- ------- -------\n';
  for (const n of nodes) {
    out += `${f(n.name, 15)} ${f(n.state_text, 15)} ${f(String(n.jobs.length), 6, true)} ${f(String(n.jobs.length), 5, true)} ${f('0', 6, true)} ${f(ft(gb(n.mem_bytes - n.assigned_mem_bytes), gb(n.mem_bytes)), 12, true)} ${f(ft(String(n.ncpus - n.assigned_ncpus), String(n.ncpus)), 7, true)} ${f('0/0', 7, true)} ${f(ft(String(n.ngpus - n.assigned_ngpus), String(n.ngpus)), 7, true)} ${n.jobs.length ? n.jobs.join(',') : '--'}\n`;
  }
  return out;
}

/** `pbsnodes -aSj -F json`: both "State" (OpenPBS) and "state" (what Open OnDemand reads). */
export function formatNodesSjJson(nodes: readonly Node[], server: string, now = Math.floor(Date.now() / 1000)): string {
  const body = Object.fromEntries(nodes.map((n) => [n.name, {
    State: n.state_text, state: n.state_text, 'Total Jobs': n.jobs.length, 'Running Jobs': n.jobs.length, 'Suspended Jobs': 0,
    'mem f/t': ft(gb(n.mem_bytes - n.assigned_mem_bytes), gb(n.mem_bytes)), 'ncpus f/t': ft(String(n.ncpus - n.assigned_ncpus), String(n.ncpus)),
    'nmics f/t': '0/0', 'ngpus f/t': ft(String(n.ngpus - n.assigned_ngpus), String(n.ngpus)), jobs: n.jobs,
  }]));
  return `${JSON.stringify({ timestamp: now, pbs_version: 'fleetq-0.1.0', pbs_server: server, nodes: body }, null, 4)}\n`;
}

/** `pbsnodes -a -F json`: each node's attributes, resources nested. */
export function formatNodesJson(nodes: readonly Node[], server: string, now = Math.floor(Date.now() / 1000)): string {
  const body = Object.fromEntries(nodes.map((n) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of nodeAttributes(n)) {
      const dot = k.indexOf('.');
      const val = /^\d+$/.test(v) ? Number(v) : v;
      if (dot > 0) ((o[k.slice(0, dot)] ??= {}) as Record<string, unknown>)[k.slice(dot + 1)] = val; else o[k] = val;
    }
    o.State = n.state_text;
    o.jobs = n.jobs;
    return [n.name, o];
  }));
  return `${JSON.stringify({ timestamp: now, pbs_version: 'fleetq-0.1.0', pbs_server: server, nodes: body }, null, 4)}\n`;
}
