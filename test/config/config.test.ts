import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';

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
