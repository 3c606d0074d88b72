/**
 * ListJobs paging: whatever the page size, following next_page_token gives every job exactly once,
 * in seq order (an array's subjobs after it), with or without filters (states, users, queues,
 * finished jobs, subjobs); the BASIC view carries what the tables show and not the script.
 */
import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { startDaemon, run, type DaemonHandle } from '../helpers/daemon.js';
import { connect, type FleetqClient, type Job } from '../../src/client/index.js';
import type { ListJobsRequest } from '../../src/gen/fleetq/v1/ListJobsRequest.js';

interface Made { id: string; seq: number; user: string; queue: string; state: string; subjobs: number }

let d: DaemonHandle;
let c: FleetqClient;
const made: Made[] = [];

test.before(async () => {
  d = await startDaemon({ env: { FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' }, { name: 'short' }]) }, waitForNodes: false });
  c = connect({ address: d.address });
  const later = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 24; i++) {
    const user = i % 2 === 0 ? 'alice' : 'bob';
    const queue = i % 3 === 0 ? 'short' : 'workq';
    const array = i === 7 || i === 16; // two arrays of 7 subjobs: page boundaries fall inside them
    // Nothing runs: held jobs, and every fifth one waits for its -a time an hour from now.
    const waits = i % 5 === 4;
    const { job } = await c.submitJob({ spec: {
      name: `list${i}`, script: `#!/bin/sh\necho ${i}\n`, workdir: '/tmp', user, queue, hold: !waits, variables: { MARK: `m${i}` },
      ...(waits ? { execution_time_unix: later } : {}), ...(array ? { array_indices: '1-7' } : {}),
    } });
    made.push({ id: job.id, seq: job.seq, user, queue, state: job.state, subjobs: array ? 7 : 0 });
  }
  for (const i of [2, 9, 13]) { // deleted: finished
    const m = made[i]!;
    await c.cancelJob({ id: m.id });
    m.state = 'JOB_STATE_FINISHED';
  }
});
test.after.always(async () => { c?.close(); await d?.stop(); });

/** Every page of a listing from `req.page_token` on, following the tokens. */
async function pages(req: ListJobsRequest): Promise<Job[][]> {
  const out: Job[][] = [];
  let page_token = req.page_token ?? '';
  do {
    const r = await c.listJobs({ ...req, page_token });
    out.push(r.jobs);
    page_token = r.next_page_token;
  } while (page_token !== '');
  return out;
}

/** What a listing should give, from what was made: ids in seq order, subjobs after their array. */
function expected(f: { states?: string[]; users?: string[]; queues?: string[]; finished?: boolean; subjobs?: boolean }): string[] {
  const out: string[] = [];
  for (const m of made) {
    if (f.states ? !f.states.includes(m.state) : !f.finished && m.state === 'JOB_STATE_FINISHED') continue;
    if (f.users && !f.users.includes(m.user)) continue;
    if (f.queues && !f.queues.includes(m.queue)) continue;
    out.push(m.id);
    if (f.subjobs) for (let i = 1; i <= m.subjobs; i++) out.push(m.id.replace('[]', `[${i}]`));
  }
  return out;
}

const cases: Array<{ name: string; req: ListJobsRequest; want: Parameters<typeof expected>[0] }> = [
  { name: 'every pending job', req: {}, want: {} },
  { name: 'held only', req: { states: ['JOB_STATE_HELD'] }, want: { states: ['JOB_STATE_HELD'] } },
  { name: 'held or waiting, alice', req: { states: ['JOB_STATE_HELD', 'JOB_STATE_WAITING'], users: ['alice'] }, want: { states: ['JOB_STATE_HELD', 'JOB_STATE_WAITING'], users: ['alice'] } },
  { name: 'bob in short, finished too', req: { users: ['bob'], queues: ['short'], include_finished: true }, want: { users: ['bob'], queues: ['short'], finished: true } },
  { name: 'finished only', req: { states: ['JOB_STATE_FINISHED'] }, want: { states: ['JOB_STATE_FINISHED'] } },
  { name: 'with subjobs', req: { include_subjobs: true }, want: { subjobs: true } },
  { name: 'workq with subjobs, finished too', req: { queues: ['workq'], include_subjobs: true, include_finished: true }, want: { queues: ['workq'], subjobs: true, finished: true } },
];

// Serial: the last test changes jobs the others list.
for (const { name, req, want } of cases) {
  test.serial(`${name}: every job once, in order, whatever the page size`, async (t) => {
    const ids = expected(want);
    t.true(ids.length > 0, 'the case lists something');
    for (const size of [1, 3, 7, 10_000]) {
      for (const view of ['JOB_VIEW_BASIC', 'JOB_VIEW_FULL'] as const) {
        const got = await pages({ ...req, page_size: size, view });
        t.deepEqual(got.flat().map((j) => j.id), ids, `page_size ${size}, ${view}`);
        t.true(got.every((p, i) => p.length === size || i === got.length - 1), `page_size ${size}: full pages but the last (${got.map((p) => p.length).join(',')})`);
        t.is(got.length, Math.max(1, Math.ceil(ids.length / size)), `page_size ${size}: no empty page at the end`);
      }
    }
  });
}

test.serial('the BASIC view carries the table fields and not the script, variables or priority', async (t) => {
  const m = made[5]!;
  const [basic] = (await c.listJobs({ ids: [m.id], view: 'JOB_VIEW_BASIC' })).jobs;
  const [full] = (await c.listJobs({ ids: [m.id] })).jobs;
  if (!basic || !full) { t.fail(`job ${m.id} listed in both views`); return; }
  for (const k of ['id', 'seq', 'state', 'state_letter', 'owner', 'queue', 'hold_types', 'create_time_unix', 'used_cput_seconds', 'used_walltime_seconds', 'server', 'revision'] as const) {
    t.deepEqual(basic[k], full[k], k);
  }
  t.is(basic.spec?.name, 'list5');
  t.is(basic.spec?.user, m.user);
  t.deepEqual(basic.resources, full.resources, 'resources (the -a columns)');
  t.is(full.spec?.script, '#!/bin/sh\necho 5\n', 'FULL (the default) has the script');
  t.is(basic.spec?.script, '', 'BASIC has no script');
  t.deepEqual(basic.spec?.variables, {}, 'nor variables');
  t.is(full.spec?.variables.MARK, 'm5');
  t.is(basic.output_path, '', 'nor paths');
  t.is(basic.sched_priority, undefined, 'nor a priority');
});

test.serial('an unknown view is refused, naming the field', async (t) => {
  const e = await t.throwsAsync(c.listJobs({ view: 7 as never })) as grpc.ServiceError;
  t.is(e.code, grpc.status.INVALID_ARGUMENT);
  t.regex(e.details, /^view: '7' is not a job view/);
});

test.serial('qstat and qselect list through the BASIC view: the same tables', async (t) => {
  const q = await run('qstat', [], { home: d.home });
  t.is(q.code, 0, q.stderr);
  const rows = q.stdout.split('\n').slice(2).filter((l) => l !== '');
  t.deepEqual(rows.map((l) => l.split('.')[0]), expected({}).map((id) => id.split('.')[0]));
  t.regex(rows[0] ?? '', /^\S+\s+list0\s+alice\s+0 H short\s*$/);
  const a = await run('qstat', ['-a', '-u', 'bob'], { home: d.home });
  t.is(a.code, 0, a.stderr);
  t.is(a.stdout.split('\n').filter((l) => / bob /.test(l)).length, expected({ users: ['bob'] }).length);
  const s = await run('qselect', ['-u', 'alice', '-s', 'W'], { home: d.home });
  t.is(s.code, 0, s.stderr);
  t.deepEqual(s.stdout.trim().split('\n'), made.filter((m) => m.user === 'alice' && m.state === 'JOB_STATE_WAITING').map((m) => m.id));
});

test.serial('a page token resumes after its job, even when that job has left the listing since', async (t) => {
  const first = await c.listJobs({ page_size: 4, view: 'JOB_VIEW_BASIC' });
  const last = first.jobs[3];
  if (!last) { t.fail('a first page of 4'); return; }
  await c.cancelJob({ id: last.id }); // now finished: no longer among the pending jobs listed
  const m = made.find((x) => x.id === last.id);
  if (m) m.state = 'JOB_STATE_FINISHED';
  const rest = await pages({ page_size: 3, view: 'JOB_VIEW_BASIC', page_token: first.next_page_token });
  t.deepEqual(rest.flat().map((j) => j.id), expected({}).filter((id) => Number(id.split(/[.[]/)[0]) > last.seq));
});
