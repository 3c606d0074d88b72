/** JobNodeUsage: a job's resources_used summed over its nodes, and late reports after its end. */
import test from 'ava';
import { JobNodeUsage, type NodeUsage } from '../../src/daemon/job-usage.js';

function rig(running: Set<string>): { u: JobNodeUsage; samples: Array<[string, NodeUsage]>; amends: Array<[string, NodeUsage]> } {
  const samples: Array<[string, NodeUsage]> = [];
  const amends: Array<[string, NodeUsage]> = [];
  const u = new JobNodeUsage({ sample: (id, t) => { if (!running.has(id)) return false; samples.push([id, t]); return true; }, amend: (id, t) => { amends.push([id, t]); } });
  return { u, samples, amends };
}

test('a running job\'s total is the sum over its nodes of each node\'s latest (never shrinking) report', (t) => {
  const { u, samples } = rig(new Set(['1.s']));
  u.report('1.s', 'a', { cput_seconds: 2, mem_bytes: 100 });
  u.report('1.s', 'b', { cput_seconds: 3, mem_bytes: 50 });
  u.report('1.s', 'a', { cput_seconds: 1, mem_bytes: 10 }); // stale: a's part stays 2 / 100
  t.deepEqual(samples.at(-1), ['1.s', { cput_seconds: 5, mem_bytes: 150 }]);
});

test('the end report replaces its node\'s part; later reports of other nodes amend the finished job', (t) => {
  const running = new Set(['2.s']);
  const { u, amends } = rig(running);
  u.report('2.s', 'a', { cput_seconds: 1, mem_bytes: 100 });
  u.report('2.s', 'b', { cput_seconds: 1, mem_bytes: 100 });
  t.deepEqual(u.end('2.s', 'a', { cput_seconds: 4, mem_bytes: 120 }), { cput_seconds: 5, mem_bytes: 220 });
  running.delete('2.s');
  u.report('2.s', 'b', { cput_seconds: 3, mem_bytes: 100 });
  t.deepEqual(amends, [['2.s', { cput_seconds: 7, mem_bytes: 220 }]]);
  u.forget('2.s');
  u.report('2.s', 'b', { cput_seconds: 9, mem_bytes: 100 });
  t.is(amends.length, 1, 'forgotten: no more amends');
});

test('reports for a job that is not running are dropped', (t) => {
  const { u, samples, amends } = rig(new Set());
  u.report('3.s', 'a', { cput_seconds: 1, mem_bytes: 1 });
  t.is(samples.length + amends.length, 0);
});
