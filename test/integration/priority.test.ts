/**
 * Job priority through a real daemon: qstat -f shows a pending job's sched_priority and its parts
 * after PBS's Priority, a user (and account) whose job ran gets a lower fair-share part than a fresh
 * one, and the usage is rebuilt from the store when the daemon restarts.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, type DaemonHandle } from '../helpers/daemon.js';
import { connect } from '../../src/client/index.js';

let d: DaemonHandle;
test.before(async () => {
  d = await startDaemon({ env: { FLEETQ_SERVER_NAME: 'srv', FLEETQ_LOCAL_NCPUS: '2', FLEETQ_LOCAL_MEM: '4gb', FLEETQ_SCHEDULER_PRIORITY_WEIGHT_JOB: '2047' } });
});
test.after.always(async () => { await d?.stop(); });

const q = (cmd: string, args: string[], input = '') => run(cmd, args, { input, home: d.home, cwd: mkdtempSync(join(tmpdir(), 'fq-prio-')) });

/** qstat -f attributes of one job, with PBS's wrapped lines joined. */
async function attrs(id: string): Promise<Map<string, string>> {
  const r = await q('qstat', ['-x', '-f', id]);
  const out = new Map<string, string>();
  for (const line of r.stdout.replace(/\n\t/g, '').split('\n')) {
    const m = /^ {4}([\w.]+) = (.*)$/.exec(line);
    if (m) out.set(m[1] ?? '', m[2] ?? '');
  }
  return out;
}

function parts(text: string | undefined): Record<string, number> {
  const o: Record<string, number> = {};
  for (const kv of (text ?? '').split(',')) { const [k, v] = kv.split('='); if (k) o[k] = Number(v); }
  return o;
}

async function qsub(args: string[], script: string): Promise<string> {
  const r = await q('qsub', args, script);
  if (r.code !== 0) throw new Error(`qsub ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

test.serial('a pending job shows sched_priority and its parts after Priority; a running or finished one does not', async (t) => {
  const id = await qsub(['-h', '-p', '1023', '-N', 'held_prio'], 'true\n');
  const a = await attrs(id);
  const total = Number(a.get('sched_priority'));
  const p = parts(a.get('sched_priority_parts'));
  t.deepEqual(Object.keys(p), ['job', 'age', 'fairshare_user', 'fairshare_account'], `parts: ${a.get('sched_priority_parts')}`);
  t.is(p.job, 2047, '-p 1023 earns the whole job weight (2047)');
  t.is(total, (p.job ?? 0) + (p.age ?? 0) + (p.fairshare_user ?? 0) + (p.fairshare_account ?? 0), 'the total is the sum of its parts');
  const keys = [...a.keys()];
  t.is(keys.indexOf('sched_priority'), keys.indexOf('Priority') + 1, `sched_priority right after Priority: ${keys.join(' ')}`);
  t.is(keys.indexOf('sched_priority_parts'), keys.indexOf('Priority') + 2);
  const json = JSON.parse((await q('qstat', ['-f', '-F', 'json', id])).stdout) as { Jobs: Record<string, Record<string, unknown>> };
  t.is(json.Jobs[id]?.sched_priority, total, '-F json gives the number');
  t.is(json.Jobs[id]?.sched_priority_parts, a.get('sched_priority_parts'));
  t.is(json.Jobs[id]?.Priority, 1023, 'Priority stays the -p value');
  await q('qdel', [id]);
  const gone = await attrs(id);
  t.is(gone.get('job_state'), 'F');
  t.false(gone.has('sched_priority'), 'a finished job has no scheduling priority');
});

test.serial('a user and an account whose job ran get lower fair-share parts than fresh ones, also after a restart', async (t) => {
  const me = userInfo().username;
  const ran = await qsub(['-A', 'physics', '-l', 'select=1:ncpus=2', '-N', 'burn'], 'sleep 2\n');
  await eventually(async () => (await attrs(ran)).get('job_state') === 'F', 30000, `${ran} to finish`);
  const mine = await qsub(['-h', '-A', 'physics'], 'true\n');
  const fq = connect({ address: d.address, user: 'fresh-user' });
  let fresh = '';
  try {
    const { job } = await fq.submitJob({ spec: { script: 'true\n', workdir: tmpdir(), hold: true } });
    fresh = job.id;
  } finally { fq.close(); }
  const compare = async (when: string): Promise<void> => {
    const m = parts((await attrs(mine)).get('sched_priority_parts'));
    const f = parts((await attrs(fresh)).get('sched_priority_parts'));
    t.is(f.fairshare_user, 10000, `${when}: a user who never ran has the whole weight (got ${JSON.stringify(f)})`);
    t.is(m.fairshare_user, 5000, `${when}: ${me}, the only user with usage, is at 2^-1 (got ${JSON.stringify(m)})`);
    t.is(f.fairshare_account, 5000, `${when}: account default never charged (got ${JSON.stringify(f)})`);
    t.is(m.fairshare_account, 2500, `${when}: account physics has all the usage (got ${JSON.stringify(m)})`);
  };
  await compare('running daemon');
  await d.stop();
  await d.restart();
  await compare('after a restart');
});

test.serial('fair-share order: a fresh user\'s job starts before an earlier one of a user with usage', async (t) => {
  // The blocker holds the node until it is deleted, after both waiting jobs are in: then the order is the priority's alone.
  const blocker = await qsub(['-l', 'select=1:ncpus=2', '-N', 'blocker'], 'sleep 600\n');
  await eventually(async () => (await attrs(blocker)).get('job_state') === 'R', 20000, `${blocker} to run`);
  const mine = await qsub(['-l', 'select=1:ncpus=2', '-N', 'mine_first'], 'sleep 30\n');
  const fq = connect({ address: d.address, user: 'fresh-user' });
  let fresh = '';
  try {
    const { job } = await fq.submitJob({ spec: { script: 'sleep 30\n', workdir: tmpdir(), resource_list: 'select=1:ncpus=2', name: 'fresh_later' } });
    fresh = job.id;
  } finally { fq.close(); }
  const before = [await attrs(mine), await attrs(fresh)].map((a) => parts(a.get('sched_priority_parts')).fairshare_user);
  t.true((before[0] ?? 0) < (before[1] ?? 0), `while both wait, the user with usage has the lower fair-share part: ${before.join(' < ')}`);
  t.deepEqual([(await attrs(mine)).get('job_state'), (await attrs(fresh)).get('job_state')], ['Q', 'Q'], 'both wait behind the blocker');
  t.is((await q('qdel', [blocker])).code, 0);
  const started = await eventually(async () => {
    const [m, f] = [await attrs(mine), await attrs(fresh)];
    return m.get('job_state') === 'R' || f.get('job_state') === 'R' ? { mine: m.get('job_state'), fresh: f.get('job_state') } : undefined;
  }, 30000, 'one of the waiting jobs to start');
  t.deepEqual(started, { mine: 'Q', fresh: 'R' }, 'the later job of the fresh user started first');
  await q('qdel', [mine, fresh]);
});
