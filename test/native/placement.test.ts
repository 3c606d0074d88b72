/**
 * The native placement core through the addon: fixed scenarios, bad arguments, and fast-check
 * properties on random EC2-like clusters — every answer is valid (fits, keeps every constraint) and
 * never worse than (in fact the same as) the plain TypeScript reference in ./reference.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { NativeTopology, NativeError, rankFiles, type NativeNode, type NativeRequest, type NativePlacement, type Arrangement, type CapacityKind, type Sharing } from '../../src/native/index.js';
import { ReferenceTopology } from './reference.js';

const GB = 1024 ** 3;
function node(name: string, cpus: number, bottom: string, o: Partial<NativeNode> = {}): NativeNode {
  return {
    name, ncpus: cpus, free_ncpus: cpus, mem_bytes: 64 * GB, free_mem_bytes: 64 * GB, ngpus: 0, free_ngpus: 0, efa: 1, njobs: 0,
    exclusive: false, up: true, spot: false, instance_type: 'c5n.18xlarge', az: 'az1', placement_group: 'pg1', network_nodes: ['top', 'mid', bottom],
    cores: cpus / 2 >>> 0, numa: 2, ena_gbps: 100, pg_strategy: 'cluster', pg_partition: -1, ...o,
  };
}
function req(count: number, ncpus: number, arrangement: Arrangement = 'free', o: Partial<NativeRequest> = {}, efa = false): NativeRequest {
  return { chunks: [{ count, ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa, instance_type: '', capacity: 'any' }], arrangement, sharing: 'shared', same_group: false, ...o };
}
const names = (t: NativeTopology, p: NativePlacement): string => p.slots.map((s) => t.names[s.node]).join(',');

test('best fit on the network: the lowest network node that holds the whole job', (t) => {
  const topo = new NativeTopology([node('a', 4, 'b1'), node('b', 4, 'b1'), node('c', 4, 'b2'), node('d', 4, 'b2'), node('e', 4, 'b2')]);
  t.is(topo.size, 5);
  const p3 = topo.place(req(3, 4, 'scatter'));
  t.true(p3.ok);
  t.is(names(topo, p3), 'c,d,e');
  t.is(p3.level, 0);
  t.is(names(topo, topo.place(req(2, 4, 'scatter'))), 'a,b');
  t.is(topo.place(req(5, 4, 'scatter')).level, 1);
});

test('diagnosis says why, and whether waiting helps', (t) => {
  const topo = new NativeTopology([node('down', 8, 'b1', { up: false }), node('busy', 8, 'b1', { free_ncpus: 1 }), node('ena', 8, 'b1', { efa: 0 })]);
  const p = topo.place(req(1, 4, 'free', {}, true));
  t.false(p.ok);
  t.is(p.diagnosis.text, '1 node down, 1 node without EFA, 1 node busy');
  t.false(p.diagnosis.never);
  t.true(topo.place(req(1, 64)).diagnosis.never);
});

test('allocate and release change free resources incrementally, never over-committing', async (t) => {
  const topo = new NativeTopology([node('a', 4, 'b1')]);
  t.true(topo.allocate(0, 4, 0, 0));
  t.false(topo.allocate(0, 1, 0, 0));
  t.false(topo.place(req(1, 1)).ok);
  t.true(topo.release(0, 4, 0, 0));
  t.true((await topo.placeAsync(req(1, 4))).ok);
});

test('rank layout: hostfile, rankfile, machinefile and PBS_NODEFILE for a placement', (t) => {
  const topo = new NativeTopology([node('a', 8, 'b1'), node('b', 8, 'b1')]);
  const p = topo.place({ chunks: [{ count: 2, ncpus: 4, mem_bytes: 0, ngpus: 0, mpiprocs: 4, efa: false, instance_type: '', capacity: 'any' }], arrangement: 'scatter', sharing: 'shared', same_group: false });
  t.true(p.ok);
  const bySlot = rankFiles(topo, p.slots, 'slot');
  t.is(bySlot.hostfile, 'a slots=4\nb slots=4\n');
  t.is(bySlot.machinefile, 'a:4\nb:4\n');
  t.is(bySlot.nodefile, 'a\na\na\na\nb\nb\nb\nb\n');
  t.is(bySlot.rankfile.split('\n')[4], 'rank 4=b slot=0');
  t.is(rankFiles(topo, p.slots, 'node').rankfile.split('\n').slice(0, 3).join('|'), 'rank 0=a slot=0|rank 1=b slot=0|rank 2=a slot=1');
  t.throws(() => rankFiles(topo, [{ ...p.slots[0]!, node: 99 }]), { instanceOf: NativeError, message: /slots\[0\]\.node/ });
});

test('bad arguments are refused before crossing, with a code', (t) => {
  t.throws(() => new NativeTopology([{ ...node('a', 4, 'b1'), ncpus: -1 }]), { instanceOf: NativeError, message: /nodes\[0\]\.ncpus/ });
  const topo = new NativeTopology([node('a', 4, 'b1')]);
  const e = t.throws(() => topo.place({ ...req(1, 1), chunks: [] }), { instanceOf: NativeError });
  t.is(e?.code, 'EINVAL');
  t.throws(() => topo.place(req(0, 1)), { message: /count: at least 1/ });
});

// Each bad node goes second, so the message must name nodes[1] and the field.
const BAD_NODES: Array<{ name: string; patch: Record<string, unknown>; field: string }> = [
  { name: 'cores above ncpus', patch: { cores: 9 }, field: 'cores' },
  { name: 'fractional cores', patch: { cores: 2.5 }, field: 'cores' },
  { name: 'numa 0', patch: { numa: 0 }, field: 'numa' },
  { name: 'numa not a number', patch: { numa: '2' }, field: 'numa' },
  { name: 'negative ENA bandwidth', patch: { ena_gbps: -1 }, field: 'ena_gbps' },
  { name: 'ENA bandwidth NaN', patch: { ena_gbps: Number.NaN }, field: 'ena_gbps' },
  { name: 'ENA bandwidth infinite', patch: { ena_gbps: Infinity }, field: 'ena_gbps' },
  { name: 'unknown strategy', patch: { pg_strategy: 'rack' }, field: 'pg_strategy' },
  { name: 'strategy from the prototype', patch: { pg_strategy: 'toString' }, field: 'pg_strategy' },
  { name: 'strategy without a group', patch: { placement_group: '', pg_strategy: 'cluster' }, field: 'pg_strategy' },
  { name: 'partition number with cluster', patch: { pg_partition: 1 }, field: 'pg_partition' },
  { name: 'partition number below -1', patch: { pg_strategy: 'partition', pg_partition: -2 }, field: 'pg_partition' },
  { name: 'fractional partition number', patch: { pg_strategy: 'partition', pg_partition: 1.5 }, field: 'pg_partition' },
  { name: 'partition number above int32', patch: { pg_strategy: 'partition', pg_partition: 2 ** 31 }, field: 'pg_partition' },
  { name: 'instance_type not a string', patch: { instance_type: 5 }, field: 'instance_type' },
  { name: 'az not a string', patch: { az: null }, field: 'az' },
  { name: 'placement_group not a string', patch: { placement_group: ['pg1'] }, field: 'placement_group' },
  { name: 'network_nodes entry not a string', patch: { network_nodes: ['top', 7, 'b1'] }, field: 'network_nodes' },
  { name: 'network_nodes of two layers', patch: { network_nodes: ['top', 'mid'] }, field: 'network_nodes' },
];

for (const c of BAD_NODES) {
  test(`node refused before crossing: ${c.name}`, (t) => {
    const bad = { ...node('b', 8, 'b1'), ...c.patch } as unknown as NativeNode;
    const e = t.throws(() => new NativeTopology([node('a', 8, 'b1'), bad]), { instanceOf: NativeError });
    t.is(e?.code, 'EINVAL', `EINVAL expected, got ${e?.code}: ${e?.message}`);
    t.true(e?.message.startsWith(`nodes[1].${c.field}:`), `a message naming nodes[1].${c.field} expected, got: ${e?.message}`);
  });
}

test('nodes with every strategy, partitions, unknown cores and fractional ENA bandwidth are accepted', (t) => {
  const ok: Array<Partial<NativeNode>> = [
    { pg_strategy: 'partition', pg_partition: 3 },
    { pg_strategy: 'partition', pg_partition: -1 },
    { pg_strategy: 'spread' },
    { pg_strategy: '' },  // in a group whose strategy is not known
    { placement_group: '', pg_strategy: '' },
    { cores: 0, numa: 4, ena_gbps: 12.5 },
    { cores: 8 },
  ];
  const topo = new NativeTopology(ok.map((o, i) => node(`n${i}`, 8, 'b1', o)));
  t.is(topo.size, ok.length);
  t.true(topo.place(req(ok.length, 8, 'scatter')).ok, 'every node takes a whole-node chunk');
});

// ---- against the TypeScript reference (test/native/reference.ts): the same contract, written plainly ----

test('a type the cluster lacks matches no node (it used to match every node)', (t) => {
  const topo = new NativeTopology([node('a', 4, 'b1')]);
  const p = topo.place({ ...req(1, 1), chunks: [{ ...req(1, 1).chunks[0]!, instance_type: 'p5.48xlarge' }] });
  t.false(p.ok);
  t.true(p.diagnosis.never);
  t.is(p.diagnosis.text, '1 node of another instance type');
});

test('placeMany places in order on a working copy; the snapshot is not changed', async (t) => {
  const topo = new NativeTopology([node('a', 8, 'b1'), node('b', 8, 'b1'), node('c', 8, 'b2')]);
  const reqs = [req(2, 8, 'scatter'), req(1, 2, 'free', { sharing: 'excl' }), req(1, 1), req(1, 9)];
  const ps = topo.placeMany(reqs);
  t.deepEqual(ps.map((p) => names(topo, p)), ['a,b', 'c', '', '']);
  t.deepEqual(ps.map((p) => p.diagnosis.never), [false, false, false, true]);
  t.is(ps[2]!.diagnosis.text, '1 node held exclusively, 2 nodes busy');
  t.deepEqual(await topo.placeManyAsync(reqs), ps, 'async gives the same answers');
  t.true(topo.place(req(3, 8, 'scatter')).ok, 'the snapshot still has every node free');
  t.deepEqual(topo.placeMany([]), []);
  t.throws(() => topo.placeMany([req(1, 1), { ...req(1, 1), chunks: [] }]), { instanceOf: NativeError, message: /requests\[1\]\.chunks/ });
});

test('allocate exclusively holds the node; setFree changes what fits', (t) => {
  const topo = new NativeTopology([node('a', 8, 'b1'), node('b', 8, 'b1')]);
  t.true(topo.allocate(0, 1, 0, 0, true));
  t.is(names(topo, topo.place(req(2, 1))), 'b,b');
  topo.setFree(1, 1, 64 * GB, 0);
  t.is(names(topo, topo.place(req(1, 1))), 'b');
  t.false(topo.place(req(1, 2)).ok);
  t.true(topo.bytes > 0);
});

const arbNodes = fc.array(fc.record({
  cpus: fc.integer({ min: 1, max: 16 }), busy: fc.integer({ min: 0, max: 16 }), efa: fc.boolean(), up: fc.nat(9),
  bottom: fc.integer({ min: 0, max: 5 }), pg: fc.constantFrom('', 'g1', 'g2'), spot: fc.boolean(), topo: fc.nat(9), part: fc.integer({ min: -1, max: 3 }),
  gpus: fc.constantFrom(0, 0, 2), type: fc.constantFrom('c5n', 'p4d'), excl: fc.nat(19),
}), { minLength: 1, maxLength: 40 }).map((xs) => xs.map((x, i) => node(`n${i}`, x.cpus, x.topo === 0 ? '' : `b${x.bottom}`, {
  free_ncpus: Math.max(0, x.cpus - x.busy), njobs: x.busy > 0 || x.excl === 0 ? 1 : 0, exclusive: x.excl === 0, efa: x.efa ? 1 : 0, up: x.up !== 0,
  // g2 is a partition group (the partition does not change where a job may go: the reference ignores it).
  placement_group: x.pg, pg_strategy: x.pg === '' ? '' : x.pg === 'g2' ? 'partition' : 'cluster', pg_partition: x.pg === 'g2' ? x.part : -1, spot: x.spot, ngpus: x.gpus, free_ngpus: x.busy > 8 ? 0 : x.gpus, instance_type: x.type,
  network_nodes: x.topo === 0 ? ['', '', ''] : ['top', `m${x.bottom % 2}`, `b${x.bottom}`],
})));
const arbReq = fc.record({
  chunks: fc.array(fc.record({
    count: fc.integer({ min: 1, max: 6 }), ncpus: fc.integer({ min: 0, max: 12 }), efa: fc.boolean(), gpus: fc.constantFrom(0, 0, 1),
    type: fc.constantFrom('', '', 'p4d', 'none'), capacity: fc.constantFrom<CapacityKind>('any', 'any', 'spot', 'ondemand'),
  }), { minLength: 1, maxLength: 3 }),
  arrangement: fc.constantFrom<Arrangement>('free', 'pack', 'scatter', 'vscatter'),
  sharing: fc.constantFrom<Sharing>('shared', 'shared', 'excl', 'exclhost'), group: fc.boolean(),
}).map((r): NativeRequest => ({
  chunks: r.chunks.map((c) => ({ count: c.count, ncpus: c.ncpus, mem_bytes: 0, ngpus: c.gpus, mpiprocs: 1, efa: c.efa, instance_type: c.type, capacity: c.capacity })),
  arrangement: r.arrangement, sharing: r.sharing, same_group: r.group,
}));

/** Why a placement breaks the contract on `nodes`, or '' when it keeps it. */
function invalid(nodes: NativeNode[], r: NativeRequest, p: NativePlacement): string {
  if (!p.ok) return p.diagnosis.text === '' ? 'a failure without a diagnosis' : '';
  const want = r.chunks.reduce((s, c) => s + c.count, 0);
  if (p.slots.length !== want) return `${p.slots.length} slots for ${want} chunk instances`;
  const taken = new Map<number, { cpus: number; gpus: number }>();
  const groups = new Set<string>();
  for (const s of p.slots) {
    const n = nodes[s.node]!; const c = r.chunks[s.chunk]!;
    if (!n.up || n.exclusive) return `slot on ${n.name}, which is down or held`;
    if (c.efa && n.efa === 0) return `EFA chunk on ${n.name} without EFA`;
    if (c.instance_type !== '' && c.instance_type !== n.instance_type) return `${c.instance_type} chunk on ${n.instance_type}`;
    if ((c.capacity === 'spot' && !n.spot) || (c.capacity === 'ondemand' && n.spot)) return `${c.capacity} chunk on ${n.name}`;
    if (r.sharing !== 'shared' && n.njobs > 0) return `excl chunk on ${n.name}, which has jobs`;
    if (s.ncpus !== c.ncpus || s.ngpus !== c.ngpus) return 'slot resources differ from its chunk';
    const u = taken.get(s.node) ?? { cpus: 0, gpus: 0 };
    taken.set(s.node, { cpus: u.cpus + s.ncpus, gpus: u.gpus + s.ngpus });
    groups.add(n.placement_group);
  }
  for (const [i, u] of taken) if (u.cpus > nodes[i]!.free_ncpus || u.gpus > nodes[i]!.free_ngpus) return `over-commits ${nodes[i]!.name}`;
  if ((r.arrangement === 'scatter' || r.arrangement === 'vscatter') && taken.size !== want) return 'scatter shares a node';
  if (r.arrangement === 'pack' && taken.size !== 1) return 'pack uses several nodes';
  if (r.same_group && (groups.size !== 1 || groups.has(''))) return 'splits placement groups';
  return '';
}

test('property: every native placement is valid, never worse than the reference, and the same answer', (t) => {
  fc.assert(fc.property(arbNodes, arbReq, (nodes, r) => {
    const topo = new NativeTopology(nodes);
    const p = topo.place(r);
    const want = new ReferenceTopology(nodes).place(r);
    const why = invalid(nodes, r, p);
    if (why !== '') throw new Error(`invalid placement: ${why}`);
    if (p.ok !== want.ok) throw new Error(`native ok=${p.ok}, reference ok=${want.ok}`);
    if (p.ok && (p.level > want.level || (p.level === want.level && p.stranded > want.stranded))) {
      throw new Error(`worse than the reference: level ${p.level} stranded ${p.stranded}, reference ${want.level}/${want.stranded}`);
    }
    // Both are exact best fits under the same comparator, so the answers are the same, diagnosis included.
    if (JSON.stringify(p) !== JSON.stringify(want)) throw new Error(`native ${JSON.stringify(p)}\nreference ${JSON.stringify(want)}`);
    if (JSON.stringify(topo.place(r)) !== JSON.stringify(p)) throw new Error('same snapshot, another answer');
  }), { numRuns: 500, seed: 42 });
  t.pass();
});

test('property: placeMany equals the reference batch, each answer valid on what earlier ones left', (t) => {
  fc.assert(fc.property(arbNodes, fc.array(arbReq, { minLength: 1, maxLength: 8 }), (nodes, rs) => {
    const got = new NativeTopology(nodes).placeMany(rs);
    const want = new ReferenceTopology(nodes).placeMany(rs);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`native ${JSON.stringify(got)}\nreference ${JSON.stringify(want)}`);
  }), { numRuns: 500, seed: 7 });
  t.pass();
});
