/**
 * The crash harness: a real daemon killed with SIGKILL at random moments while clients submit.
 * Each client submits jobs with idempotency keys (request_id) and retries a submit until it is
 * acknowledged; every acknowledgement is a promise the store must keep. Between kills the daemon
 * is restarted on the same home (the store must open cleanly: a restart that fails fails the run).
 * At the end: every acknowledged job exists exactly once (by id and by its key, carried as its
 * name), no job is missing or stranded in a state it cannot leave, and no job ran twice at the
 * same time (each run of a job appends its start and end to a log; a job's runs must not overlap).
 * Used by test/stress/crash.test.ts (short; run after the main suite, alone) and bench/crash.ts (long).
 */
import { mkdtempSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type FleetqClient } from '../../src/client/index.js';
import { startDaemon, type DaemonHandle } from './daemon.js';

export interface CrashOptions {
  kills: number;
  clients: number;
  /** The daemon lives a random time in this range (ms) between a restart and the next kill. */
  lifeMs: [number, number];
  /** Every n-th job runs (a short script); the others are submitted held, so the queue grows without a backlog of runs. */
  runEvery: number;
  /** A client's pause between acknowledged submits (ms). */
  pauseMs: number;
  log?: (line: string) => void;
}

export interface CrashCounts {
  kills: number;
  restarts: number;
  attempts: number;        // submit calls made (retries included)
  acknowledged: number;
  found: number;           // acknowledged jobs found, by id
  duplicates: number;      // keys that became more than one job
  lost: number;            // acknowledged but not found
  stranded: number;        // found but not where they must end (held jobs not H, runnable jobs not F with exit 0)
  overlapping_runs: number; // jobs with two runs at the same time
  runs: number;            // job runs logged
  slowest_restart_ms: number; // the longest wait from a restart to the daemon serving again
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rand = ([a, b]: [number, number]): number => a + Math.random() * (b - a);

export async function crashTest(o: CrashOptions): Promise<CrashCounts> {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'fq-crash-'));
  chmodSync(work, 0o755);
  const runs = join(work, 'runs.log');
  const d: DaemonHandle = await startDaemon({ env: { FLEETQ_LOCAL_NODES: '2', FLEETQ_SCHEDULER_INTERVAL: '200ms', FLEETQ_LOG_LEVEL: 'info' } });
  const counts: CrashCounts = { kills: 0, restarts: 0, attempts: 0, acknowledged: 0, found: 0, duplicates: 0, lost: 0, stranded: 0, overlapping_runs: 0, runs: 0, slowest_restart_ms: 0, seconds: 0 };
  const acked = new Map<string, { id: string; runs: boolean }>(); // key → job
  let stop = false;
  const script = `#!/bin/bash\necho "start $PBS_JOBID $(date +%s%N)" >> ${runs}\nsleep 0.05\necho "end $PBS_JOBID $(date +%s%N)" >> ${runs}\n`;

  const client = async (k: number): Promise<void> => {
    let c: FleetqClient = connect({ address: d.address, timeoutMs: 3000 });
    for (let n = 0; !stop; n++) {
      const key = `c${k}-${n}`;
      const runsToo = n % o.runEvery === 0;
      // Retry this key until the daemon acknowledges it: a retry after a crash must not make a second job.
      for (;;) {
        counts.attempts++;
        try {
          const r = await c.submitJob({ request_id: key, spec: { script, workdir: work, name: key, hold: !runsToo } });
          acked.set(key, { id: r.job.id, runs: runsToo });
          counts.acknowledged = acked.size;
          break;
        } catch (e) {
          const code = (e as grpc.ServiceError).code;
          if (code !== grpc.status.UNAVAILABLE && code !== grpc.status.DEADLINE_EXCEEDED && code !== grpc.status.CANCELLED && code !== grpc.status.INTERNAL) throw e;
          await sleep(50);
          if (code === grpc.status.DEADLINE_EXCEEDED) { c.close(); c = connect({ address: d.address, timeoutMs: 3000 }); }
        }
      }
      await sleep(o.pauseMs);
    }
    c.close();
  };
  const clients = Array.from({ length: o.clients }, (_, k) => client(k));

  try {
    for (let i = 0; i < o.kills; i++) {
      await sleep(rand(o.lifeMs));
      await d.kill9();
      counts.kills++;
      o.log?.(`kill ${counts.kills}: ${acked.size} acknowledged so far`);
      const t = Date.now();
      await d.restart();
      counts.restarts++;
      counts.slowest_restart_ms = Math.max(counts.slowest_restart_ms, Date.now() - t);
    }
  } catch (e) {
    // The clients would retry for ever against a daemon that is not coming back: stop them and the daemon.
    stop = true;
    await d.stop();
    await Promise.allSettled(clients);
    throw e;
  }
  stop = true;
  await Promise.all(clients);

  // Every runnable job ends; then the books are checked.
  const c = connect({ address: d.address, timeoutMs: 10_000 });
  const deadline = Date.now() + 120_000;
  let jobs = await c.listAllJobs({ include_finished: true });
  while (Date.now() < deadline && jobs.some((j) => !j.spec?.hold && j.state_letter !== 'F' && j.state_letter !== 'H')) {
    await sleep(500);
    jobs = await c.listAllJobs({ include_finished: true });
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const byKey = new Map<string, number>();
  for (const j of jobs) byKey.set(j.spec?.name ?? '', (byKey.get(j.spec?.name ?? '') ?? 0) + 1);
  for (const [key, a] of acked) {
    const j = byId.get(a.id);
    if (!j) { counts.lost++; o.log?.(`lost: ${key} (${a.id})`); continue; }
    counts.found++;
    if ((byKey.get(key) ?? 0) > 1) { counts.duplicates++; o.log?.(`duplicate: ${key}`); }
    const ok = a.runs ? j.state_letter === 'F' && j.exit_status === 0 : j.state_letter === 'H';
    if (!ok) { counts.stranded++; o.log?.(`stranded: ${key} ${j.id} ${j.state_letter} exit ${j.exit_status}`); }
  }
  // Runs: a job's start..end intervals must not overlap (a run cut by nothing here ends normally).
  const open = new Map<string, number[]>();
  const intervals = new Map<string, Array<[number, number]>>();
  let text = '';
  try { text = readFileSync(runs, 'utf8'); } catch { /* no runs */ }
  for (const line of text.split('\n')) {
    const [what, id, ns] = line.split(' ');
    if (!id || !ns) continue;
    const t = Number(ns) / 1e6;
    if (what === 'start') { counts.runs++; open.set(id, [...(open.get(id) ?? []), t]); }
    else if (what === 'end') {
      const starts = open.get(id) ?? [];
      const s = starts.shift();
      if (s !== undefined) intervals.set(id, [...(intervals.get(id) ?? []), [s, t]]);
    }
  }
  for (const [id, iv] of intervals) {
    const sorted = [...iv].sort((a, b) => a[0] - b[0]);
    if (sorted.some((x, i) => i > 0 && x[0] < (sorted[i - 1]?.[1] ?? 0))) { counts.overlapping_runs++; o.log?.(`overlapping runs: ${id}`); }
  }
  c.close();
  await d.stop();
  counts.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return counts;
}
