/**
 * bench/pcluster: a queue served by a ParallelCluster head, against a real Slurm on this machine
 * (test/helpers/slurm.ts: slurmctld, two slurmd, slurmrestd with JWT). Jobs go to Slurm two ways,
 * in the same run, 8 submissions in flight each:
 *   slurmrestd   straight to slurmrestd's job submission (the peer: what a portal talking to the
 *                head itself gets)
 *   fleetq       SubmitJob to fleetq's pcluster queue; fleetq forwards them and mirrors their ends
 * Two cases for each:
 *   forward      --jobs jobs to a partition that is down (Slurm takes them and runs none), so the
 *                figure is the submission path alone: submit_jobs_per_s (acknowledged a second) and
 *                in_slurm_s (from the first submission to the last job in Slurm; fleetq: forwarded)
 *   run          --run jobs (`true`, 1 cpu) to the partition that runs them: all_done_s, from the
 *                first submission to the last seen finished (slurmrestd: by polling its job list
 *                every 100 ms; fleetq: F in fleetq), and fleetq's ratio to slurmrestd's
 * Running them shares this 2-core machine with slurmctld, two slurmd and their job steps. Then one
 * job at a time (--reps):
 *   qsub_to_running_ms  from SubmitJob to R in fleetq (forward, Slurm's scheduling, the next poll)
 * Readable table on stderr, JSON lines on stdout.
 * Usage: npm run bench pcluster [--jobs N] [--run N] [--reps N] [--poll MS]
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startSlurm } from '../test/helpers/slurm.js';
import { startDaemon } from '../test/helpers/daemon.js';
import { connect } from '../src/client/index.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '2000' }, run: { type: 'string', default: '300' }, reps: { type: 'string', default: '5' }, poll: { type: 'string', default: '1000' } } });
const JOBS = Number(values.jobs);
const RUN = Number(values.run);
const REPS = Number(values.reps);
const POLL = Number(values.poll);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };

const slurm = await startSlurm({ nodes: 2, cpus: 64, memoryMb: 64000, nodePrefix: 'bn', extraConf: ['MaxJobCount=100000', 'MinJobAge=600', 'PartitionName=parked Nodes=ALL State=DOWN'] });
const work = mkdtempSync(join(tmpdir(), 'fq-bench-pc-'));
chmodSync(work, 0o777);

/** One slurmrestd call as root (a fresh token each). */
function rest(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const u = new URL(slurm.restUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: u.hostname, port: u.port, path, method, headers: { ...slurm.headers('root'), ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => { try { resolve(JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Runs `n` tasks, `inFlight` at a time. */
async function pool(n: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => { while (next < n) await task(next++); }));
}

const rows: Array<Record<string, string | number>> = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
try {
  // The peer: straight to slurmrestd.
  for (const [kind, n, partition] of [['forward', JOBS, 'parked'], ['run', RUN, slurm.partition]] as const) {
    const t0 = performance.now();
    const ids: number[] = [];
    await pool(n, 8, async (i) => {
      const r = await rest('POST', '/slurm/v0.0.38/job/submit', { job: { name: `direct${i}`, partition, current_working_directory: work, standard_output: '/dev/null', environment: { PATH: '/usr/bin:/bin' } }, script: '#!/bin/sh\ntrue\n' });
      ids.push(Number(r.job_id));
    });
    const submitted = performance.now();
    const row: Record<string, string | number> = { case: `${kind}: slurmrestd`, jobs: n, submit_jobs_per_s: Math.round(n / ((submitted - t0) / 1000)), in_slurm_s: +((submitted - t0) / 1000).toFixed(2) };
    if (kind === 'run') {
      const want = new Set(ids);
      for (;;) {
        const jobs = (await rest('GET', '/slurm/v0.0.38/jobs')).jobs as Array<{ job_id: number; job_state: string }>;
        if (jobs.filter((j) => want.has(j.job_id) && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.job_state)).length >= want.size) break;
        await sleep(100);
      }
      row.all_done_s = +((performance.now() - t0) / 1000).toFixed(2);
    }
    rows.push(row);
  }
  // fleetq's pcluster queue.
  const d = await startDaemon({
    env: {
      FLEETQ_SERVER_NAME: 'bench', FLEETQ_LOG_LEVEL: 'info',
      FLEETQ_QUEUES: JSON.stringify([{ name: 'workq' },
        { name: 'pc', provider: 'pcluster', pcluster: { url: slurm.restUrl, jwt_key: slurm.jwtKey, partition: slurm.partition, cluster: 'bench', poll_interval: `${POLL}ms` } },
        { name: 'pk', provider: 'pcluster', pcluster: { url: slurm.restUrl, jwt_key: slurm.jwtKey, partition: 'parked', cluster: 'bench', poll_interval: `${POLL}ms` } }]),
    },
  });
  const fq = connect({ address: d.address, user: 'root' });
  try {
    for (const [kind, n, queue] of [['forward', JOBS, 'pk'], ['run', RUN, 'pc']] as const) {
      const t0 = performance.now();
      const ids: string[] = [];
      await pool(n, 8, async (i) => {
        const r = await fq.submitJob({ spec: { name: `fq${i}`, queue, script: '#!/bin/sh\ntrue\n', workdir: work, output_path: '/dev/null', error_path: '/dev/null', user: 'root' } });
        ids.push(r.job.id);
      });
      const submitted = performance.now();
      const want = new Set(ids);
      let inSlurm = 0;
      for (;;) {
        const jobs = [];
        let token = '';
        do {
          const page = await fq.listJobs({ queues: [queue], include_finished: true, page_size: 5000, page_token: token });
          jobs.push(...page.jobs);
          token = page.next_page_token;
        } while (token);
        const mine = jobs.filter((j) => want.has(j.id));
        if (inSlurm === 0 && mine.length === want.size && mine.every((j) => j.external_id)) inSlurm = performance.now();
        if (inSlurm > 0 && (kind === 'forward' || mine.every((j) => j.state === 'JOB_STATE_FINISHED'))) break;
        await sleep(100);
      }
      const row: Record<string, string | number> = { case: `${kind}: fleetq`, jobs: n, submit_jobs_per_s: Math.round(n / ((submitted - t0) / 1000)), in_slurm_s: +((inSlurm - t0) / 1000).toFixed(2) };
      if (kind === 'run') row.all_done_s = +((performance.now() - t0) / 1000).toFixed(2);
      rows.push(row);
    }
    // One job at a time: the lag fleetq adds to Slurm's own.
    const toRunning: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const s0 = performance.now();
      const { job } = await fq.submitJob({ spec: { name: `one${r}`, queue: 'pc', script: '#!/bin/sh\nsleep 3\n', workdir: work, output_path: '/dev/null', error_path: '/dev/null', user: 'root' } });
      for (;;) {
        const j = await fq.getJob({ id: job.id });
        if (j.state === 'JOB_STATE_RUNNING' || j.state === 'JOB_STATE_FINISHED') {
          toRunning.push(performance.now() - s0);
          break;
        }
        await sleep(20);
      }
    }
    rows.push({ case: 'one job', jobs: REPS, qsub_to_running_ms: Math.round(median(toRunning)) });
  } finally {
    fq.close();
    await d.stop();
  }
} finally {
  await slurm.stop();
}
for (const kind of ['forward', 'run']) {
  const direct = rows.find((r) => r.case === `${kind}: slurmrestd`);
  const viaFleetq = rows.find((r) => r.case === `${kind}: fleetq`);
  if (direct && viaFleetq) viaFleetq.ratio = +(Number(viaFleetq[kind === 'run' ? 'all_done_s' : 'in_slurm_s']) / Number(direct[kind === 'run' ? 'all_done_s' : 'in_slurm_s'])).toFixed(2);
}
for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
process.stderr.write(`pcluster: a real Slurm 22.05 (2 slurmd, 64 cpus each) on this machine; fleetq polls every ${POLL} ms; ratio: fleetq's time over slurmrestd's\n`
  + `${'case'.padEnd(20)} ${'jobs'.padStart(6)} ${'submit/s'.padStart(9)} ${'in Slurm s'.padStart(11)} ${'all done s'.padStart(11)} ${'ratio'.padStart(6)} ${'qsub→R ms'.padStart(10)}\n`
  + rows.map((r) => `${String(r.case).padEnd(20)} ${String(r.jobs).padStart(6)} ${String(r.submit_jobs_per_s ?? '').padStart(9)} ${String(r.in_slurm_s ?? '').padStart(11)} ${String(r.all_done_s ?? '').padStart(11)} ${String(r.ratio ?? '').padStart(6)} ${String(r.qsub_to_running_ms ?? '').padStart(10)}`).join('\n') + '\n');
