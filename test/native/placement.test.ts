/**
 * The native placement core through the addon: fixed scenarios, bad arguments, and fast-check
 * properties on random EC2-like clusters — every answer is valid (fits, keeps every constraint) and
 * never worse than a plain TypeScript reference kept here.
 */
import test from 'ava';
import fc from 'fast-check';
import { NativeTopology, NativeError, rankFiles, type NativeNode, type NativeRequest, type NativePlacement, type Arrangement } from '../../src/native/index.js';

const GB = 1024 ** 3;
function node(name: string, cpus: number, bottom: string, o: Partial<NativeNode> = {}): NativeNode {
  return {
    name, ncpus: cpus, free_ncpus: cpus, mem_bytes: 64 * GB, free_mem_bytes: 64 * GB, ngpus: 0, free_ngpus: 0, efa: 1, njobs: 0,
    exclusive: false, up: true, spot: false, instance_type: 'c5n.18xlarge', az: 'az1', placement_group: 'pg1', network_nodes: ['top', 'mid', bottom], ...o,
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
  t.is(p.diagnosis.text, '1 node down, 1 node lack EFA, 1 node busy');
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

// ---- the TypeScript reference: the same contract, written plainly ----

function fits(n: NativeNode, c: NativeRequest['chunks'][number], sharing: string, used: { cpus: number; gpus: number; mem: number }): boolean {
  if (!n.up || n.exclusive || (sharing !== 'shared' && n.njobs > 0)) return false;
  if (c.efa && n.efa === 0) return false;
  if (c.instance_type !== '' && n.instance_type !== c.instance_type) return false;
  return n.free_ncpus >= used.cpus + c.ncpus && n.free_mem_bytes >= used.mem + c.mem_bytes && n.free_ngpus >= used.gpus + c.ngpus;
}

/** Smallest network level at which some domain holds the whole request (brute force), or undefined. */
function referenceLevel(nodes: NativeNode[], r: NativeRequest): number | undefined {
  for (let level = 0; level <= 3; level++) {
    const groups = new Map<string, number[]>();
    nodes.forEach((n, i) => {
      const net = level === 3 ? '*' : n.network_nodes[2 - level];
      if (net === '' || (r.same_group && n.placement_group === '')) return;
      const key = `${net}/${r.same_group ? n.placement_group : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const dom of groups.values()) if (refFill(nodes, dom, r)) return level;
  }
  return undefined;
}

function refFill(nodes: NativeNode[], dom: number[], r: NativeRequest): boolean {
  const used = new Map<number, { cpus: number; gpus: number; mem: number }>();
  const distinct = r.arrangement === 'scatter' || r.arrangement === 'vscatter';
  if (r.arrangement === 'pack') {
    return dom.some((i) => {
      const u = { cpus: 0, gpus: 0, mem: 0 };
      for (const c of r.chunks) for (let k = 0; k < c.count; k++) { const n = nodes[i]!; if (!fits(n, c, r.sharing, u)) return false; u.cpus += c.ncpus; u.mem += c.mem_bytes; u.gpus += c.ngpus; }
      return true;
    });
  }
  for (const c of r.chunks) {
    for (let k = 0; k < c.count; k++) {
      const i = dom.find((j) => !(distinct && used.has(j)) && fits(nodes[j]!, c, r.sharing, used.get(j) ?? { cpus: 0, gpus: 0, mem: 0 }));
      if (i === undefined) return false;
      const u = used.get(i) ?? { cpus: 0, gpus: 0, mem: 0 };
      used.set(i, { cpus: u.cpus + c.ncpus, mem: u.mem + c.mem_bytes, gpus: u.gpus + c.ngpus });
    }
  }
  return true;
}

const arbNodes = fc.array(fc.record({
  cpus: fc.integer({ min: 1, max: 16 }), busy: fc.integer({ min: 0, max: 16 }), efa: fc.boolean(), up: fc.nat(9),
  bottom: fc.integer({ min: 0, max: 5 }), pg: fc.constantFrom('', 'g1', 'g2'), spot: fc.boolean(), topo: fc.nat(9),
}), { minLength: 1, maxLength: 40 }).map((xs) => xs.map((x, i) => node(`n${i}`, x.cpus, x.topo === 0 ? '' : `b${x.bottom}`, {
  free_ncpus: Math.max(0, x.cpus - x.busy), njobs: x.busy > 0 ? 1 : 0, efa: x.efa ? 1 : 0, up: x.up !== 0, placement_group: x.pg, spot: x.spot,
  network_nodes: x.topo === 0 ? ['', '', ''] : ['top', `m${x.bottom % 2}`, `b${x.bottom}`],
})));
const arbReq = fc.record({
  chunks: fc.array(fc.record({ count: fc.integer({ min: 1, max: 6 }), ncpus: fc.integer({ min: 1, max: 12 }), efa: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  arrangement: fc.constantFrom<Arrangement>('free', 'pack', 'scatter', 'vscatter'),
  excl: fc.boolean(), group: fc.boolean(),
}).map((r): NativeRequest => ({
  chunks: r.chunks.map((c) => ({ count: c.count, ncpus: c.ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa: c.efa, instance_type: '', capacity: 'any' as const })),
  arrangement: r.arrangement, sharing: r.excl ? 'excl' : 'shared', same_group: r.group,
}));

test('property: every native placement is valid and never worse than the TypeScript reference', (t) => {
  fc.assert(fc.property(arbNodes, arbReq, (nodes, r) => {
    const topo = new NativeTopology(nodes);
    const p = topo.place(r);
    const ref = referenceLevel(nodes, r);
    if (!p.ok) return ref === undefined && p.diagnosis.text !== '';
    if (ref === undefined || p.level > ref) return false;
    const want = r.chunks.reduce((s, c) => s + c.count, 0);
    if (p.slots.length !== want) return false;
    const taken = new Map<number, number>();
    const groups = new Set<string>();
    for (const s of p.slots) {
      const n = nodes[s.node]!; const c = r.chunks[s.chunk]!;
      if (!n.up || (c.efa && n.efa === 0) || s.ncpus !== c.ncpus) return false;
      if (r.sharing === 'excl' && n.njobs > 0) return false;
      taken.set(s.node, (taken.get(s.node) ?? 0) + s.ncpus);
      groups.add(n.placement_group);
    }
    for (const [i, cpus] of taken) if (cpus > nodes[i]!.free_ncpus) return false; // never over-commits
    if ((r.arrangement === 'scatter' || r.arrangement === 'vscatter') && taken.size !== want) return false;
    if (r.arrangement === 'pack' && taken.size !== 1) return false;
    if (r.same_group && (groups.size !== 1 || groups.has(''))) return false;
    return JSON.stringify(topo.place(r)) === JSON.stringify(p); // same snapshot, same answer
  }), { numRuns: 500, seed: 42 });
  t.pass();
});
