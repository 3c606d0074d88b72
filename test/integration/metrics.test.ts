/** Prometheus metrics on metrics.listen, and JSON-line logs. */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/client/index.js';
import { startDaemon, freePort, eventually } from '../helpers/daemon.js';

test('metrics.listen serves Prometheus text that follows submits; logs are JSON lines', async (t) => {
  const port = await freePort();
  const d = await startDaemon({ env: { FLEETQ_METRICS_LISTEN: `127.0.0.1:${port}` } });
  const c = connect({ address: d.address });
  try {
    for (let i = 0; i < 3; i++) await c.submitJob({ spec: { script: 'true\n', workdir: mkdtempSync(join(tmpdir(), 'fq-m-')), hold: true } });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    t.regex(text, /^fleetq_jobs_submitted_total 3$/m);
    t.regex(text, /^fleetq_jobs\{state="H"\} 3$/m);
    t.regex(text, /^# TYPE fleetq_scheduler_cycle_seconds histogram$/m);
    t.is((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    await eventually(async () => d.log().includes('agent registered'), 5000, 'log');
    const lines = d.log().split('\n').filter((l) => l.startsWith('{'));
    t.true(lines.length > 2);
    for (const l of lines) {
      const o = JSON.parse(l) as { level: number; msg: string; component?: string };
      t.is(typeof o.level, 'number');
      t.is(typeof o.msg, 'string');
    }
  } finally {
    c.close();
    await d.stop();
  }
});
