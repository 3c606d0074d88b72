/** A stock Python grpcio client discovers fleetq by reflection and drives it over TCP. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startDaemon, freePort, ROOT } from '../helpers/daemon.js';

test('python grpcio: reflection, health, submit (idempotent), get, list, a clear error, cancel', async (t) => {
  const port = await freePort();
  const d = await startDaemon({ args: ['--listen', `127.0.0.1:${port}`] });
  try {
    const r = spawnSync('python3', [join(ROOT, 'test', 'python', 'interop.py'), `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 60_000 });
    t.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    t.true((s.services as string[]).includes('fleetq.v1.Scheduler'));
    t.true((s.services as string[]).includes('grpc.health.v1.Health'));
    for (const m of ['SubmitJob', 'GetJob', 'ListJobs', 'WatchJobs', 'CancelJob', 'HoldJob', 'ReleaseJob', 'AlterJob', 'ListNodes', 'ListQueues']) {
      t.true((s.methods as string[]).includes(m), m);
    }
    t.is(s.health, 'SERVING');
    t.regex(String(s.submitted), /^1\./);
    t.is(s.state, 'H');
    t.is(s.get_name, 'from-python');
    t.is(s.get_state_enum, 'JOB_STATE_HELD');
    t.deepEqual(s.listed, [s.submitted]);
    t.is(s.bad_code, 'INVALID_ARGUMENT');
    t.regex(String(s.bad_details), /^Resource_List\.select: /);
    t.is(s.bad_pbs_errno, '15014');
    t.is(s.cancelled_state, 'F');
  } finally {
    t.is(await d.stop(), 0, 'the daemon exits cleanly on SIGTERM');
  }
});
