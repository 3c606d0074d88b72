import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';
import { DEFAULT_WEIGHTS } from '../../src/scheduler/priority.js';

function home(yaml?: string): string {
  const d = mkdtempSync(join(tmpdir(), 'fq-cfg-'));
  if (yaml !== undefined) writeFileSync(join(d, 'config.yaml'), yaml);
  return d;
}

test('defaults: one local node, queue workq, durations and sizes parsed', (t) => {
  const c = loadConfig({ FLEETQ_HOME: home() });
  t.is(c.local.nodes, 1);
  t.true(c.local.ncpus >= 1);
  t.is(c.jobs.kill_delay_seconds, 10);
  t.is(c.jobs.max_script_bytes, 4 * 1024 * 1024);
  t.deepEqual(c.queues.map((q) => q.name), ['workq']);
  t.true(Object.isFrozen(c));
});

test('the file is read and every key can be overridden from FLEETQ_*', (t) => {
  const h = home('local:\n  nodes: 2\nscheduler:\n  interval: 2s\nqueues:\n  - name: workq\n  - name: fast\n    priority: 5\n    default_walltime: "1:00:00"\n');
  const c = loadConfig({ FLEETQ_HOME: h, FLEETQ_LOCAL_NODES: '4', FLEETQ_JOBS_KILL_DELAY: '3s' });
  t.is(c.local.nodes, 4);
  t.is(c.scheduler.interval_ms, 2000);
  t.is(c.jobs.kill_delay_seconds, 3);
  t.deepEqual(c.queues.map((q) => [q.name, q.priority, q.default_walltime_seconds]), [['workq', 0, 0], ['fast', 5, 3600]]);
});

test('unknown keys and bad values are all reported together', (t) => {
  const h = home('local:\n  nodes: many\n  colour: red\nbogus: 1\n');
  const e = t.throws(() => loadConfig({ FLEETQ_HOME: h, FLEETQ_SCHEDULER_INTERVAL: 'soon' }), { instanceOf: ConfigError }) as ConfigError;
  t.is(e.problems.length, 4, e.message);
  t.regex(e.message, /local\.colour/);
  t.regex(e.message, /bogus/);
  t.regex(e.message, /local\.nodes: 'many'/);
  t.regex(e.message, /scheduler\.interval/);
});

test('the default queue must exist', (t) => {
  t.throws(() => loadConfig({ FLEETQ_HOME: home(), FLEETQ_JOBS_DEFAULT_QUEUE: 'nope' }), { message: /jobs\.default_queue/ });
});

test('priority keys: defaults match DEFAULT_WEIGHTS; three-level keys read from the file and from FLEETQ_*', (t) => {
  t.deepEqual(loadConfig({ FLEETQ_HOME: home() }).scheduler.priority, DEFAULT_WEIGHTS, 'the config defaults are priority.ts defaults');
  const h = home('scheduler:\n  interval: 1s\n  priority:\n    weight_job: 7\n    weight_age: 8\n    max_age: 2h\n  fairshare:\n    half_life: 1d\n');
  const c = loadConfig({ FLEETQ_HOME: h, FLEETQ_SCHEDULER_PRIORITY_WEIGHT_AGE: '9', FLEETQ_SCHEDULER_PRIORITY_WEIGHT_FAIRSHARE_USER: '0', FLEETQ_SCHEDULER_PRIORITY_WEIGHT_FAIRSHARE_ACCOUNT: '3', FLEETQ_SCHEDULER_FAIRSHARE_HALF_LIFE: '12h' });
  t.deepEqual(c.scheduler.priority, { job: 7, age: 9, fairshare_user: 0, fairshare_account: 3, max_age_s: 7200, half_life_s: 43200 });
  t.is(c.scheduler.interval_ms, 1000);
});

test('unknown keys are found at every depth; a section given a value is unknown', (t) => {
  const cases: Array<{ name: string; yaml: string; want: string[] }> = [
    { name: 'third level', yaml: 'scheduler:\n  priority:\n    weight_job: 1\n    weight_colour: 2\n', want: ['scheduler.priority.weight_colour'] },
    { name: 'second level section', yaml: 'scheduler:\n  fairshare:\n    half_life: 1d\n  fairness: 3\n', want: ['scheduler.fairness'] },
    { name: 'section as a scalar', yaml: 'scheduler:\n  priority: 5\n', want: ['scheduler.priority'] },
    { name: 'a key below a key', yaml: 'scheduler:\n  interval:\n    x: 1\n', want: [] },
  ];
  for (const c of cases) {
    let problems: string[] = [];
    try { loadConfig({ FLEETQ_HOME: home(c.yaml) }); } catch (e) { problems = (e as ConfigError).problems ?? [(e as Error).message]; }
    const unknown = problems.filter((p) => p.includes('unknown key')).map((p) => /unknown key '([^']+)'/.exec(p)?.[1]);
    t.deepEqual(unknown, c.want, `${c.name}: problems were ${JSON.stringify(problems)}`);
  }
});

test('priority values are checked: whole weights, a max_age above 0', (t) => {
  const e = t.throws(() => loadConfig({ FLEETQ_HOME: home(), FLEETQ_SCHEDULER_PRIORITY_WEIGHT_JOB: '-3', FLEETQ_SCHEDULER_FAIRSHARE_HALF_LIFE: 'often' }), { instanceOf: ConfigError }) as ConfigError;
  t.is(e.problems.length, 2, e.message);
  t.regex(e.message, /scheduler\.priority\.weight_job: '-3' is not a whole number/);
  t.regex(e.message, /scheduler\.fairshare\.half_life/);
  t.throws(() => loadConfig({ FLEETQ_HOME: home(), FLEETQ_SCHEDULER_PRIORITY_MAX_AGE: '0s' }), { message: /scheduler\.priority\.max_age: must be longer than 0/ });
});

test('queues: backfill is easy by default, none or conservative when given, anything else named', (t) => {
  const c = loadConfig({ FLEETQ_HOME: home('queues:\n  - name: workq\n  - name: strict\n    backfill: none\n  - name: big\n    backfill: conservative\n') });
  t.deepEqual(c.queues.map((q) => [q.name, q.backfill]), [['workq', 'easy'], ['strict', 'none'], ['big', 'conservative']]);
  t.throws(() => loadConfig({ FLEETQ_HOME: home(), FLEETQ_QUEUES: '[{name: workq, backfill: greedy}]' }), { message: /queues\[0\]\.backfill: 'greedy' is not none, easy or conservative/ });
});
