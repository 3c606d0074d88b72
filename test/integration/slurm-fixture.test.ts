/**
 * The Slurm fixture (helpers/slurm.ts) that the ParallelCluster queue (issue 9) is tested against:
 * a real slurmctld, slurmd and slurmrestd (Debian's Slurm 22.05), driven here the way fleetq will
 * drive a ParallelCluster head: slurmrestd's v0.0.38 API over HTTP with an HS256 JWT for the job's
 * owner (headers X-SLURM-USER-NAME and X-SLURM-USER-TOKEN). A job runs as its owner, its wait
 * status comes back raw (exit 3 is 768), DELETE cancels, and slurmrestd restarts on the same port.
 * One fixture for the file; the tests are serial because they share it.
 */
import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { startSlurm, type SlurmFixture } from '../helpers/slurm.js';

const USER = 'fleetq-test';
const API = '/slurm/v0.0.38';
let s: SlurmFixture;

interface Reply { status: number; body: any } // eslint-disable-line @typescript-eslint/no-explicit-any

/** One HTTP call to slurmrestd (TCP, or the unix socket); the body parsed when it is JSON. */
function call(method: string, path: string, o: { user?: string; headers?: Record<string, string>; body?: unknown; socketPath?: string } = {}): Promise<Reply> {
  const data = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = { ...(o.user ? s.headers(o.user) : {}), ...(o.headers ?? {}), ...(data ? { 'Content-Type': 'application/json' } : {}) };
  const where = o.socketPath ? { socketPath: o.socketPath } : { host: '127.0.0.1', port: s.restPort };
  // A connection of its own each call, but never `Connection: close`: slurmrestd 22.05 answers that
  // with a stray "Connection: Close" line after the body, which Node's HTTP parser rejects.
  const agent = new Agent({ keepAlive: true });
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ ...where, method, path, headers, timeout: 15_000, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* plain text, e.g. "Authentication failure" */ }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.end(data);
  }).finally(() => agent.destroy());
}

async function submit(job: Record<string, unknown>, script: string): Promise<number> {
  const r = await call('POST', `${API}/job/submit`, { user: USER, body: { job: { partition: s.partition, environment: { PATH: '/usr/bin:/bin' }, ...job }, script } });
  if (r.status !== 200 || typeof r.body?.job_id !== 'number') throw new Error(`submit: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.job_id as number;
}

/** Polls GET /job/{id} until `done` holds for its record; the last record, or an error naming the last one seen. */
async function until(id: number, done: (j: any) => boolean, what: string, timeoutMs = 30_000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    const r = await call('GET', `${API}/job/${id}`, { user: USER });
    last = r.body?.jobs?.[0] ?? r.body;
    if (r.status === 200 && r.body.jobs?.[0] && done(r.body.jobs[0])) return r.body.jobs[0];
    await new Promise((res) => setTimeout(res, 200));
  }
  const j = last as Record<string, unknown>;
  throw new Error(`job ${id} never ${what}: last ${JSON.stringify({ job_state: j?.job_state, state_reason: j?.state_reason, exit_code: j?.exit_code })}\n${s.logTail('slurmctld', 15)}`);
}

test.before(async () => {
  s = await startSlurm({ restSocket: true });
});
test.after.always(async () => { await s?.stop(); });

test.serial('the fixture: one idle node of 8 CPUs in partition compute, slurmrestd answering v0.0.38 as the token\'s user', async (t) => {
  t.log(`started in ${s.startedMs} ms (${s.dir})`);
  const sinfo = await s.cmd('sinfo', ['-h', '-N', '-o', '%N %t %c %P']);
  t.is(sinfo.code, 0, sinfo.stderr);
  t.is(sinfo.stdout.trim(), `${s.nodeNames[0]} idle 8 compute*`);
  const ping = await call('GET', `${API}/ping`, { user: USER });
  t.is(ping.status, 200);
  t.is(ping.body.meta.Slurm.release, '22.05.8');
  t.is(ping.body.pings[0].ping, 'UP');
  // No token, a token signed with another key, a token for another name than the header's: refused.
  const none = await call('GET', `${API}/jobs`);
  t.is(none.status, 401);
  const forged = await call('GET', `${API}/jobs`, { headers: { 'X-SLURM-USER-NAME': USER, 'X-SLURM-USER-TOKEN': s.token(USER).replace(/\.[^.]+$/, '.' + Buffer.alloc(32).toString('base64url')) } });
  t.not(forged.status, 200);
  t.true(forged.body.errors.length > 0);
  const mismatch = await call('GET', `${API}/jobs`, { headers: { 'X-SLURM-USER-NAME': 'fleetq-other', 'X-SLURM-USER-TOKEN': s.token(USER) } });
  t.not(mismatch.status, 200);
});

test.serial('a batch job submitted through slurmrestd runs as its owner, writes its output and ends FAILED with wait status 768 (exit 3)', async (t) => {
  const out = join(s.userDir(USER), 'exit3.out');
  const id = await submit({ name: 'exit3', current_working_directory: s.userDir(USER), standard_output: out, environment: { PATH: '/usr/bin:/bin', GREETING: 'hello from slurm' } },
    '#!/bin/bash\necho "$GREETING as $(id -un) in job $SLURM_JOB_ID"\nexit 3\n');
  const j = await until(id, (x) => x.job_state !== 'PENDING' && x.job_state !== 'RUNNING' && x.job_state !== 'COMPLETING', 'ended');
  t.is(j.job_state, 'FAILED');
  t.is(j.state_reason, 'NonZeroExitCode');
  t.is(j.exit_code, 3 << 8, 'exit_code is the raw wait status');
  t.is(j.user_name, USER);
  t.is(j.nodes, s.nodeNames[0]);
  t.is(j.standard_output, out);
  t.true(j.start_time > 0 && j.end_time >= j.start_time);
  t.is(readFileSync(out, 'utf8'), `hello from slurm as ${USER} in job ${id}\n`);
  const st = statSync(out);
  t.is(st.uid, Number((await s.cmd('id', ['-u', USER])).stdout.trim()), 'the output file belongs to the job\'s owner');
  // Finished jobs stay listed (MinJobAge=300).
  const all = await call('GET', `${API}/jobs`, { user: USER });
  t.true(all.body.jobs.some((x: { job_id: number; job_state: string }) => x.job_id === id && x.job_state === 'FAILED'));
});

test.serial('DELETE /job/{id} cancels a running job: CANCELLED', async (t) => {
  const id = await submit({ name: 'sleeper', current_working_directory: s.userDir(USER) }, '#!/bin/bash\nsleep 300\n');
  await until(id, (x) => x.job_state === 'RUNNING', 'ran');
  // Another user may not cancel fleetq-test's job.
  const theirs = await call('DELETE', `${API}/job/${id}`, { user: 'fleetq-other' });
  t.is(theirs.status, 500);
  t.is(theirs.body.errors[0].error, 'Access/permission denied');
  t.is((await call('GET', `${API}/job/${id}`, { user: USER })).body.jobs[0].job_state, 'RUNNING');
  const del = await call('DELETE', `${API}/job/${id}`, { user: USER });
  t.is(del.status, 200, JSON.stringify(del.body));
  t.deepEqual(del.body.errors, []);
  const j = await until(id, (x) => x.job_state === 'CANCELLED', 'was cancelled');
  t.true(j.end_time >= j.start_time);
  t.log(`cancelled: exit_code ${j.exit_code}, state_reason ${j.state_reason}`);
  // An unknown job is a 500 with Slurm's error.
  const unknown = await call('DELETE', `${API}/job/999999`, { user: USER });
  t.is(unknown.status, 500);
  t.is(unknown.body.errors[0].error, 'Invalid job id specified');
});

test.serial('slurmrestd stops and starts again on the same port; jobs go on meanwhile', async (t) => {
  const id = await submit({ name: 'across', current_working_directory: s.userDir(USER) }, '#!/bin/bash\nsleep 1\n');
  await s.stopRest();
  await t.throwsAsync(call('GET', `${API}/ping`, { user: USER }), { code: 'ECONNREFUSED' });
  const q = await s.cmd('squeue', ['-h', '-j', String(id), '-o', '%i']);
  t.is(q.code, 0, 'slurmctld is not affected');
  await s.startRest();
  t.is((await call('GET', `${API}/ping`, { user: USER })).status, 200);
  const j = await until(id, (x) => x.job_state === 'COMPLETED', 'completed');
  t.is(j.exit_code, 0);
});

test.serial('the unix socket (rest_auth/local) serves root as slurmrestd\'s own user, and refuses other users', async (t) => {
  t.truthy(s.restSocket);
  const ping = await call('GET', `${API}/ping`, { socketPath: s.restSocket! });
  t.is(ping.status, 200);
  t.is(ping.body.pings[0].ping, 'UP');
  // fleetq-test's own process, on the same socket: refused (401, "Authentication failure").
  const client = `require('http').request({socketPath: ${JSON.stringify(s.restSocket)}, path: '${API}/ping'}, (r) => { console.log(r.statusCode); r.resume(); }).end()`;
  const r = await s.cmd('runuser', ['-u', USER, '--', process.execPath, '-e', client]);
  t.is(r.stdout.trim(), '401', r.stderr);
});
