/**
 * The rank layout through the addon (src/native/ranks.ts): orders, the daemon's cpu ids, GPU blocks
 * bound near their GPU, EFA binding, and arguments refused before they cross.
 */
import test from 'ava';
import { NativeTopology, NativeError, type NativeNode, type NativeSlot } from '../../src/native/index.js';
import { rankFiles, type RankOptions, type RankOrder } from '../../src/native/ranks.js';

function node(name: string, ncpus: number, ngpus = 0, efa = 0): NativeNode {
  return {
    name, ncpus, free_ncpus: ncpus, mem_bytes: 0, free_mem_bytes: 0, ngpus, free_ngpus: ngpus, efa, njobs: 0,
    exclusive: false, up: true, spot: false, instance_type: '', az: '', placement_group: '', network_nodes: ['', '', ''],
    cores: ncpus, numa: 1, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
  };
}
const cpuRanges = (ids: readonly number[]): string => ids.reduce<number[][]>((rs, c) => {
  const last = rs[rs.length - 1];
  if (last && last[1] === c - 1) last[1] = c; else rs.push([c, c]);
  return rs;
}, []).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
const slot = (node: number, ncpus: number, mpiprocs: number, ngpus = 0, chunk = 0): NativeSlot => ({ node, chunk, ncpus, mem_bytes: 0, ngpus, mpiprocs });
const topo = new NativeTopology([node('a', 8), node('b', 8), node('g', 16, 4, 2)]);
const two = { numa: 2, cpu_numa: null, gpu_numa: null, efa_numa: null };

test('layouts: rankfile per order and options', (t) => {
  const cases: Array<{ name: string; slots: NativeSlot[]; order: RankOrder; o: RankOptions; want: string }> = [
    { name: 'by slot fills a node', slots: [slot(0, 4, 2), slot(1, 2, 2)], order: 'slot', o: {}, want: 'a:0-1 a:2-3 b:0 b:1' },
    { name: 'by node round-robins', slots: [slot(0, 4, 2), slot(1, 2, 2)], order: 'node', o: {}, want: 'a:0-1 b:0 a:2-3 b:1' },
    { name: "the daemon's cpu ids, chunk order", slots: [slot(0, 2, 1), slot(0, 2, 2)], order: 'slot', o: { cpus: new Map([[0, [5, 4, 7, 1]]]) }, want: 'a:4-5 a:7 a:1' },
    { name: 'gpu blocks bound near their GPU', slots: [slot(2, 16, 4, 4)], order: 'gpu', o: { hardware: new Map([[2, two]]) }, want: 'g:0-7 g:0-7 g:8-15 g:8-15' },
    { name: 'gpu blocks, explicit GPU domains', slots: [slot(2, 16, 2, 4)], order: 'gpu', o: { hardware: new Map([[2, { ...two, gpu_numa: [1, 1, 0, 0] }]]) }, want: 'g:8-15 g:0-7' },
    { name: 'efa ranks near their device', slots: [slot(2, 16, 4)], order: 'slot', o: { bind: 'numa', efa: true, hardware: new Map([[2, two]]) }, want: 'g:0-7 g:0-7 g:8-15 g:8-15' },
    { name: 'numa binding without a device keeps shares', slots: [slot(0, 8, 2)], order: 'slot', o: { bind: 'numa' }, want: 'a:0-3 a:4-7' },
  ];
  for (const c of cases) {
    const got = rankFiles(topo, c.slots, c.order, c.o).rankfile.trim().split('\n').map((l) => l.replace(/^rank \d+=(\S+) slot=/, '$1:')).join(' ');
    t.is(got, c.want, c.name);
  }
});

test('ranks carry node, slot, GPU, NUMA domain and cpus', (t) => {
  const r = rankFiles(topo, [slot(2, 16, 2, 4)], 'gpu', { hardware: new Map([[2, two]]), gpus: new Map([[2, [3, 2, 1, 0]]]) });
  t.deepEqual(r.ranks.map((x) => [x.node, x.slot, x.gpu, x.numa, x.cpus.length]), [[2, 0, 3, 1, 8], [2, 0, 1, 0, 8]]);
  t.is(r.hostfile, 'g slots=2\n');
  t.is(r.machinefile, 'g:2\n');
  t.is(r.nodefile, 'g\ng\n');
});

test('the NUMA shape comes from the topology (numa, cores) when no hardware option is given', (t) => {
  // p4d-like: 16 vCPUs on 8 cores (SMT), 2 NUMA domains, 4 GPUs, 2 EFA devices; cpu c is a thread of core c mod 8.
  const p4d = new NativeTopology([{ ...node('p', 16, 4, 2), numa: 2, cores: 8 }]);
  const cases: Array<{ name: string; order: RankOrder; o: RankOptions; want: string }> = [
    { name: 'gpu order binds each GPU block near its GPU', order: 'gpu', o: {}, want: '0-3,8-11 0|0-3,8-11 0|4-7,12-15 1|4-7,12-15 1' },
    { name: 'efa ranks near their device', order: 'slot', o: { bind: 'numa', efa: true }, want: '0-3,8-11 0|0-3,8-11 0|4-7,12-15 1|4-7,12-15 1' },
    { name: 'the hardware option still wins (one domain)', order: 'gpu', o: { hardware: new Map([[0, { numa: 1, cpu_numa: null, gpu_numa: null, efa_numa: null }]]) }, want: '0-15 0|0-15 0|0-15 0|0-15 0' },
  ];
  for (const c of cases) {
    const r = rankFiles(p4d, [slot(0, 16, 4, c.order === 'gpu' ? 4 : 0)], c.order, c.o);
    const got = r.ranks.map((x) => `${cpuRanges(x.cpus)} ${x.numa}`).join('|');
    t.is(got, c.want, `${c.name}: expected ${c.want}, got ${got}`);
  }
  // Without NUMA in the topology (numa 1) the same gpu layout binds every rank to all 16 cpus.
  const flat = new NativeTopology([{ ...node('p', 16, 4, 2), numa: 1, cores: 8 }]);
  t.deepEqual(rankFiles(flat, [slot(0, 16, 4, 4)], 'gpu').ranks.map((x) => x.numa), [0, 0, 0, 0]);
});

test('bad options are refused before crossing, naming the field', (t) => {
  const cases: Array<{ name: string; slots: NativeSlot[]; order?: RankOrder; o: RankOptions; want: RegExp }> = [
    { name: 'short cpu list', slots: [slot(0, 4, 1)], o: { cpus: new Map([[0, [1, 2]]]) }, want: /cpus\[0\]: 2 ids given, the node's slots take 4/ },
    { name: 'repeated id', slots: [slot(0, 2, 1)], o: { cpus: new Map([[0, [1, 1]]]) }, want: /cpus\[0\]: an id is repeated/ },
    { name: 'negative id', slots: [slot(0, 1, 1)], o: { cpus: new Map([[0, [-1]]]) }, want: /cpus\[0\]\[0\]/ },
    { name: 'node not in topology', slots: [slot(0, 1, 1)], o: { cpus: new Map([[9, [0]]]) }, want: /options node: 9 is not a node/ },
    { name: 'unknown order', slots: [slot(0, 1, 1)], order: 'socket' as RankOrder, o: {}, want: /order: 'socket'/ },
    { name: 'unknown binding', slots: [slot(0, 1, 1)], o: { bind: 'core' as 'cpus' }, want: /bind: 'core'/ },
    { name: 'no cpus to bind', slots: [slot(0, 0, 1)], o: {}, want: /no cpu to bind/ },
    { name: 'slot off the topology', slots: [slot(5, 1, 1)], o: {}, want: /slots\[0\]\.node: 5/ },
  ];
  for (const c of cases) t.throws(() => rankFiles(topo, c.slots, c.order ?? 'slot', c.o), { instanceOf: NativeError, message: c.want }, c.name);
});

test('the core checks what only it can: a NUMA domain beyond the node', (t) => {
  const e = t.throws(() => rankFiles(topo, [slot(2, 4, 1, 1)], 'gpu', { hardware: new Map([[2, { ...two, gpu_numa: [0, 3, 0, 0] }]]) }), { instanceOf: NativeError });
  t.is(e?.code, 'EINVAL');
  t.regex(e?.message ?? '', /hardware\[node 2\]: NUMA domain 3 of 2/);
});
