import test from 'ava';
import { plan, placeJob, diagnose, type NodeSnapshot, type PendingJob } from '../../src/scheduler/plan.js';
import { parseResourceList } from '../../src/jobs/resources.js';

const GB = 1024 ** 3;
function node(name: string, ncpus: number, mem = 8 * GB, ngpus = 0): NodeSnapshot {
  return { name, up: true, ncpus, mem_bytes: mem, ngpus, free_ncpus: ncpus, free_mem_bytes: mem, free_ngpus: ngpus, njobs: 0, exclusive: false };
}
function job(seq: number, l: string, extra: Partial<PendingJob> = {}): PendingJob {
  const r = parseResourceList(l);
  return { seq, queue_priority: 0, priority: 0, chunks: r.chunks, place: r.place, ...extra };
}

test('jobs start in priority order and only where they fit', (t) => {
  const p = plan([job(1, 'ncpus=2'), job(2, 'ncpus=2', { priority: 10 }), job(3, 'ncpus=1')], [node('a', 2), node('b', 1)]);
  t.deepEqual(p.starts.map((s) => [s.seq, s.alloc.map((a) => a.node).join()]), [[2, 'a'], [3, 'b']]);
  t.false(p.waiting.get(1)?.never);
  t.regex(p.waiting.get(1)?.reason ?? '', /^Not Running: /);
});

test('queue priority comes before job priority, then submit order', (t) => {
  const p = plan([job(5, 'ncpus=1', { priority: 100 }), job(6, 'ncpus=1', { queue_priority: 1 }), job(4, 'ncpus=1')], [node('a', 2)]);
  t.deepEqual(p.starts.map((s) => s.seq), [6, 5]);
  t.true(p.waiting.has(4));
});

test('memory and gpus are respected', (t) => {
  const p = plan([job(1, 'ncpus=1,mem=6gb'), job(2, 'ncpus=1,mem=6gb'), job(3, 'ngpus=1')], [node('a', 4, 8 * GB, 0)]);
  t.deepEqual(p.starts.map((s) => s.seq), [1]);
  t.true(p.waiting.get(3)?.never, 'no node has a gpu');
});

test('a chunk bigger than every node can never run', (t) => {
  const d = diagnose(job(1, 'ncpus=64'), [node('a', 8), node('b', 8)]);
  t.true(d.never);
  t.is(d.reason, 'Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8)');
});

test('scatter puts each chunk on its own node; pack puts all on one', (t) => {
  const nodes = [node('a', 4), node('b', 4)];
  t.deepEqual(placeJob(job(1, 'select=2:ncpus=1,place=scatter'), nodes.map((n) => ({ ...n })))?.map((a) => a.node), ['a', 'b']);
  t.deepEqual(placeJob(job(2, 'select=2:ncpus=2,place=pack'), nodes.map((n) => ({ ...n })))?.map((a) => a.node), ['a', 'a']);
  t.is(placeJob(job(3, 'select=2:ncpus=3,place=pack'), nodes.map((n) => ({ ...n }))), undefined);
});

test('exclusive jobs take whole nodes', (t) => {
  const p = plan([job(1, 'ncpus=1,place=excl'), job(2, 'ncpus=1'), job(3, 'ncpus=1,place=excl')], [node('a', 4), node('b', 4)]);
  t.deepEqual(p.starts.map((s) => [s.seq, s.alloc[0]?.node]), [[1, 'a'], [2, 'b']]);
  t.true(p.waiting.has(3));
});

test('down nodes get nothing; the plan does not change its input', (t) => {
  const nodes = [{ ...node('a', 4), up: false }, node('b', 1)];
  const before = JSON.stringify(nodes);
  const p = plan([job(1, 'ncpus=2'), job(2, 'ncpus=1')], nodes);
  t.deepEqual(p.starts.map((s) => [s.seq, s.alloc[0]?.node]), [[2, 'b']]);
  t.is(JSON.stringify(nodes), before);
});

test('the same snapshot gives the same plan', (t) => {
  const jobs = Array.from({ length: 50 }, (_, i) => job(i + 1, `ncpus=${(i % 3) + 1}`, { priority: i % 5 }));
  const nodes = Array.from({ length: 10 }, (_, i) => node(`n${i}`, 4));
  t.deepEqual(JSON.stringify(plan(jobs, nodes).starts), JSON.stringify(plan([...jobs].reverse(), nodes).starts));
});
