/**
 * A job runs as the user who submitted it: that user's uid, primary group, supplementary groups
 * and login environment (HOME, USER), and what it writes belongs to that user — never root. The
 * user `fleetq-test` (with supplementary group `fleetq-grp`) is made by scripts/test-deps.sh; the
 * daemon runs as root, as it must to run jobs as their owners. The job is submitted through the
 * client in that user's name.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, finishedJob, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let d: DaemonHandle | undefined;
test.after.always(async () => { await d?.stop(); });


test('a job submitted by an unprivileged user runs as that user, with its groups and home', async (t) => {
  if (process.getuid?.() !== 0) { t.fail('this test needs root (a daemon that can run jobs as other users); CI runs as root'); return; }
  const ids = await new Promise<string>((resolve) => execFile('id', ['fleetq-test'], (_e, out) => resolve(out)));
  if (!/fleetq-grp/.test(ids)) { t.fail(`user fleetq-test with group fleetq-grp is missing (scripts/test-deps.sh makes it): ${ids}`); return; }
  d = await startDaemon({ env: { FLEETQ_SCHEDULER_INTERVAL: '500ms' } });
  const cwd = mkdtempSync(join(tmpdir(), 'fq-user-'));
  chmodSync(cwd, 0o777);
  writeFileSync(join(cwd, 'job.sh'), '#!/bin/bash\necho "NAME $(id -un)"\necho "UID $(id -u)"\necho "GROUPS $(id -Gn)"\necho "HOME=$HOME USER=$USER"\ntouch made-by-job\n');
  chmodSync(join(cwd, 'job.sh'), 0o644);
  // Submitted as that user through the client (the name is asserted by the client today; the
  // checkout may not be readable by other users, so this does not run bin/qsub as them).
  const fq = connect({ address: d.address, user: 'fleetq-test' });
  const { job } = await fq.submitJob({ spec: { script: readFileSync(join(cwd, 'job.sh'), 'utf8'), workdir: cwd, name: 'who', user: 'fleetq-test' } });
  fq.close();
  const id = job.id;
  const f = await finishedJob(d!.home, id, 30000);
  t.regex(String(f.Job_Owner), /^fleetq-test@/);
  const out = readFileSync(join(cwd, `who.o${id.split('.')[0]}`), 'utf8');
  const uid = Number(/uid=(\d+)/.exec(ids)?.[1]);
  t.regex(out, /^NAME fleetq-test$/m);
  t.regex(out, new RegExp(`^UID ${uid}$`, 'm'));
  t.regex(out, /^GROUPS .*\bfleetq-grp\b/m, 'its supplementary group');
  t.regex(out, /^HOME=\/home\/fleetq-test USER=fleetq-test$/m, 'its login environment');
  t.is(statSync(join(cwd, 'made-by-job')).uid, uid, 'what the job writes is the user\'s');
  t.is(statSync(join(cwd, `who.o${id.split('.')[0]}`)).uid, uid, 'its output file is the user\'s');
});
