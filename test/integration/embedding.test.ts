/** `import { connect } from 'fleetq'`: the package's public entry, as a portal would use it. */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';

test('a portal submits through the package entry and follows its job to the end', async (t) => {
  const d = await startDaemon();
  const fleetq = await import('fleetq'); // resolved through package.json "exports"
  const fq = fleetq.connect({ address: d.address, user: 'portal-user' });
  try {
    const wd = mkdtempSync(join(tmpdir(), 'fq-embed-'));
    const { job } = await fq.submitJob({ spec: { script: '#!/bin/sh\necho embedded\n', workdir: wd, name: 'emb' }, request_id: 'portal-1' });
    t.regex(job.id, /^\d+\./);
    t.is(job.owner.split('@')[0], 'portal-user');
    const states: string[] = [];
    for await (const ev of fq.watchJobs({ ids: [job.id], since_revision: job.revision })) {
      states.push(ev.state);
      if (ev.state === 'JOB_STATE_FINISHED') break;
    }
    t.is(states[states.length - 1], 'JOB_STATE_FINISHED');
    t.true(states.includes('JOB_STATE_RUNNING'));
    t.is((await fq.getJob({ id: job.id })).exit_status, 0);
    t.is(readFileSync(join(wd, `emb.o${job.seq}`), 'utf8'), 'embedded\n');
  } finally {
    fq.close();
    await d.stop();
  }
});
