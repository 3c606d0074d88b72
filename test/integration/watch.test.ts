/**
 * A slow or dead client on a WatchJobs stream never slows the daemon or grows its memory without
 * bound: a client that stops reading is cut off with RESOURCE_EXHAUSTED once more than
 * server.watch_max_pending events have waited for it for 5 s (or ten times that many at once),
 * while a client that reads through the same burst gets every event.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startDaemon, ROOT } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';
import type { SubmitJobRequest } from '../../src/gen/fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse__Output } from '../../src/gen/fleetq/v1/SubmitJobResponse.js';
import type { JobEvent__Output } from '../../src/gen/fleetq/v1/JobEvent.js';

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

test('a client that stops reading is cut off past server.watch_max_pending; a reading one gets everything; memory stays bounded', async (t) => {
  const d = await startDaemon({ env: { FLEETQ_SERVER_WATCH_MAX_PENDING: '1000', FLEETQ_LOG_LEVEL: 'info' }, waitForNodes: false });
  try {
    const c = connect({ address: d.address });
    await c.getServer();
    // The dead client: a process that opens a stream, then is stopped (SIGSTOP) — it reads nothing,
    // so the daemon's side of its connection fills up. It prints the status it ends with.
    const dead = spawn(process.execPath, ['--input-type=module', '-e', `
      import { connect } from '${join(ROOT, 'dist', 'src', 'client', 'index.js')}';
      const c = connect({ address: '${d.address}' });
      const s = c.raw.WatchJobs({ since_revision: 0, ids: [] }, c.callMetadata());
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.on('status', (st) => { process.stdout.write(JSON.stringify({ code: st.code, details: st.details }) + '\\n'); process.exit(0); });
      process.stdout.write('watching\\n');
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    let deadOut = '';
    dead.stdout.on('data', (b: Buffer) => { deadOut += b.toString(); });
    while (!deadOut.includes('watching')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    dead.kill('SIGSTOP');
    // The live client reads every event.
    const live = connect({ address: d.address });
    const seen = new Set<string>();
    const reading = live.raw.WatchJobs({ since_revision: 0, ids: [] }, live.callMetadata()) as grpc.ClientReadableStream<JobEvent__Output>;
    reading.on('data', (e: JobEvent__Output) => { if (e.kind === 'submitted') seen.add(e.job_id); });
    reading.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const before = rssMb(d.proc.pid ?? 0);
    const N = 6000;
    const script = `#!/bin/sh\n# ${'x'.repeat(2000)}\ntrue\n`; // ~2 KB per event
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const call = c.raw.SubmitJobs(c.callMetadata()) as grpc.ClientDuplexStream<SubmitJobRequest, SubmitJobResponse__Output>;
      call.on('data', () => undefined);
      call.on('error', reject);
      call.on('end', () => resolve());
      for (let i = 0; i < N; i++) call.write({ spec: { script, workdir: '/tmp', name: `w${i}`, hold: true } });
      call.end();
    });
    const seconds = (Date.now() - t0) / 1000;
    // The stalled client stays stalled past the 5 s it is given to catch up.
    await new Promise((r) => setTimeout(r, 6000));
    const after = rssMb(d.proc.pid ?? 0);
    t.log(`${N} submits in ${seconds.toFixed(2)} s with a stalled watcher; daemon RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`);
    dead.kill('SIGCONT');
    const status = await new Promise<{ code: number; details: string } | undefined>((resolve) => {
      const t1 = setTimeout(() => resolve(undefined), 15_000);
      dead.once('exit', () => { clearTimeout(t1); resolve(deadOut.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { code: number; details: string })[0]); });
    });
    t.is(status?.code, grpc.status.RESOURCE_EXHAUSTED, 'the stalled watcher was cut off');
    t.regex(status?.details ?? '', /reads too slowly \(over 1000 events waiting, server\.watch_max_pending\)/);
    const endLive = Date.now() + 15_000;
    while (seen.size < N && Date.now() < endLive) await new Promise((r) => setTimeout(r, 100));
    t.is(seen.size, N, 'the reading watcher got every submit');
    // A sanity bound: the growth is the 6000 jobs themselves (their scripts are 2 KB each); what the
    // cut-off bounds is the dead client's share, at most ten times server.watch_max_pending events.
    t.true(after - before < 300, `RSS grew ${(after - before).toFixed(0)} MB`);
    reading.cancel();
  } finally { await d.stop(); }
});
