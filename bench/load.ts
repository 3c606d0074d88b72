/**
 * bench/load: the daemon with a large queue. Starts its own daemon in a temporary FLEETQ_HOME,
 * submits --jobs queued jobs (default 100,000; held, so the queue stays that size) through a
 * SubmitJobs stream, then measures, in this order:
 *   submit                the fill's rate (jobs_per_s), and the daemon's cpu time for it (daemon_cpu_s)
 *   memory                the daemon's resident memory with the queue full (rss_mb; rss_file_mb of it
 *                         is the store's mapped file), and per job
 *   submit_watched        the rate for --jobs/10 more while 50 WatchJobs streams are open and read
 *                         (decoded) in this process: the readers share the submitter's event loop
 *   qstat                 bin/qstat (the default table of every job), wall time per call
 *   qstat_f               bin/qstat -f of one job, wall time per call
 *   list_jobs             every job through the client library's ListJobs pages, BASIC and FULL view
 *   submit_watched_apart  --jobs/10 more with the 50 readers in a child process; delivered_s is when
 *                         the last event had reached them
 *   restarted             a new daemon on the same store: start time, memory, one qstat
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
/** A /proc/PID/status figure in MB (VmRSS, RssFile…). */
const statusMb = (pid: number, key: string): number => Math.round(Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');
/** User + system cpu seconds of a process so far (/proc/PID/stat, in clock ticks of 1/100 s). */
const cpuS = (pid: number): number => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []; return (Number(f[11]) + Number(f[12])) / 100; };

const home = mkdtempSync(join(tmpdir(), 'fq-load-'));
const env = { ...process.env, FLEETQ_HOME: home, FLEETQ_LOG_LEVEL: 'warn', FLEETQ_AUTH_MUNGE: 'off', FLEETQ_SCHEDULER_INTERVAL: '5s' };
const sock = join(home, 'fleetq.sock');
async function startDaemon(): Promise<ChildProcess> {
  const p = spawn(process.execPath, [join(ROOT, 'bin', 'fleetq'), 'daemon'], { env, stdio: 'inherit' });
  for (let i = 0; i < 1200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  return p;
}
let daemon = await startDaemon();
const address = `unix:${sock}`;

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

/**
 * 50 watchers that read every event in a child process, each through its own client. Resolves once
 * they are all watching; `done(n)` resolves when n events in all have reached them.
 */
async function watchersApart(): Promise<{ done: (n: number) => Promise<void>; stop: () => void }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { FleetqClient } from '${join(ROOT, 'dist', 'src', 'client', 'index.js')}';
    let events = 0;
    for (let i = 0; i < 50; i++) {
      const w = new FleetqClient({ address: '${address}' });
      const s = w.raw.WatchJobs({ since_revision: 0, ids: [] }, w.callMetadata());
      s.on('data', () => { events++; });
      s.on('error', () => undefined);
    }
    process.stdout.write('watching\\n');
    setInterval(() => process.stdout.write(events + '\\n'), 50);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0; let ready = false;
  child.stdout.on('data', (b: Buffer) => { for (const l of b.toString().split('\n')) { if (l === 'watching') ready = true; else if (l !== '') seen = Number(l); } });
  while (!ready) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 500));
  return {
    done: async (n) => { while (seen < n) await new Promise((r) => setTimeout(r, 20)); },
    stop: () => { child.kill(); },
  };
}

try {
  const c = new FleetqClient({ address, timeoutMs: 120_000 });
  await c.getServer();
  const pid = daemon.pid ?? 0;
  const base = rssMb(pid);
  let cpu0 = cpuS(pid);
  const s1 = await fill(c, 0, N);
  push({ case: 'submit', jobs: N, seconds: Number(s1.toFixed(2)), jobs_per_s: Math.round(N / s1), daemon_cpu_s: Number((cpuS(pid) - cpu0).toFixed(2)) });
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMb(pid);
  push({ case: 'memory', jobs: N, rss_mb: rss, rss_file_mb: statusMb(pid, 'RssFile'), idle_rss_mb: base, kb_per_job: Number((((rss - base) * 1024) / N).toFixed(2)) });

  // 50 watchers that read every event, in this process, while more jobs come in.
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
  cpu0 = cpuS(pid);
  const s2 = await fill(c, N, M);
  push({ case: 'submit_watched', jobs: M, watchers: 50, seconds: Number(s2.toFixed(2)), jobs_per_s: Math.round(M / s2), daemon_cpu_s: Number((cpuS(pid) - cpu0).toFixed(2)), rss_mb: rssMb(pid) });
  await new Promise((r) => setTimeout(r, 1000));
  for (const s of streams) s.cancel();
  watchers.forEach((w) => w.close());

  let total = N + M;
  /** Wall times of bin/qstat ARGS; a table must list every job. */
  const time = (args: string[], calls = CALLS): number[] => {
    const lat: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t1 = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'qstat'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`qstat ${args.join(' ')}: ${r.stderr}`);
      const rows = r.stdout.split('\n').length - 3; // two heading lines, and the empty string after the last newline
      if (args.length === 0 && rows !== total) throw new Error(`qstat: ${rows} rows, not ${total}`);
      lat.push(performance.now() - t1);
    }
    return lat;
  };
  const all = time([]);
  push({ case: 'qstat', jobs: total, calls: CALLS, median_ms: Math.round(quantile(all, 0.5)), p90_ms: Math.round(quantile(all, 0.9)) });
  const one = time(['-f', `${Math.floor(total / 2)}`]);
  push({ case: 'qstat_f', jobs: total, calls: CALLS, median_ms: Math.round(quantile(one, 0.5)), p90_ms: Math.round(quantile(one, 0.9)) });

  // The listing alone, through the client library, in each view.
  for (const view of ['JOB_VIEW_BASIC', 'JOB_VIEW_FULL'] as const) {
    const lat: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t1 = performance.now();
      let n = 0;
      for await (const page of c.listJobPages({ view, page_size: 2000 })) n += page.length;
      lat.push(performance.now() - t1);
      if (n !== total) throw new Error(`ListJobs ${view}: ${n} jobs, not ${total}`);
    }
    push({ case: 'list_jobs', view: view.replace('JOB_VIEW_', '').toLowerCase(), jobs: total, calls: CALLS, median_ms: Math.round(quantile(lat, 0.5)) });
  }

  // Watchers as in submit_watched, but reading in a process of their own.
  const apart = await watchersApart();
  cpu0 = cpuS(pid);
  const t0 = performance.now();
  const s3 = await fill(c, total, M);
  const cpu3 = cpuS(pid) - cpu0;
  await apart.done(50 * M);
  const delivered = (performance.now() - t0) / 1000;
  apart.stop();
  total += M;
  push({ case: 'submit_watched_apart', jobs: M, watchers: 50, seconds: Number(s3.toFixed(2)), jobs_per_s: Math.round(M / s3), delivered_s: Number(delivered.toFixed(2)), daemon_cpu_s: Number(cpu3.toFixed(2)) });
  c.close();

  // A daemon started on the same store: what it takes to load the queue, and what it holds then.
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const t2 = performance.now();
  daemon = await startDaemon();
  const c2 = new FleetqClient({ address, timeoutMs: 120_000 });
  await c2.getServer();
  const start = (performance.now() - t2) / 1000;
  c2.close();
  await new Promise((r) => setTimeout(r, 2000));
  const again = time([], 1);
  push({ case: 'restarted', jobs: total, start_s: Number(start.toFixed(2)), rss_mb: rssMb(daemon.pid ?? 0), rss_file_mb: statusMb(daemon.pid ?? 0, 'RssFile'), qstat_ms: Math.round(again[0] ?? 0) });
  process.stderr.write(`load: ${total} jobs queued (events seen by the 50 watchers of submit_watched: ${events})\n${rows.map((r) => `  ${Object.entries(r).map(([k, v]) => `${k}=${v}`).join('  ')}`).join('\n')}\n`);
} finally {
  daemon.kill('SIGTERM');
}
