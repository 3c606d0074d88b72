/**
 * bench/load: the daemon with a large queue. Starts its own daemon in a temporary FLEETQ_HOME,
 * submits --jobs queued jobs (default 100,000; held, so the queue stays that size) through a
 * SubmitJobs stream, then measures:
 *   submit          the fill's rate (jobs_per_s)
 *   submit_watched  the same rate for --jobs/10 more while 50 WatchJobs streams are open and read
 *   qstat           bin/qstat (the default table of every job), wall time per call
 *   qstat_f         bin/qstat -f of one job, wall time per call
 *   memory          the daemon's resident memory with the queue full (rss_mb), and per job
 * Readable table on stderr, JSON lines on stdout. Usage: npm run bench load [--jobs N] [--calls N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as grpc from '@grpc/grpc-js';
import { FleetqClient } from '../src/client/index.js';
import type { SubmitJobRequest } from '../src/gen/fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse__Output } from '../src/gen/fleetq/v1/SubmitJobResponse.js';
import type { JobEvent__Output } from '../src/gen/fleetq/v1/JobEvent.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const { values } = parseArgs({ options: { jobs: { type: 'string', default: '100000' }, calls: { type: 'string', default: '10' } } });
const N = Number(values.jobs);
const CALLS = Number(values.calls);

const rows: Array<Record<string, string | number>> = [];
function push(r: Record<string, string | number>): void {
  rows.push(r);
  process.stdout.write(`${JSON.stringify({ bench: 'load', ...r })}\n`);
}
const quantile = (xs: number[], q: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0; };
const rssMb = (pid: number): number => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

const home = mkdtempSync(join(tmpdir(), 'fq-load-'));
const env = { ...process.env, FLEETQ_HOME: home, FLEETQ_LOG_LEVEL: 'warn', FLEETQ_AUTH_MUNGE: 'off', FLEETQ_SCHEDULER_INTERVAL: '5s' };
const daemon: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'fleetq'), 'daemon'], { env, stdio: 'inherit' });
for (let i = 0; i < 200 && !existsSync(join(home, 'fleetq.sock')); i++) await new Promise((r) => setTimeout(r, 50));
const address = `unix:${join(home, 'fleetq.sock')}`;

async function fill(c: FleetqClient, from: number, count: number): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const call = c.raw.SubmitJobs(c.callMetadata()) as grpc.ClientDuplexStream<SubmitJobRequest, SubmitJobResponse__Output>;
    call.on('data', () => undefined);
    call.on('error', reject);
    call.on('end', () => resolve());
    let i = 0;
    // Written as the stream drains, so the client never holds the whole fill in memory.
    const more = (): void => {
      while (i < count) {
        const ok = call.write({ spec: { script: `#!/bin/sh\necho ${from + i}\n`, workdir: tmpdir(), name: `load${from + i}`, hold: true, resource_list: 'select=1:ncpus=1,walltime=00:10:00' } });
        i++;
        if (!ok) { call.once('drain', more); return; }
      }
      call.end();
    };
    more();
  });
  return (performance.now() - t0) / 1000;
}

try {
  const c = new FleetqClient({ address, timeoutMs: 120_000 });
  await c.getServer();
  const base = rssMb(daemon.pid ?? 0);
  const s1 = await fill(c, 0, N);
  push({ case: 'submit', jobs: N, seconds: Number(s1.toFixed(2)), jobs_per_s: Math.round(N / s1) });
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMb(daemon.pid ?? 0);
  push({ case: 'memory', jobs: N, rss_mb: rss, idle_rss_mb: base, kb_per_job: Number((((rss - base) * 1024) / N).toFixed(2)) });

  // 50 watchers that read every event, while more jobs come in.
  const watchers = Array.from({ length: 50 }, () => new FleetqClient({ address }));
  let events = 0;
  const streams = watchers.map((w) => {
    const s = w.raw.WatchJobs({ since_revision: 0, ids: [] }, w.callMetadata()) as grpc.ClientReadableStream<JobEvent__Output>;
    s.on('data', () => { events++; });
    s.on('error', () => undefined);
    return s;
  });
  await new Promise((r) => setTimeout(r, 500));
  const M = Math.max(1000, Math.round(N / 10));
  const s2 = await fill(c, N, M);
  push({ case: 'submit_watched', jobs: M, watchers: 50, seconds: Number(s2.toFixed(2)), jobs_per_s: Math.round(M / s2), rss_mb: rssMb(daemon.pid ?? 0) });
  await new Promise((r) => setTimeout(r, 1000));
  for (const s of streams) s.cancel();
  watchers.forEach((w) => w.close());

  const time = (args: string[]): number[] => {
    const lat: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'qstat'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`qstat ${args.join(' ')}: ${r.stderr}`);
      lat.push(performance.now() - t0);
    }
    return lat;
  };
  const total = N + M;
  const all = time([]);
  push({ case: 'qstat', jobs: total, calls: CALLS, median_ms: Math.round(quantile(all, 0.5)), p90_ms: Math.round(quantile(all, 0.9)) });
  const one = time(['-f', `${Math.floor(total / 2)}`]);
  push({ case: 'qstat_f', jobs: total, calls: CALLS, median_ms: Math.round(quantile(one, 0.5)), p90_ms: Math.round(quantile(one, 0.9)) });
  c.close();
  process.stderr.write(`load: ${total} jobs queued (events seen by the 50 watchers: ${events})\n${rows.map((r) => `  ${Object.entries(r).map(([k, v]) => `${k}=${v}`).join('  ')}`).join('\n')}\n`);
} finally {
  daemon.kill('SIGTERM');
}
