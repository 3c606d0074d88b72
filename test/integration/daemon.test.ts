/**
 * The real daemon and its agents, driven through the embedding client: lifecycle, durability across
 * kill -9, recovery of running jobs, local node splitting, bad input over gRPC.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type FleetqClient } from '../../src/client/index.js';
import { startDaemon, run, eventually, type DaemonHandle } from '../helpers/daemon.js';

const workdir = (): string => mkdtempSync(join(tmpdir(), 'fq-wd-'));
const spec = (script: string, extra: Record<string, unknown> = {}) => ({ script, workdir: workdir(), ...extra });

async function withDaemon(env: Record<string, string>, fn: (d: DaemonHandle, c: FleetqClient) => Promise<void>): Promise<void> {
  const d = await startDaemon({ env });
  const c = connect({ address: d.address });
  try { await fn(d, c); } finally { c.close(); await d.stop(); }
}

async function stateOf(c: FleetqClient, id: string): Promise<string> { return (await c.getJob({ id })).state_letter; }

test('one daemon per home; SIGTERM stops it cleanly and its idle agents follow', async (t) => {
  const d = await startDaemon();
  t.is(statSync(d.socket).mode & 0o777, 0o600, 'without MUNGE the socket is the daemon user\'s alone (test/integration/auth.test.ts: 0666 with it)');
  const second = await run('fleetq', ['daemon'], { home: d.home });
  t.is(second.code, 1);
  t.regex(second.stderr, /another fleetq daemon \(pid \d+\) is already running/);
  t.true(existsSync(d.socket), 'the refused daemon left the socket alone');
  const agentPid = Number(readFileSync(join(d.home, 'agents', d.log().match(/"node":"([^"]+)"/)?.[1] ?? '', 'agent.pid'), 'utf8'));
  t.is(await d.stop(), 0);
  t.false(existsSync(d.socket));
  await eventually(async () => { try { process.kill(agentPid, 0); return false; } catch { return true; } }, 10000, 'the agent to exit');
});

test('kill -9 between acknowledgement and the end loses nothing: the job finishes after restart', async (t) => {
  const d = await startDaemon();
  const c = connect({ address: d.address });
  const wd = workdir();
  const { job } = await c.submitJob({ spec: { script: 'sleep 3; echo survived\n', workdir: wd, name: 'k9' }, request_id: 'req-k9' });
  // Wait until the agent reports the process (not just R): a job killed between its start commit and
  // the launch reaching the agent is requeued and run again, which is right but not what this checks.
  await eventually(async () => (await c.getJob({ id: job.id })).session_id > 0, 10000, 'the job process');
  await d.kill9();
  c.close();
  await d.restart();
  const c2 = connect({ address: d.address });
  const again = await c2.submitJob({ spec: { script: 'echo dup\n', workdir: wd }, request_id: 'req-k9' });
  t.true(again.existing, 'a retried submit after the crash returns the same job');
  t.is(again.job.id, job.id);
  const fin = await eventually(async () => { const j = await c2.getJob({ id: job.id }); return j.state_letter === 'F' ? j : undefined; }, 20000, 'F');
  t.is(fin.exit_status, 0);
  t.is(fin.run_count, 1, 'kept running, not rerun');
  t.is(readFileSync(join(wd, `k9.o${job.seq}`), 'utf8'), 'survived\n');
  t.is((await c2.listJobs({ include_finished: true })).jobs.length, 1, 'nothing duplicated');
  c2.close();
  t.is(await d.stop(), 0);
});

test('a clean stop leaves running jobs running; the next daemon picks them up', async (t) => {
  const d = await startDaemon({ env: { FLEETQ_AGENT_RECONNECT_GRACE: '2s' } });
  const c = connect({ address: d.address });
  const wd = workdir();
  const { job } = await c.submitJob({ spec: { script: 'sleep 4; echo kept\n', workdir: wd, name: 'kept' } });
  await eventually(async () => (await c.getJob({ id: job.id })).session_id > 0, 10000, 'the job process');
  c.close();
  t.is(await d.stop(), 0);
  await new Promise((r) => setTimeout(r, 1000));
  await d.restart();
  const c2 = connect({ address: d.address });
  const fin = await eventually(async () => { const j = await c2.getJob({ id: job.id }); return j.state_letter === 'F' ? j : undefined; }, 20000, 'F');
  t.is(fin.exit_status, 0);
  t.is(fin.run_count, 1, 'not requeued and run twice');
  t.is(readFileSync(join(wd, `kept.o${job.seq}`), 'utf8'), 'kept\n');
  c2.close();
  t.is(await d.stop(), 0);
});

test('a running job whose agent died with the daemon is requeued when rerunnable, finished with a reason when not', async (t) => {
  const d = await startDaemon({ env: { FLEETQ_AGENT_RECONNECT_GRACE: '1s' } });
  const c = connect({ address: d.address });
  const rr = (await c.submitJob({ spec: spec('sleep 60\n') })).job;
  const nr = (await c.submitJob({ spec: spec('sleep 60\n', { has_rerunnable: true, rerunnable: false }) })).job;
  await eventually(async () => (await stateOf(c, rr.id)) === 'R' && (await stateOf(c, nr.id)) === 'R', 10000, 'both R');
  const node = (await c.listNodes()).nodes[0]?.name ?? '';
  const agentPid = Number(readFileSync(join(d.home, 'agents', node, 'agent.pid'), 'utf8'));
  const sessions = await Promise.all([rr, nr].map(async (j) => (await c.getJob({ id: j.id })).session_id));
  c.close();
  await d.kill9();
  process.kill(agentPid, 'SIGKILL'); // the node dies with the daemon: its jobs die too
  for (const p of sessions) if (p > 0) try { process.kill(-p, 'SIGKILL'); } catch { /* gone */ }
  await d.restart();
  const c2 = connect({ address: d.address });
  const a = await eventually(async () => { const j = await c2.getJob({ id: rr.id }); return j.run_count === 2 && j.state_letter === 'R' ? j : undefined; }, 20000, 'rerun');
  t.regex(a.comment, /^Job run at/);
  const journal: string[] = [];
  for await (const ev of c2.watchJobs({ since_revision: 1, ids: [rr.id] })) { journal.push(ev.kind); if (ev.kind === 'started' && journal.includes('requeued')) break; }
  t.true(journal.includes('requeued'), journal.join());
  const b = await eventually(async () => { const j = await c2.getJob({ id: nr.id }); return j.state_letter === 'F' ? j : undefined; }, 20000, 'F');
  t.is(b.exit_status, -4);
  t.regex(b.comment, /not rerunnable/);
  await c2.cancelJob({ id: rr.id });
  c2.close();
  t.is(await d.stop(), 0);
});

test('local.nodes splits the machine; jobs start only where their ncpus fit', async (t) => {
  await withDaemon({ FLEETQ_LOCAL_NODES: '3', FLEETQ_LOCAL_NCPUS: '6' }, async (d, c) => {
    await eventually(async () => (await c.listNodes()).nodes.filter((n) => n.state_text === 'free').length === 3, 10000, '3 nodes up');
    const nodes = (await c.listNodes()).nodes;
    t.deepEqual(nodes.map((n) => n.ncpus), [2, 2, 2]);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await c.submitJob({ spec: spec('sleep 30\n', { resource_list: 'ncpus=2' }) })).job.id);
    await eventually(async () => (await c.listJobs({ states: ['JOB_STATE_RUNNING'] })).jobs.length === 3, 10000, '3 running');
    await new Promise((r) => setTimeout(r, 500));
    t.is((await c.listJobs({ states: ['JOB_STATE_RUNNING'] })).jobs.length, 3, 'the fourth waits');
    const waiting = await c.getJob({ id: ids[3] ?? '' });
    t.is(waiting.state_letter, 'Q');
    t.regex(waiting.comment, /^Not Running: /);
    t.deepEqual(new Set((await c.listJobs({ states: ['JOB_STATE_RUNNING'] })).jobs.map((j) => j.nodes[0])).size, 3);
    // What can never fit this fixed cluster is refused at submit, with the placement core's reason.
    const big = await t.throwsAsync(c.submitJob({ spec: spec('true\n', { resource_list: 'ncpus=4' }) }));
    t.is((big as grpc.ServiceError).code, grpc.status.RESOURCE_EXHAUSTED);
    t.is((big as grpc.ServiceError).details, 'Resource_List.select: can never run on this cluster: 3 nodes too small');
    for (const id of ids) await c.cancelJob({ id });
    t.truthy(d);
  });
});

test('a multi-node job: placed by the native core, exec_host and exec_vnode as PBS writes them, rank files for its launcher', async (t) => {
  await withDaemon({ FLEETQ_LOCAL_NODES: '2', FLEETQ_LOCAL_NCPUS: '4' }, async (d, c) => {
    await eventually(async () => (await c.listNodes()).nodes.filter((n) => n.state_text === 'free').length === 2, 10000, '2 nodes up');
    const host = (await c.listNodes()).nodes.map((n) => n.name);
    const dir = workdir();
    const script = '#!/bin/bash\ncat "$PBS_NODEFILE"; echo --; cat "$FLEETQ_HOSTFILE"; echo --; cat "$FLEETQ_RANKFILE"; echo --; cat "$FLEETQ_MACHINEFILE"\n';
    const { job } = await c.submitJob({ spec: { script, workdir: dir, name: 'mpi', resource_list: 'select=2:ncpus=2:mpiprocs=2:mem=10mb,place=scatter' } });
    const done = await eventually(async () => { const j = await c.getJob({ id: job.id }); return j.state_letter === 'F' ? j : undefined; }, 20000, 'the job to finish');
    t.is(done.exit_status, 0);
    t.is(done.exec_host, `${host[0]}/0*2+${host[1]}/0*2`);
    t.is(done.exec_vnode, `(${host[0]}:ncpus=2:mem=10240kb)+(${host[1]}:ncpus=2:mem=10240kb)`);
    const [a, b] = [host[0], host[1]];
    t.is(readFileSync(join(dir, `mpi.o${job.seq}`), 'utf8'), [
      a, a, b, b, '--',
      `${a} slots=2`, `${b} slots=2`, '--',
      `rank 0=${a} slot=0`, `rank 1=${a} slot=1`, `rank 2=${b} slot=0`, `rank 3=${b} slot=1`, '--',
      `${a}:2`, `${b}:2`, '',
    ].join('\n'));
    // Waiting jobs say why, from the core's diagnosis.
    const hog = (await c.submitJob({ spec: spec('sleep 30\n', { resource_list: 'select=2:ncpus=2,place=scatter' }) })).job;
    await eventually(async () => (await c.getJob({ id: hog.id })).state_letter === 'R', 10000, 'the hog to run');
    const w = (await c.submitJob({ spec: spec('true\n', { resource_list: 'ncpus=1' }) })).job;
    await eventually(async () => (await c.getJob({ id: w.id })).comment === 'Not Running: 2 nodes busy', 10000, 'a comment naming busy nodes');
    for (const id of [w.id, hog.id]) await c.cancelJob({ id }); // the waiter first: once the hog goes, it would run
    t.truthy(d);
  });
});

test('bad requests get statuses naming the field, and the daemon keeps serving', async (t) => {
  await withDaemon({}, async (_d, c) => {
    const cases: Array<[string, () => Promise<unknown>, grpc.status, RegExp]> = [
      ['no spec', () => c.submitJob({}), grpc.status.INVALID_ARGUMENT, /^spec: /],
      ['bad select', () => c.submitJob({ spec: spec('true\n', { resource_list: 'select=banana' }) }), grpc.status.INVALID_ARGUMENT, /^Resource_List\.select: /],
      ['unknown queue', () => c.submitJob({ spec: spec('true\n', { queue: 'nope' }) }), grpc.status.NOT_FOUND, /^queue: 'nope' is not a queue/],
      ['relative workdir', () => c.submitJob({ spec: { script: 'true\n', workdir: 'x' } }), grpc.status.INVALID_ARGUMENT, /^workdir: /],
      ['10 MB script', () => c.submitJob({ spec: spec(`#${'x'.repeat(10 * 1024 * 1024)}\n`) }), grpc.status.INVALID_ARGUMENT, /^script: \d+ bytes is over the limit/],
      ['empty id', () => c.getJob({ id: '' }), grpc.status.INVALID_ARGUMENT, /^id: /],
      ['unknown id', () => c.getJob({ id: '424242' }), grpc.status.NOT_FOUND, /Unknown Job Id 424242/],
      ['bad page token', () => c.listJobs({ page_token: 'zzz' }), grpc.status.INVALID_ARGUMENT, /^page_token: /],
      ['alter without spec', () => c.alterJob({ id: '1' }), grpc.status.INVALID_ARGUMENT, /^spec: /],
      ['bad hold type', () => c.holdJob({ id: '1', hold_types: 'z' }), grpc.status.INVALID_ARGUMENT, /hold_types/],
    ];
    await c.submitJob({ spec: spec('sleep 30\n', { hold: true }) });
    for (const [name, call, code, msg] of cases) {
      const e = await t.throwsAsync(call() as Promise<unknown>, undefined, name) as grpc.ServiceError;
      t.is(e.code, code, `${name}: ${e.details}`);
      t.regex(e.details, msg, name);
      t.truthy(e.metadata.get('x-fleetq-pbs-errno')[0], `${name} carries the PBS errno`);
    }
    t.is((await c.getJob({ id: '1' })).state_letter, 'H', 'the daemon still serves and kept the job');
  });
});

test('pages and watch resume', async (t) => {
  await withDaemon({}, async (_d, c) => {
    for (let i = 0; i < 25; i++) await c.submitJob({ spec: spec('true\n', { hold: true }) });
    const p1 = await c.listJobs({ page_size: 10 });
    t.is(p1.jobs.length, 10);
    t.not(p1.next_page_token, '');
    t.is((await c.listAllJobs({ page_size: 10 })).length, 25);
    const rev = (await c.getServer()).revision;
    await c.alterJob({ id: '1', spec: { name: 'renamed' }, update_mask: ['name'] });
    await c.cancelJob({ id: '2' });
    const seen: string[] = [];
    for await (const ev of c.watchJobs({ since_revision: rev })) { seen.push(`${ev.job_id.split('.')[0]}:${ev.kind}:${ev.job?.spec?.name ?? ''}`); if (seen.length === 2) break; }
    t.deepEqual(seen, ['1:altered:renamed', '2:deleted:STDIN']);
  });
});
