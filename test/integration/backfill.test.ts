/**
 * Backfilling per queue through the real daemon, its local agent and the bin/ commands, on one
 * node of 4 cpus with a 200 ms scheduler cycle. Each test has a daemon of its own whose only queue
 * has the backfill mode under test:
 *
 *   A: ncpus=3 walltime 2 min, running — its walltime end is when the 4-cpu head job B can start
 *     (2 min, not less, so a slow machine cannot bring a 5 s job's end past it).
 *   EASY: a 1-cpu job that ends before A's end starts at once; a 1-hour one does not (it would
 *     delay B) and says why; qalter of its walltime to 5 s lets it start.
 *   none: nothing passes B.
 *   conservative: B and a second 4-cpu job both have reservations; a short job that ends before
 *     A's end starts, one that ends after it does not.
 *   EASY vs conservative: a job that cannot delay the head but would delay the second waiting job
 *     starts under EASY only.
 *   Holds (u, o, s) and -a start times (state W) as qsub/qhold/qrls/qstat show them.
 *
 * Every job left is qdel'ed at the end of its test, and its daemon stopped.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, type DaemonHandle } from '../helpers/daemon.js';

type Mode = 'none' | 'easy' | 'conservative';
const CYCLE_MS = 200;
/** The comment of a job that fits now but waits for a job ahead of it (src/scheduler/plan.ts BLOCKED). */
const BEHIND = /^Not Running: a job ahead of it is waiting for resources/;

/**
 * Tests run at most SLOTS at a time (each with its own daemon, stopped when it ends): on a 2-core
 * machine, more daemons and qstat polls at once slow the cycle down to where timings blur.
 */
const SLOTS = 3;
let free = SLOTS;
const queue: Array<() => void> = [];
async function slot(): Promise<() => void> {
  if (free > 0) free--;
  else await new Promise<void>((r) => queue.push(r));
  return () => { const next = queue.shift(); if (next) next(); else free++; };
}

/** Runs `body` against a fresh daemon whose one queue (workq) has backfill `mode`, on one local node of 4 cpus; then qdel's what is left and stops the daemon. */
async function withCluster(mode: Mode, body: (c: Cluster) => Promise<void>): Promise<void> {
  const done = await slot();
  let d: DaemonHandle | undefined;
  try {
    d = await startDaemon({
      env: {
        FLEETQ_SERVER_NAME: 'srv', FLEETQ_LOCAL_NODES: '1', FLEETQ_LOCAL_NCPUS: '4', FLEETQ_LOCAL_MEM: '4gb',
        FLEETQ_JOBS_KILL_DELAY: '1s', FLEETQ_SCHEDULER_INTERVAL: `${CYCLE_MS}ms`,
        FLEETQ_QUEUES: JSON.stringify([{ name: 'workq', backfill: mode }]),
      },
    });
    const c = new Cluster(d);
    try { await body(c); } finally { await c.cleanup(); }
  } finally {
    await d?.stop();
    done();
  }
}

class Cluster {
  readonly ids: string[] = [];
  constructor(readonly d: DaemonHandle) {}

  q(cmd: string, args: string[], input = ''): ReturnType<typeof run> {
    return run(cmd, args, { input, home: this.d.home, cwd: mkdtempSync(join(tmpdir(), 'fq-bf-')) });
  }

  /** qsub; `res` is the -l list (ncpus=…,walltime=…). */
  async submit(name: string, res: string, script: string, extra: string[] = []): Promise<string> {
    const r = await this.q('qsub', ['-N', name, '-l', res, ...extra], script);
    if (r.code !== 0) throw new Error(`qsub ${name} -l ${res} failed (${r.code}): ${r.stderr}`);
    const id = r.stdout.trim();
    this.ids.push(id);
    return id;
  }

  /** qstat -x -f attributes of each job (one qstat for all), PBS's wrapped lines joined. */
  async attrsOf(ids: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const r = await this.q('qstat', ['-x', '-f', ...ids]);
    const out = new Map<string, Map<string, string>>();
    let cur = new Map<string, string>();
    for (const line of r.stdout.replace(/\n\t/g, '').split('\n')) {
      const head = /^Job Id: (\S+)$/.exec(line);
      if (head) { cur = new Map(); out.set(head[1] ?? '', cur); continue; }
      const m = /^ {4}([\w.]+) = (.*)$/.exec(line);
      if (m) cur.set(m[1] ?? '', m[2] ?? '');
    }
    return out;
  }

  async attrs(id: string): Promise<Map<string, string>> { return (await this.attrsOf([id])).get(id) ?? new Map(); }

  async state(id: string): Promise<string> { return (await this.attrs(id)).get('job_state') ?? '?'; }

  /** States of several jobs (one qstat) as {name: S}. */
  async states(named: Record<string, string>): Promise<Record<string, string>> {
    const all = await this.attrsOf(Object.values(named));
    return Object.fromEntries(Object.entries(named).map(([n, id]) => [n, all.get(id)?.get('job_state') ?? '?']));
  }

  waitState(id: string, s: string, ms = 15000): Promise<boolean> {
    return eventually(async () => (await this.state(id)) === s, ms, `${id} → ${s}`);
  }

  /** Resolves once the job has started (R, or already F with a start time: a short job may end between two polls). */
  waitStarted(id: string, ms = 15000): Promise<boolean> {
    return eventually(async () => { const a = await this.attrs(id); return a.get('job_state') === 'R' || (a.get('job_state') === 'F' && a.has('stime')); }, ms, `${id} to start`);
  }

  /** Resolves once the job's comment matches (the scheduler writes it in its cycle); the error names the last state and comment. */
  async waitComment(id: string, re: RegExp, ms = 10000): Promise<string> {
    let last = '';
    try {
      return await eventually(async () => {
        const a = await this.attrs(id);
        const c = a.get('comment') ?? '';
        last = `${a.get('job_state') ?? '?'} '${c}'`;
        return re.test(c) ? c : undefined;
      }, ms, `${id} comment ~ ${re}`);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen: state ${last}`);
    }
  }

  /** qdel of every job of the test that has not finished. */
  async cleanup(): Promise<void> {
    const all = await this.attrsOf(this.ids);
    const left = this.ids.filter((id) => !['F', undefined].includes(all.get(id)?.get('job_state')));
    if (left.length > 0) await this.q('qdel', left);
  }
}

/**
 * Asserts that every job of `named` keeps state `want` for `ms` (≥ several scheduler cycles),
 * sampling all the while; the message names the first job seen in another state and when.
 */
async function stays(t: ExecutionContext, c: Cluster, named: Record<string, string>, want: string, ms: number, why: string): Promise<void> {
  const t0 = Date.now();
  do {
    const s = await c.states(named);
    const moved = Object.entries(s).find(([, v]) => v !== want);
    if (moved) { t.fail(`${why}: expected ${Object.keys(named).join(', ')} to stay ${want} for ${ms} ms, but ${moved[0]} was ${moved[1]} after ${Date.now() - t0} ms (all: ${JSON.stringify(s)})`); return; }
  } while (Date.now() - t0 < ms);
  t.pass();
}

/** A running, 3-cpu job A (walltime 2 min) and the 4-cpu head job B waiting behind it. */
async function headBlockedByA(t: ExecutionContext, c: Cluster, bWalltime = ''): Promise<{ a: string; b: string }> {
  const a = await c.submit('A', 'ncpus=3,walltime=00:02:00', 'sleep 120\n');
  await c.waitState(a, 'R');
  const b = await c.submit('B', `ncpus=4${bWalltime ? `,walltime=${bWalltime}` : ''}`, 'sleep 30\n');
  const comment = await c.waitComment(b, /./);
  t.regex(comment, /^Not Running:/, `B (4 cpus, 1 free) waits for resources; comment: ${comment}`);
  t.is(await c.state(b), 'Q', 'B waits');
  return { a, b };
}

test('EASY: a short job passes the waiting head, a long one waits behind it until qalter shortens its walltime', async (t) => {
  await withCluster('easy', async (c) => {
    const { a, b } = await headBlockedByA(t, c);
    // C ends (walltime 5 s) long before A's end (2 min): it cannot delay B.
    const cj = await c.submit('C', 'ncpus=1,walltime=00:00:05', 'sleep 4\n');
    const dj = await c.submit('D', 'ncpus=1,walltime=01:00:00', 'sleep 4\n');
    await c.waitStarted(cj);
    t.is(await c.state(b), 'Q', 'B still waits after C started');
    // Once C is done the cpu is free again, yet D (1 hour) would still hold it at A's end.
    await c.waitState(cj, 'F');
    const dc = await c.waitComment(dj, BEHIND);
    t.regex(dc, BEHIND, 'D says it waits behind a job ahead of it');
    await stays(t, c, { B: b, D: dj }, 'Q', 8 * CYCLE_MS, 'with 1 cpu free, the 1-hour D would delay B');
    // qalter: a 5 s walltime ends before A's end, so D may start now.
    const alt = await c.q('qalter', ['-l', 'walltime=00:00:05', dj]);
    t.is(alt.code, 0, `qalter: ${alt.stderr}`);
    t.is((await c.attrs(dj)).get('Resource_List.walltime'), '00:00:05');
    await c.waitStarted(dj);
    t.is((await c.attrs(dj)).get('Resource_List.ncpus'), '1', 'qalter -l walltime kept ncpus');
    t.is(await c.state(b), 'Q', 'B still waits after D started');
    // A ends early (qdel): B, the head, starts as soon as D is done, before anything behind it.
    t.is((await c.q('qdel', [a])).code, 0);
    await c.waitState(b, 'R', 15000);
    t.is(await c.state(dj), 'F', 'D had finished when B started');
  });
});

test('none: strict order, a short job that fits does not pass the waiting head', async (t) => {
  await withCluster('none', async (c) => {
    const { b } = await headBlockedByA(t, c);
    const cj = await c.submit('C', 'ncpus=1,walltime=00:00:05', 'sleep 2\n');
    const cc = await c.waitComment(cj, BEHIND);
    t.regex(cc, BEHIND, 'C says it waits behind a job ahead of it');
    await stays(t, c, { B: b, C: cj }, 'Q', 8 * CYCLE_MS, 'backfill none: nothing starts ahead of B');
  });
});

test('conservative: B and E both reserved; a job ending before A\'s end starts, one ending after does not', async (t) => {
  await withCluster('conservative', async (c) => {
    const { b } = await headBlockedByA(t, c, '00:00:10');
    const e = await c.submit('E', 'ncpus=4,walltime=00:00:10', 'sleep 30\n');
    await c.waitComment(e, /^Not Running:/);
    const f = await c.submit('F', 'ncpus=1,walltime=00:00:05', 'sleep 4\n');
    await c.waitStarted(f);
    t.deepEqual(await c.states({ B: b, E: e }), { B: 'Q', E: 'Q' }, 'B and E wait after F started');
    await c.waitState(f, 'F');
    // G's walltime (3 min) is longer than A's whole walltime, so it ends after A's end whenever it
    // is submitted: it would delay B's reservation (and E's).
    const g = await c.submit('G', 'ncpus=1,walltime=00:03:00', 'sleep 2\n');
    const gc = await c.waitComment(g, BEHIND);
    t.regex(gc, BEHIND, 'G says it waits behind a job ahead of it');
    await stays(t, c, { B: b, E: e, G: g }, 'Q', 8 * CYCLE_MS, 'G would end after A and delay the reservations');
  });
});

// A (2 cpus) runs; B (3 cpus, head) is reserved at A's end and leaves 1 cpu free while it runs;
// E (4 cpus) comes after B. H (1 cpu, 1 hour) fits now and beside B, so it cannot delay the head,
// but it holds a cpu when E needs all 4: EASY (which protects the head only) starts it,
// conservative (which protects every reservation) does not.
for (const { mode, want } of [{ mode: 'easy', want: 'R' }, { mode: 'conservative', want: 'Q' }] as const) {
  test(`${mode}: a job that cannot delay the head but would delay the second waiting job ${want === 'R' ? 'starts' : 'waits'}`, async (t) => {
    await withCluster(mode, async (c) => {
      const a = await c.submit('A', 'ncpus=2,walltime=00:02:00', 'sleep 120\n');
      await c.waitState(a, 'R');
      const b = await c.submit('B', 'ncpus=3,walltime=00:00:10', 'sleep 30\n');
      const e = await c.submit('E', 'ncpus=4,walltime=00:00:10', 'sleep 30\n');
      await c.waitComment(b, /^Not Running:/);
      await c.waitComment(e, /^Not Running:/);
      const h = await c.submit('H', 'ncpus=1,walltime=01:00:00', 'sleep 30\n');
      if (want === 'R') await c.waitState(h, 'R');
      else await c.waitComment(h, BEHIND);
      await stays(t, c, { H: h }, want, 6 * CYCLE_MS, `${mode}: H`);
      t.deepEqual(await c.states({ B: b, E: e }), { B: 'Q', E: 'Q' }, 'B and E wait');
    });
  });
}

test('holds u, o and s on a queued job: each qrls -h releases only its own; the job runs once all are gone', async (t) => {
  await withCluster('easy', async (c) => {
    // The blocker runs until it is deleted, however slow the machine is: X can only run once it goes.
    const blocker = await c.submit('blocker', 'ncpus=4', 'sleep 600\n');
    await c.waitState(blocker, 'R');
    const x = await c.submit('X', 'ncpus=1', 'sleep 30\n');
    t.is(await c.state(x), 'Q', 'X queued behind the blocker');
    const steps: Array<{ cmd: 'qhold' | 'qrls'; h: string; holds: string; state: string }> = [
      { cmd: 'qhold', h: 'u', holds: 'u', state: 'H' },
      { cmd: 'qhold', h: 'o', holds: 'uo', state: 'H' },
      { cmd: 'qhold', h: 's', holds: 'uos', state: 'H' },
      { cmd: 'qrls', h: 'o', holds: 'us', state: 'H' },
      { cmd: 'qrls', h: 'u', holds: 's', state: 'H' },
      { cmd: 'qrls', h: 's', holds: 'n', state: 'Q' },
    ];
    for (const s of steps) {
      const r = await c.q(s.cmd, ['-h', s.h, x]);
      t.is(r.code, 0, `${s.cmd} -h ${s.h}: ${r.stderr}`);
      const a = await c.attrs(x);
      t.deepEqual({ holds: a.get('Hold_Types'), state: a.get('job_state') }, { holds: s.holds, state: s.state }, `after ${s.cmd} -h ${s.h}`);
    }
    t.is((await c.q('qdel', [blocker])).code, 0);
    await c.waitState(x, 'R');
  });
});

/** `qsub -a` text for a moment: CCYYMMDDhhmm.SS in local time. */
function execTimeArg(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}.${p(d.getSeconds())}`;
}

test('qsub -a a few seconds ahead: W with Execution_Time until then, then it runs', async (t) => {
  await withCluster('easy', async (c) => {
    // Far enough ahead that a slow machine still reads the job before its time (qsub and qstat each start a process).
    const at = Math.floor(Date.now() / 1000) + 10;
    const x = await c.submit('later', 'ncpus=1', 'sleep 30\n', ['-a', execTimeArg(at * 1000)]);
    const a = await c.attrs(x);
    const ahead = at - Date.now() / 1000;
    if (ahead > 0.5) t.is(a.get('job_state'), 'W', `right after qsub -a (the time is ${ahead} s ahead)`);
    else t.fail(`qsub and qstat took more than 9.5 s: the machine is too slow to see state W (the time is ${ahead} s ahead)`);
    t.is(Date.parse(a.get('Execution_Time') ?? ''), at * 1000, `Execution_Time ${a.get('Execution_Time')} is the -a time`);
    const seen = await eventually(async () => { const s = await c.state(x); return s !== 'W' ? { s, ms: Date.now() } : undefined; }, 25000, `${x} to leave W`);
    t.true(seen.ms >= at * 1000, `left W ${(at * 1000 - seen.ms) / 1000} s before its -a time (state ${seen.s})`);
    await c.waitState(x, 'R');
    const stime = Date.parse((await c.attrs(x)).get('stime') ?? '');
    t.true(stime >= at * 1000, `stime ${new Date(stime).toString()} not before the -a time ${new Date(at * 1000).toString()}`);
  });
});
