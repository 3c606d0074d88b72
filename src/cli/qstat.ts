/** qstat: shows jobs, queues (-Q) or the server (-B) in OpenPBS's layouts. */
import { connect, type FleetqClient, type Job } from '../client/index.js';
import type { ListJobsRequest } from '../gen/fleetq/v1/ListJobsRequest.js';
import { getopt, jobError, pbsErrno, exitCode, isUnavailable, connectError, validJobId, versionLine, finish, type RpcError } from './pbs/common.js';
import { defaultHeader, defaultRows, altHeader, altRows, formatFull, formatJson, formatQueues, formatQueuesFull, formatServer, formatServerFull, queueAttributes, serverAttributes } from './pbs/qstat-format.js';
import { PBSE } from '../util/errors.js';

const USAGE = `usage:
qstat [-fp] [-J] [-t] [-x] [-E] [-F format] [-D delim] [-w] [ job_identifier... | destination... ]
qstat [-a|-i|-r|-H|-T] [-J] [-t] [-u user] [-n] [-s] [-G|-M] [-1] [-E] [-w] [ job_identifier... | destination... ]
qstat -Q [-f] [-F format] [-D delim] [ destination... ]
qstat -q [-G|-M] [ destination... ]
qstat -B [-f] [-F format] [-D delim] [ server_name... ]
qstat --version
`;

interface Flags { [k: string]: string | boolean | undefined }

/**
 * What a listing asks for: tables take the BASIC view, in pages of 2000 (larger ones are no faster
 * and hold more decoded jobs at once: 110,000 jobs take 165 MB at 2000, 330 MB at 10,000); -f every
 * field.
 */
type Listing = Pick<ListJobsRequest, 'view' | 'page_size'>;
const TABLE: Listing = { view: 'JOB_VIEW_BASIC', page_size: 2000 };
const FULL: Listing = { view: 'JOB_VIEW_FULL' };

/** The jobs the operands name (all of them without operands), a page at a time. */
async function* jobsFor(c: FleetqClient, operands: string[], f: Flags, listing: Listing, err: string[], code: { v: number }): AsyncGenerator<Job[]> {
  const history = f.x === true || f.H === true;
  const include_subjobs = f.t === true; // -t: arrays' subjobs too, after each array
  if (operands.length === 0) {
    for await (const page of c.listJobPages({ ...listing, include_finished: history, include_subjobs, ...(typeof f.u === 'string' ? { users: f.u.split(',') } : {}) })) {
      yield f.H === true ? page.filter((j) => j.state_letter === 'F') : page;
    }
    return;
  }
  for (const op of operands) {
    if (validJobId(op)) {
      try {
        const j = await c.getJob({ id: op.replace(/@.*$/, '') });
        if (j.state_letter === 'F' && !history) { err.push(`qstat: ${j.id} Job has finished, use -x or -H to obtain historical job information\n`); code.v = exitCode(PBSE.HISTJOBID); continue; }
        // -t on an array: the array, then its subjobs (finished ones too: X).
        if (include_subjobs && j.array) yield* c.listJobPages({ ...listing, ids: [j.id], include_subjobs, include_finished: true });
        else yield [j];
      } catch (e) {
        if (isUnavailable(e as RpcError)) throw e;
        const je = jobError('qstat', e as RpcError, op); err.push(je.text); code.v = je.code;
      }
      continue;
    }
    const queue = op.replace(/@.*$/, '');
    if (queue === '') { yield* c.listJobPages({ ...listing, include_finished: history, include_subjobs }); continue; }
    try { await c.listQueues({ names: [queue] }); } catch (e) {
      if (isUnavailable(e as RpcError)) throw e;
      err.push(`qstat: Unknown queue destination ${op}\n`); code.v = exitCode(PBSE.UNKQUE); continue;
    }
    yield* c.listJobPages({ ...listing, queues: [queue], include_finished: history, include_subjobs });
  }
}

function filterJobs(jobs: Job[], f: Flags): Job[] {
  let js = jobs;
  if (typeof f.u === 'string') { const us = f.u.split(','); js = js.filter((j) => us.includes(j.owner.split('@')[0] ?? '')); }
  if (f.i === true) js = js.filter((j) => ['Q', 'H', 'W'].includes(j.state_letter));
  if (f.r === true) js = js.filter((j) => ['R', 'E'].includes(j.state_letter));
  if (f.J === true) js = js.filter((j) => (f.t === true ? j.array_id !== '' : j.array)); // -J: arrays only; with -t, subjobs only
  return js;
}

async function showJobs(c: FleetqClient, operands: string[], f: Flags): Promise<[string, string, number]> {
  const err: string[] = []; const code = { v: 0 };
  if (f.f === true) {
    const jobs: Job[] = [];
    for await (const page of jobsFor(c, operands, f, FULL, err, code)) for (const j of filterJobs(page, f)) jobs.push(j);
    const server = jobs[0]?.server ?? (await c.getServer()).name;
    return [f.F === 'json' ? formatJson(jobs, server) : formatFull(jobs, { wide: f.w === true }), err.join(''), code.v];
  }
  // Tables are formatted a page at a time: a listing of 100,000 jobs is never held whole.
  const alt = Boolean(f.a || f.n || f.s || f.i || f.r || f.H || f.T || f.u);
  const o = { wide: f.w === true, nodes: f.n === true, comments: f.s === true, one: f['1'] === true };
  const out: string[] = [];
  for await (const page of jobsFor(c, operands, f, TABLE, err, code)) {
    const jobs = filterJobs(page, f);
    const first = jobs[0];
    if (!first) continue;
    if (out.length === 0) out.push(alt ? altHeader(first.server) : defaultHeader(o));
    out.push(alt ? altRows(jobs, o) : defaultRows(jobs, o));
  }
  return [out.join(''), err.join(''), code.v];
}

async function showQueues(c: FleetqClient, operands: string[], f: Flags): Promise<[string, string, number]> {
  const names = operands.map((o) => o.replace(/@.*$/, '')).filter((n) => n !== '');
  let queues;
  try { queues = (await c.listQueues({ names })).queues; } catch (e) {
    if (isUnavailable(e as RpcError)) throw e;
    return ['', `qstat: Unknown queue ${names.join(' ')}\n`, exitCode(PBSE.UNKQUE)];
  }
  if (f.f !== true) return [formatQueues(queues), '', 0];
  if (f.F === 'json') {
    const server = (await c.getServer()).name;
    return [formatJson([], server, 'Queue', Object.fromEntries(queues.map((q) => [q.name, Object.fromEntries(queueAttributes(q))]))), '', 0];
  }
  return [formatQueuesFull(queues), '', 0];
}

async function showServer(c: FleetqClient, f: Flags): Promise<[string, string, number]> {
  const s = await c.getServer();
  if (f.f !== true) return [formatServer(s), '', 0];
  if (f.F === 'json') return [formatJson([], s.name, 'Server', { [s.name]: Object.fromEntries(serverAttributes(s)) }), '', 0];
  return [formatServerFull(s), '', 0];
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--version') { finish(versionLine(), '', 0); return; }
  const g = getopt(argv, 'aBD:fF:GHiJMnpqQrsStTu:wx1E', true);
  if (g.bad) { finish('', `qstat: invalid option -- '${g.bad}'\n${USAGE}`, 2); return; }
  const f: Flags = {};
  for (const [o, v] of g.opts) f[o] = v === '' ? true : v;
  if (f.F !== undefined && f.F !== 'json' && f.F !== 'dsv') { finish('', `qstat: illegal -F value\n${USAGE}`, 2); return; }
  const c = connect();
  try {
    const [out, err, code] = f.Q === true || f.q === true ? await showQueues(c, g.operands, f) : f.B === true ? await showServer(c, f) : await showJobs(c, g.operands, f);
    finish(out, err, code);
  } catch (e) {
    const err = e as RpcError;
    if (isUnavailable(err)) finish('', connectError('qstat', c.address), exitCode(pbsErrno(err)));
    else finish('', `qstat: ${err.details ?? String(e)}\n`, exitCode(pbsErrno(err)));
  } finally { c.close(); }
}

main(process.argv.slice(2)).catch((e: Error) => finish('', `qstat: ${e.message}\n`, 1));
