/**
 * Every gRPC request message, hostile: 10,000 generated requests over SubmitJob, GetJob, ListJobs,
 * CancelJob, HoldJob, ReleaseJob, AlterJob, ListNodes, SetNode and ListQueues against a real daemon. Each is
 * answered, or refused with a client-error status (never INTERNAL or UNKNOWN) whose message says
 * what is wrong; the daemon keeps serving, and a job stored before the storm is there, unchanged,
 * after it. Submitted jobs are always held: nothing generated here ever runs.
 */
import test from 'ava';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { connect, type FleetqClient } from '../../src/client/index.js';

let d: DaemonHandle;
test.before(async () => { d = await startDaemon({ env: { FLEETQ_LOG_LEVEL: 'info' }, waitForNodes: false }); });
test.after.always(async () => { await d?.stop(); });

const CLIENT_ERRORS = new Set([grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION, grpc.status.PERMISSION_DENIED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.OUT_OF_RANGE]);

const str = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', ' ', '1', '1.vm', '1[].vm', '1[2]', '99999999', 'workq', 'nosuch', '/tmp', 'select=1:ncpus=1', 'select=0', 'walltime=xx', 'oe', 'x'));
const id = fc.oneof(str, fc.nat(50).map(String), fc.nat(50).map((n) => `${n}.vm`));
const spec = fc.record({
  name: str, queue: str, script: str, resource_list: str, workdir: str, output_path: str, error_path: str, join_path: str,
  variables: fc.dictionary(str, str, { maxKeys: 3 }), account: str, priority: fc.integer({ min: -5000, max: 5000 }),
  has_rerunnable: fc.boolean(), rerunnable: fc.boolean(), execution_time_unix: fc.integer({ min: -1, max: 2 ** 40 }),
  mail_points: str, mail_users: str, shell: str, depend: fc.oneof(str, fc.constantFrom('afterok:1', 'afterany:1.vm:2', 'before:3', 'afterok:')),
  submit_args: str, submit_host: str, user: fc.constantFrom('', 'root'), attributes: fc.dictionary(str, str, { maxKeys: 2 }), script_name: str,
  array_indices: fc.oneof(str, fc.constantFrom('1-10', '0-2000000', '5-1', '1-10:0')), max_run_subjobs: fc.nat(100),
}, { requiredKeys: [] });
const req = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), spec, request_id: fc.oneof(str, fc.string({ minLength: 120, maxLength: 200 })) }),
  fc.record({ kind: fc.constant('get' as const), id }),
  fc.record({ kind: fc.constant('list' as const), states: fc.array(fc.constantFrom('JOB_STATE_QUEUED', 'JOB_STATE_HELD', 'NOT_A_STATE', 'JOB_STATE_UNSPECIFIED'), { maxLength: 2 }), page_size: fc.nat(20_000), page_token: fc.oneof(str, fc.constant('YWZ0ZXI6MQ'), fc.constant('YWZ0ZXI6MVsyXQ')), users: fc.array(str, { maxLength: 2 }), view: fc.constantFrom('JOB_VIEW_UNSPECIFIED', 'JOB_VIEW_BASIC', 'JOB_VIEW_FULL', 1, 7), include_subjobs: fc.boolean() }),
  fc.record({ kind: fc.constant('cancel' as const), id, force: fc.boolean() }),
  fc.record({ kind: fc.constant('hold' as const), id, hold_types: fc.oneof(str, fc.constantFrom('u', 'o', 's', 'uos', 'p', 'z')) }),
  fc.record({ kind: fc.constant('release' as const), id, hold_types: fc.oneof(str, fc.constantFrom('u', 'o', 's')) }),
  fc.record({ kind: fc.constant('alter' as const), id, spec, update_mask: fc.array(fc.constantFrom('name', 'resource_list', 'priority', 'queue', 'script', 'nonsense', 'user'), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('nodes' as const), names: fc.array(str, { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('setnode' as const), name: str, set_offline: fc.boolean(), offline: fc.boolean(), set_comment: fc.boolean(), comment: fc.oneof(str, fc.string({ minLength: 1000, maxLength: 1100 })) }),
  fc.record({ kind: fc.constant('queues' as const), names: fc.array(str, { maxLength: 2 }) }),
);

type Req = typeof req extends fc.Arbitrary<infer T> ? T : never;

function send(c: FleetqClient, r: Req): Promise<unknown> {
  switch (r.kind) {
    case 'submit': return c.submitJob({ request_id: r.request_id, spec: { ...r.spec, hold: true } });
    case 'get': return c.getJob({ id: r.id });
    case 'list': return c.listJobs({ states: r.states as never[], page_size: r.page_size, page_token: r.page_token, users: r.users, view: r.view as never, include_subjobs: r.include_subjobs });
    case 'cancel': return c.cancelJob({ id: r.id, force: r.force });
    case 'hold': return c.holdJob({ id: r.id, hold_types: r.hold_types });
    case 'release': return c.releaseJob({ id: r.id, hold_types: r.hold_types });
    case 'alter': return c.alterJob({ id: r.id, spec: { ...r.spec, hold: true }, update_mask: r.update_mask });
    case 'nodes': return c.listNodes({ names: r.names });
    case 'setnode': return c.setNode({ name: r.name, set_offline: r.set_offline, offline: r.offline, set_comment: r.set_comment, comment: r.comment });
    default: return c.listQueues({ names: r.names });
  }
}

test('10,000 hostile requests: each answered or refused with a client error that says why; nothing stored is lost', async (t) => {
  t.timeout(170_000);
  const c = connect({ address: d.address });
  // Generated ids reach job 50 at most: the sentinel comes after fifty jobs the storm may do anything to.
  for (let i = 0; i < 55; i++) await c.submitJob({ spec: { name: `target${i}`, script: 'true\n', workdir: '/tmp', hold: true } });
  const sentinel = (await c.submitJob({ spec: { name: 'sentinel', script: 'true\n', workdir: '/tmp', hold: true, resource_list: 'select=1:ncpus=1' } })).job;
  const refusals = new Map<number, number>();
  let answered = 0;
  await fc.assert(fc.asyncProperty(req, async (r) => {
    try { await send(c, r); answered++; } catch (e) {
      const err = e as grpc.ServiceError;
      if (typeof err.code !== 'number') return; // the client could not even encode it (e.g. a string where a number goes): never sent
      refusals.set(err.code, (refusals.get(err.code) ?? 0) + 1);
      if (!CLIENT_ERRORS.has(err.code)) throw new Error(`${JSON.stringify(r).slice(0, 400)} → ${grpc.status[err.code]}: ${err.details}`);
      if (err.details.trim().length < 8) throw new Error(`${JSON.stringify(r).slice(0, 400)} → a refusal that says nothing: '${err.details}'`);
    }
  }), { numRuns: 10_000 });
  t.log(`answered ${answered}; refused: ${[...refusals].map(([k, v]) => `${grpc.status[k]} ${v}`).join(', ')}`);
  t.true(answered > 0 && refusals.size > 0);
  // Still serving; the sentinel as it was.
  const after = await c.getJob({ id: sentinel.id });
  // As stored (its priority, recomputed as it ages, aside).
  const stored = (j: typeof after): unknown => ({ ...j, modify_time_unix: 0, sched_priority: 0, sched_priority_parts: '' });
  t.deepEqual(stored(after), stored(sentinel));
  t.is((await c.getServer()).name.length > 0, true);
  c.close();
});
