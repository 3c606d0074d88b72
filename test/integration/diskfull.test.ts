/**
 * The disk under the job store fills up (a 24 MB tmpfs as FLEETQ_HOME, made by the test): submits
 * are refused with RESOURCE_EXHAUSTED and a message saying so, the daemon keeps serving reads, and
 * every job acknowledged before is there — also after a restart once there is space again.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let home = '';
let d: DaemonHandle | undefined;
test.after.always(async () => {
  await d?.stop();
  // Lazily: the daemon's agents may still be leaving it.
  if (home) try { execFileSync('umount', ['-l', home]); } catch { /* not mounted */ }
});

test('a full disk: submits refused with RESOURCE_EXHAUSTED, reads go on, nothing stored is lost', async (t) => {
  home = mkdtempSync(join(tmpdir(), 'fq-full-'));
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', home]); } catch (e) {
    t.fail(`this test needs to mount a small tmpfs (root): ${(e as Error).message}`);
    return;
  }
  d = await startDaemon({ home, env: { FLEETQ_LOG_LEVEL: 'info' }, waitForNodes: false });
  const c = connect({ address: d.address });
  const script = `#!/bin/sh\n# ${'x'.repeat(1_000_000)}\ntrue\n`;
  const acked: string[] = [];
  let refusal: grpc.ServiceError | undefined;
  for (let i = 0; i < 60 && !refusal; i++) {
    try { acked.push((await c.submitJob({ spec: { script, workdir: '/tmp', name: `big${i}`, hold: true } })).job.id); } catch (e) { refusal = e as grpc.ServiceError; }
  }
  t.true(acked.length >= 5, `${acked.length} stored before the disk filled`);
  t.is(refusal?.code, grpc.status.RESOURCE_EXHAUSTED, refusal?.details);
  t.regex(refusal?.details ?? '', /^store: cannot write: the disk or the LMDB map of the job store is full/);
  // Still refused, still serving reads, everything acknowledged there.
  const again = await c.submitJob({ spec: { script, workdir: '/tmp', name: 'again', hold: true } }).then(() => undefined, (e: grpc.ServiceError) => e);
  t.is(again?.code, grpc.status.RESOURCE_EXHAUSTED);
  const listed = await c.listAllJobs({});
  t.deepEqual(listed.map((j) => j.id).sort(), [...acked].sort());
  t.is((await c.getJob({ id: acked[0]! })).spec?.name, 'big0');
  c.close();
  // Space again (the tmpfs grown), a restart: the store opens, everything acknowledged is there.
  await d.stop();
  execFileSync('mount', ['-o', 'remount,size=96m', home]);
  await d.restart();
  const c2 = connect({ address: d.address });
  t.deepEqual((await c2.listAllJobs({})).map((j) => j.id).sort(), [...acked].sort());
  t.truthy((await c2.submitJob({ spec: { script: 'true\n', workdir: '/tmp', name: 'after', hold: true } })).job.id);
  c2.close();
});
