/**
 * The planner over the native core: job order, allocations, PBS comments from the core's
 * diagnosis, topology (EFA, placement groups, network layers), admission of what can never run.
 */
import test from 'ava';
import { policyPlan, feasibility, nativeRequest, parsePlaceSpec, type NodeSnapshot, type PolicyInput, type Plan } from '../../src/scheduler/plan.js';
import { parseResourceList } from '../../src/jobs/resources.js';

const GB = 1024 ** 3;
function node(name: string, ncpus: number, mem = 8 * GB, ngpus = 0, o: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    name, up: true, ncpus, mem_bytes: mem, ngpus, free_ncpus: ncpus, free_mem_bytes: mem, free_ngpus: ngpus, njobs: 0, exclusive: false,
    efa: 0, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''], ...o,
  };
}
/** An EC2-like node: EFA or not, a placement group, and its three network layers. */
function ec2(name: string, bottom: string, o: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return node(name, 8, 32 * GB, 0, { efa: 1, instance_type: 'c5n.18xlarge', az: 'az1', placement_group: 'pg1', network_nodes: ['t1', 'm1', bottom], ...o });
}
type Job = Pick<PolicyInput, 'seq' | 'queue_priority' | 'priority' | 'chunks' | 'place'>;
function job(seq: number, l: string, extra: Partial<Job> = {}): Job {
  const r = parseResourceList(l);
  return { seq, queue_priority: 0, priority: 0, chunks: r.chunks, place: r.place, ...extra };
}
/** One cycle with nothing running, every job in an EASY queue, an hour's estimate each. */
async function plan(jobs: Job[], nodes: NodeSnapshot[]): Promise<Plan> {
  return policyPlan(jobs.map((j) => ({ ...j, instances: 1, queue: 0, mode: 'easy', duration: 3600 })), nodes, [], 1_000_000, new Map());
}
const where = (p: Plan): Array<[number, string]> => p.starts.map((s) => [s.seq, s.alloc.map((a) => a.node).join()]);

test('jobs start in priority order and only where they fit', async (t) => {
  const p = await plan([job(1, 'ncpus=2'), job(2, 'ncpus=2', { priority: 10 }), job(3, 'ncpus=1')], [node('a', 2), node('b', 1)]);
  t.deepEqual(where(p), [[2, 'a'], [3, 'b']]);
  t.false(p.waiting.get(1)?.never);
  t.is(p.waiting.get(1)?.reason, 'Not Running: 1 node too small, 1 node busy');
});

test('queue priority comes before job priority, then submit order', async (t) => {
  const p = await plan([job(5, 'ncpus=1', { priority: 100 }), job(6, 'ncpus=1', { queue_priority: 1 }), job(4, 'ncpus=1')], [node('a', 2)]);
  t.deepEqual(p.starts.map((s) => s.seq), [6, 5]);
  t.true(p.waiting.has(4));
});

test('memory and gpus are respected; what no node could ever hold says so', async (t) => {
  const p = await plan([job(1, 'ncpus=1,mem=6gb'), job(2, 'ncpus=1,mem=6gb'), job(3, 'ngpus=1')], [node('a', 4, 8 * GB, 0)]);
  t.deepEqual(p.starts.map((s) => s.seq), [1]);
  t.is(p.waiting.get(2)?.reason, 'Not Running: 1 node busy');
  t.true(p.waiting.get(3)?.never, 'no node has a gpu');
  t.regex(p.waiting.get(3)?.reason ?? '', /^Can Never Run: 1 node too small/);
});

test('scatter puts each chunk on its own node; pack puts all on one', async (t) => {
  const nodes = [node('a', 4), node('b', 4)];
  t.deepEqual(where(await plan([job(1, 'select=2:ncpus=1,place=scatter')], nodes)), [[1, 'a,b']]);
  t.deepEqual(where(await plan([job(2, 'select=2:ncpus=2,place=pack')], nodes)), [[2, 'a,a']]);
  const p = await plan([job(3, 'select=2:ncpus=3,place=pack')], nodes);
  t.is(p.starts.length, 0);
  t.true(p.waiting.get(3)?.never, 'six cpus on one four-cpu node can never fit');
});

test('exclusive jobs take whole nodes', async (t) => {
  const p = await plan([job(1, 'ncpus=1,place=excl'), job(2, 'ncpus=1'), job(3, 'ncpus=1,place=excl')], [node('a', 4), node('b', 4)]);
  t.deepEqual(p.starts.map((s) => [s.seq, s.alloc[0]?.node]), [[1, 'a'], [2, 'b']]);
  t.false(p.waiting.get(3)?.never);
});

test('down nodes get nothing; the plan does not change its input; no node up says so', async (t) => {
  const nodes = [{ ...node('a', 4), up: false }, node('b', 1)];
  const before = JSON.stringify(nodes);
  const p = await plan([job(1, 'ncpus=2'), job(2, 'ncpus=1')], nodes);
  t.deepEqual(p.starts.map((s) => [s.seq, s.alloc[0]?.node]), [[2, 'b']]);
  t.is(p.waiting.get(1)?.reason, 'Not Running: 1 node down, 1 node too small');
  t.is(JSON.stringify(nodes), before);
  const none = await plan([job(3, 'ncpus=1')], [{ ...node('a', 4), up: false }]);
  t.is(none.waiting.get(3)?.reason, 'Not Running: No available resources on nodes (no node is up)');
  t.false(none.waiting.get(3)?.never);
});

test('the same snapshot gives the same plan', async (t) => {
  const jobs = Array.from({ length: 50 }, (_, i) => job(i + 1, `ncpus=${(i % 3) + 1}`, { priority: i % 5 }));
  const nodes = Array.from({ length: 10 }, (_, i) => node(`n${i}`, 4));
  t.is(JSON.stringify((await plan(jobs, nodes)).starts), JSON.stringify((await plan([...jobs].reverse(), nodes)).starts));
});

test('EFA chunks go only to EFA nodes, and a multi-node job keeps to the closest network node', async (t) => {
  const nodes = [ec2('ena1', 'b1', { efa: 0 }), ec2('x1', 'b1'), ec2('y1', 'b2'), ec2('y2', 'b2'), ec2('y3', 'b2')];
  const p = await plan([job(1, 'select=3:ncpus=8:mpiprocs=8:efa=true,place=scatter')], nodes);
  t.deepEqual(where(p), [[1, 'y1,y2,y3']], 'the three nodes under one bottom network node');
  t.deepEqual(p.starts[0]?.alloc[0], { node: 'y1', ncpus: 8, mem_bytes: 0, ngpus: 0, mpiprocs: 8 });
  const q = await plan([job(2, 'select=2:ncpus=8:efa=true,place=scatter')], [ec2('ena1', 'b1', { efa: 0 }), ec2('ena2', 'b1', { efa: 0 })]);
  t.is(q.waiting.get(2)?.reason, 'Can Never Run: 2 nodes without EFA');
});

test('group=placement_group never splits a job across placement groups', async (t) => {
  const nodes = [ec2('a', 'b1', { placement_group: 'pg1' }), ec2('b', 'b1', { placement_group: 'pg2' }), ec2('c', 'b2', { placement_group: 'pg2' })];
  t.deepEqual(where(await plan([job(1, 'select=2:ncpus=8,place=scatter:group=placement_group')], nodes)), [[1, 'b,c']]);
  const p = await plan([job(2, 'select=3:ncpus=8,place=scatter:group=placement_group')], nodes);
  t.true(p.waiting.get(2)?.never, 'no placement group has three nodes');
  t.deepEqual(where(await plan([job(3, 'select=3:ncpus=8,place=scatter')], nodes)), [[3, 'a,b,c']]);
});

test('capacity and instance_type chunk resources pick the nodes that match', async (t) => {
  const nodes = [ec2('od', 'b1'), ec2('sp', 'b1', { spot: true }), ec2('big', 'b1', { instance_type: 'hpc7a.96xlarge' })];
  t.deepEqual(where(await plan([job(1, 'select=1:ncpus=1:capacity=spot')], nodes)), [[1, 'sp']]);
  t.deepEqual(where(await plan([job(2, 'select=1:ncpus=1:instance_type=hpc7a.96xlarge')], nodes)), [[2, 'big']]);
  t.true((await plan([job(3, 'select=1:ncpus=1:instance_type=p5.48xlarge')], nodes)).waiting.get(3)?.never);
});

test('place statements map onto the core request', (t) => {
  t.deepEqual(parsePlaceSpec('scatter:excl:group=placement_group'), { arrangement: 'scatter', sharing: 'excl', exclusive: true, sameGroup: true });
  t.deepEqual(parsePlaceSpec(''), { arrangement: 'free', sharing: 'shared', exclusive: false, sameGroup: false });
  const r = nativeRequest(parseResourceList('select=2:ncpus=4:efa=true:capacity=ondemand+1:ncpus=1,place=vscatter:exclhost').chunks, 'vscatter:exclhost');
  t.deepEqual(r, {
    chunks: [
      { count: 2, ncpus: 4, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa: true, instance_type: '', capacity: 'ondemand' },
      { count: 1, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa: false, instance_type: '', capacity: 'any' },
    ],
    arrangement: 'vscatter', sharing: 'exclhost', same_group: false,
  });
});

test('feasibility: what can never fit a fixed cluster is named, busy nodes do not count', (t) => {
  const admit = feasibility([node('a', 4, 8 * GB), { ...node('b', 4, 8 * GB), up: false, free_ncpus: 0 }]);
  t.is(admit(parseResourceList('select=2:ncpus=4').chunks, 'scatter'), undefined, 'both nodes count, down or busy');
  t.is(admit(parseResourceList('select=1:ncpus=5').chunks, 'free'), '2 nodes too small');
  t.is(admit(parseResourceList('select=1:ncpus=1:efa=true').chunks, 'free'), '2 nodes without EFA');
  t.is(feasibility([])(parseResourceList('ncpus=99').chunks, 'free'), undefined, 'no nodes known: nothing is refused');
});

/** A cycle at NOW with one running job holding `busy` cpus of node a until NOW + `left` seconds. */
const NOW = 1_000_000;
function withRunning(mode: 'none' | 'easy' | 'conservative', busy: number, left: number, jobs: Array<[number, string, number]>, kept = new Map()): Plan {
  const nodes = [{ ...node('a', 4), free_ncpus: 4 - busy, njobs: 1 }];
  const running = [{ start_time_unix: NOW - 10, alloc: [{ node: 'a', ncpus: busy, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }], resources: { walltime_seconds: 10 + left, place: '' } }];
  const pending = jobs.map(([seq, l, duration]) => ({ ...job(seq, l), instances: 1, queue: 0, mode, duration }));
  return policyPlan(pending, nodes, running, NOW, kept);
}

test('EASY: the first waiting job is reserved at the running job\'s end; a short job backfills, a long one waits', (t) => {
  // 3 of 4 cpus busy for 100 s. Job 1 needs 4 (reserved at +100); job 2 (1 cpu, 50 s) ends before; job 3 (1 cpu, 500 s) would delay job 1.
  const p = withRunning('easy', 3, 100, [[1, 'ncpus=4', 60], [2, 'ncpus=1', 50], [3, 'ncpus=1', 500]]);
  t.deepEqual(p.starts.map((s) => s.seq), [2]);
  t.is(p.waiting.get(1)?.estimate, NOW + 100, 'the head job\'s reservation is its estimated start');
  t.is(p.waiting.get(3)?.estimate, undefined, 'EASY reserves only the first waiting job');
  t.regex(p.waiting.get(3)?.reason ?? '', /^Not Running: /);
});

test('strict order (none): nothing passes the first waiting job', (t) => {
  const p = withRunning('none', 3, 100, [[1, 'ncpus=4', 60], [2, 'ncpus=1', 50]]);
  t.deepEqual(p.starts, []);
  t.is(p.waiting.get(2)?.reason, 'Not Running: a job ahead of it is waiting for resources (starting this one would delay it)');
});

test('conservative: every waiting job is reserved, and the reservations are kept for the next cycle', (t) => {
  const kept = new Map();
  const p = withRunning('conservative', 3, 100, [[1, 'ncpus=4', 60], [2, 'ncpus=2', 30], [3, 'ncpus=1', 50]], kept);
  t.deepEqual(p.starts.map((s) => s.seq), [3], 'job 3 fits the free cpu and ends before job 1\'s reservation');
  t.is(p.waiting.get(1)?.estimate, NOW + 100);
  t.is(p.waiting.get(2)?.estimate, NOW + 160, 'job 2 needs 2 cpus: after job 1 ends');
  t.deepEqual([...kept.keys()].sort(), [1, 2]);
  t.is(kept.get(2)?.start, NOW + 160);
});

test('conservative: reservations kept across cycles keep their slots, so later jobs are never planned through them', (t) => {
  // A (2 of 4 cpus) ends at +120. B (3 cpus) and E (4 cpus) wait, 10 s each; then H (1 cpu, 1 h),
  // which would delay B if it started now.
  // B is reserved at +120, E at +130 and H at +140 — in every cycle, however many pass.
  const kept = new Map();
  const want: Record<number, number> = { 2: NOW + 120, 3: NOW + 130 };
  for (let cycle = 0; cycle < 5; cycle++) {
    const jobs: Array<[number, string, number]> = [[2, 'ncpus=3', 10], [3, 'ncpus=4', 10]];
    if (cycle >= 2) jobs.push([4, 'ncpus=1', 3600]);
    const p = withRunning('conservative', 2, 120, jobs, kept);
    t.deepEqual(p.starts, [], `cycle ${cycle}: nothing starts`);
    t.is(p.waiting.get(2)?.estimate, want[2], `cycle ${cycle}: B`);
    t.is(p.waiting.get(3)?.estimate, want[3], `cycle ${cycle}: E`);
    if (cycle >= 2) t.is(p.waiting.get(4)?.estimate, NOW + 140, `cycle ${cycle}: H`);
    for (const [seq, k] of kept) t.true(k.slots.length > 0, `cycle ${cycle}: job ${seq} kept with its slots`);
  }
});
