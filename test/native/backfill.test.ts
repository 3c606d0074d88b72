/**
 * The backfill profile through the addon: scenario tables (start now, wait for running jobs,
 * reservations block only where they overlap), EASY backfilling expressed with the API, release
 * and the clock, no over-commit, argument checks; and a fast-check property that every answer is
 * valid — its placement fits the availability over its whole window, and no earlier candidate
 * time fits — checked by brute force against placements on fresh topologies.
 */
import test from 'ava';
import fc from 'fast-check';
import { NativeTopology, NativeError, type NativeNode, type NativeRequest, type NativeSlot, type Arrangement, type Sharing } from '../../src/native/index.js';
import { NativeProfile, type StartPlan } from '../../src/native/backfill.js';

const GB = 1024 ** 3;
function node(i: number, cpus: number, free = cpus): NativeNode {
  return {
    name: `n${i}`, ncpus: cpus, free_ncpus: free, mem_bytes: 64 * GB, free_mem_bytes: 64 * GB, ngpus: 0, free_ngpus: 0, efa: 0, njobs: free < cpus ? 1 : 0,
    exclusive: false, up: true, spot: false, instance_type: 'c5.xlarge', az: 'az1', placement_group: '', network_nodes: ['top', 'mid', 'bot'],
    cores: cpus, numa: 1, ena_gbps: 0, pg_strategy: '', pg_partition: -1,
  };
}
function req(count: number, ncpus: number, arrangement: Arrangement = 'free', sharing: Sharing = 'shared'): NativeRequest {
  return { chunks: [{ count, ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa: false, instance_type: '', capacity: 'any' }], arrangement, sharing, same_group: false };
}
const slot = (n: number, cpus: number): NativeSlot => ({ node: n, chunk: 0, ncpus: cpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1 });

/** A hold on one node: a running job (start < now, already taken in the snapshot) or a booking. */
interface Hold { node: number; cpus: number; start: number; end: number; exclusive?: boolean }
interface Scenario { cpus: number[]; running: Hold[]; reserved: Hold[]; now: number }

function build(sc: Scenario): { topo: NativeTopology; profile: NativeProfile } {
  const topo = new NativeTopology(sc.cpus.map((c, i) => node(i, c)));
  for (const h of sc.running) if (!topo.allocate(h.node, h.cpus, 0, 0)) throw new Error(`cannot run ${h.cpus} cpus on n${h.node}`);
  const profile = new NativeProfile(topo, sc.now);
  for (const h of sc.running) profile.addRunning(h.end, [slot(h.node, h.cpus)], h.exclusive ?? false);
  for (const h of sc.reserved) {
    const b = profile.reserve(h.start, h.end, [slot(h.node, h.cpus)], h.exclusive ?? false);
    if (!b.ok) throw new Error(`reservation on n${h.node} refused: ${b.reason}`);
  }
  return { topo, profile };
}
const show = (topo: NativeTopology, s: StartPlan): string =>
  s.start === null ? `${s.placement.diagnosis.never ? 'never' : 'wait'}:${s.placement.diagnosis.text}` : `${s.start}@${s.placement.slots.map((x) => topo.names[x.node]).join(',')}`;

const cases: { name: string; sc: Scenario; req: NativeRequest; duration: number; want: string }[] = [
  { name: 'a job that fits now starts now', sc: { cpus: [4, 4], running: [], reserved: [], now: 0 }, req: req(1, 4), duration: 100, want: '0@n0' },
  { name: 'waits until enough running jobs end', sc: { cpus: [4, 4], running: [{ node: 0, cpus: 4, start: -1, end: 100 }, { node: 1, cpus: 4, start: -1, end: 200 }], reserved: [], now: 0 }, req: req(2, 4, 'scatter'), duration: 10, want: '200@n0,n1' },
  { name: 'one node is enough after the first end', sc: { cpus: [4, 4], running: [{ node: 0, cpus: 4, start: -1, end: 100 }, { node: 1, cpus: 4, start: -1, end: 200 }], reserved: [], now: 0 }, req: req(1, 4), duration: 10, want: '100@n0' },
  { name: 'a reservation later in time does not block', sc: { cpus: [4, 4], running: [], reserved: [{ node: 0, cpus: 4, start: 100, end: 200 }], now: 0 }, req: req(2, 4, 'scatter'), duration: 100, want: '0@n0,n1' },
  { name: 'a reservation overlapping in time blocks its node', sc: { cpus: [4, 4], running: [], reserved: [{ node: 0, cpus: 4, start: 100, end: 200 }], now: 0 }, req: req(2, 4, 'scatter'), duration: 101, want: '200@n0,n1' },
  { name: 'a reservation on another node does not block', sc: { cpus: [4, 4], running: [], reserved: [{ node: 0, cpus: 4, start: 100, end: 200 }], now: 0 }, req: req(1, 4), duration: 500, want: '0@n1' },
  { name: 'a job past its estimate ends at now + 1', sc: { cpus: [4], running: [{ node: 0, cpus: 4, start: -1, end: 30 }], reserved: [], now: 40 }, req: req(1, 4), duration: 5, want: '41@n0' },
  { name: 'an exclusive request waits for an empty node', sc: { cpus: [8], running: [{ node: 0, cpus: 1, start: -1, end: 70 }], reserved: [], now: 0 }, req: req(1, 2, 'free', 'excl'), duration: 10, want: '70@n0' },
  { name: 'never fits this cluster', sc: { cpus: [4, 4], running: [], reserved: [], now: 0 }, req: req(1, 16), duration: 10, want: 'never:2 nodes too small' },
];
for (const c of cases) {
  test(`earliestStart: ${c.name}`, (t) => {
    const { topo, profile } = build(c.sc);
    t.is(show(topo, profile.earliestStart(c.req, c.duration)), c.want);
  });
}

test('EASY: a short job is backfilled now only if it does not delay the reservation', (t) => {
  const { topo, profile } = build({ cpus: [4, 4], running: [{ node: 0, cpus: 4, start: -1, end: 100 }], reserved: [], now: 0 });
  const head = profile.earliestStart(req(2, 4, 'scatter'), 500);
  if (head.start === null) return t.fail(`the head job should get a start, got ${head.placement.diagnosis.text}`);
  t.is(head.start, 100);
  const b = profile.reserve(head.start, head.start + 500, head.placement.slots);
  if (!b.ok) return t.fail(b.reason);
  t.is(show(topo, profile.earliestStart(req(1, 4), 100, 0, 0)), '0@n1', 'ends by the reservation: starts now');
  t.is(show(topo, profile.earliestStart(req(1, 4), 101, 0, 0)), 'wait:no start by 0', 'notAfter = now: only asks whether it can start now');
  t.is(show(topo, profile.earliestStart(req(1, 4), 101)), '600@n0', 'would delay the head: waits');
  t.true(profile.release(b.id));
  t.is(show(topo, profile.earliestStart(req(1, 4), 101)), '0@n1', 'released: starts now');
  t.false(profile.release(b.id), 'a released id is gone');
});

test('reserve never over-commits and says which node lacks room', (t) => {
  const { profile } = build({ cpus: [8, 8], running: [{ node: 0, cpus: 4, start: -1, end: 100 }], reserved: [{ node: 1, cpus: 6, start: 50, end: 150 }], now: 0 });
  t.deepEqual(profile.reserve(50, 120, [slot(0, 5)]), { ok: false, id: 0, reason: 'node n0: 4 cpus free over [50, 120), 5 asked' });
  t.deepEqual(profile.reserve(0, 60, [slot(1, 3)]), { ok: false, id: 0, reason: 'node n1: 2 cpus free over [0, 60), 3 asked' });
  const ok = profile.reserve(150, 200, [slot(1, 8)]);
  t.true(ok.ok, `adjacent to the booking: ${ok.reason}`);
  t.deepEqual(profile.reserve(0, 10, [slot(0, 1)], true), { ok: false, id: 0, reason: 'node n0: jobs hold it during [0, 10), an exclusive booking needs it empty' });
  t.is(profile.size, 3, 'one running job and two bookings');
});

test('jobEnded gives resources back now; advance moves the clock', (t) => {
  const topo = new NativeTopology([node(0, 4), node(1, 4)]);
  t.true(topo.allocate(0, 4, 0, 0));
  const profile = new NativeProfile(topo, 0);
  const job = profile.addRunning(1000, [slot(0, 4)]);
  t.is(show(topo, profile.earliestStart(req(2, 4, 'scatter'), 5)), '1000@n0,n1');
  t.deepEqual(profile.changePoints(), [1000]);
  profile.advance(40);
  t.is(profile.now, 40);
  profile.jobEnded(job);
  t.is(show(topo, profile.earliestStart(req(2, 4, 'scatter'), 5)), '40@n0,n1');
  t.throws(() => profile.jobEnded(job), { instanceOf: NativeError, message: /id: 1 is not a running job/ });
  t.throws(() => profile.advance(39), { instanceOf: NativeError, message: /now: 39 is before/ });
});

test('bad arguments are refused before crossing, naming the field', (t) => {
  const topo = new NativeTopology([node(0, 4)]);
  t.throws(() => new NativeProfile(topo, 1.5), { instanceOf: NativeError, message: /^now: 1.5/ });
  const profile = new NativeProfile(topo, 10);
  const e = t.throws(() => profile.earliestStart(req(1, 1), 0), { instanceOf: NativeError, message: /^duration: 0/ });
  t.is(e?.code, 'EINVAL');
  t.throws(() => profile.earliestStart({ ...req(1, 1), chunks: [] }, 5), { message: /^request\.chunks/ });
  t.throws(() => profile.earliestStart(req(0, 1), 5), { message: /^request\.chunks\[0\]\.count/ });
  t.throws(() => profile.earliestStart({ ...req(1, 1), sharing: 'nope' as Sharing }, 5), { message: /^request\.sharing/ });
  t.throws(() => profile.reserve(5, 20, [slot(0, 1)]), { message: /^start: 5 is before now/ });
  t.throws(() => profile.reserve(20, 20, [slot(0, 1)]), { message: /^end: 20 is not after start/ });
  t.throws(() => profile.reserve(20, 30, [slot(3, 1)]), { message: /^slots\[0\]\.node: 3/ });
  t.throws(() => profile.reserve(20, 30, [{ ...slot(0, 1), ncpus: -1 }]), { message: /^slots\[0\]\.ncpus/ });
  t.throws(() => profile.addRunning(Number.NaN, [slot(0, 1)]), { message: /^end: NaN/ });
});

// ---- property: valid answers, checked by brute force ----

/** Free cpus of node n at time `at`, from the holds (running ones hold from the past). */
function freeAt(cpus: number[], holds: Hold[], n: number, at: number): number {
  return holds.reduce((f, h) => (h.node === n && h.start <= at && at < h.end ? f - h.cpus : f), cpus[n] ?? 0);
}
/** Minimum free cpus of node n over [t, t + d). Availability only changes at hold edges, so those are the instants to read. */
function windowFree(cpus: number[], holds: Hold[], n: number, t: number, d: number): number {
  const instants = [t, ...holds.flatMap((h) => [h.start, h.end]).filter((x) => x > t && x < t + d)];
  return Math.min(...instants.map((at) => freeAt(cpus, holds, n, at)));
}
function placeOnWindow(cpus: number[], holds: Hold[], r: NativeRequest, t: number, d: number): boolean {
  const topo = new NativeTopology(cpus.map((c, i) => node(i, c, Math.max(0, windowFree(cpus, holds, i, t, d)))).map((x) => ({ ...x, njobs: 0 })));
  return topo.place(r).ok;
}

const scenario = fc.record({
  cpus: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
  running: fc.array(fc.record({ node: fc.nat(5), frac: fc.double({ min: 0.01, max: 1, noNaN: true }), end: fc.integer({ min: 1, max: 120 }) }), { maxLength: 5 }),
  bookings: fc.array(fc.record({ node: fc.nat(5), cpus: fc.integer({ min: 1, max: 8 }), start: fc.integer({ min: 0, max: 120 }), len: fc.integer({ min: 1, max: 80 }) }), { maxLength: 6 }),
  count: fc.integer({ min: 1, max: 4 }),
  ncpus: fc.integer({ min: 1, max: 8 }),
  arrangement: fc.constantFrom<Arrangement>('free', 'scatter', 'pack'),
  duration: fc.integer({ min: 1, max: 100 }),
  notBefore: fc.integer({ min: 0, max: 60 }),
});

test('property: the earliest start is valid and no earlier candidate fits', (t) => {
  fc.assert(fc.property(scenario, (s) => {
    const cpus = s.cpus;
    const topo = new NativeTopology(cpus.map((c, i) => node(i, c)));
    const holds: Hold[] = [];
    for (const r of s.running) {
      const n = r.node % cpus.length;
      const take = Math.max(1, Math.floor(r.frac * (cpus[n] ?? 1)));
      if (freeAt(cpus, holds, n, 0) < take || !topo.allocate(n, take, 0, 0)) continue;
      holds.push({ node: n, cpus: take, start: -1, end: r.end });
    }
    const profile = new NativeProfile(topo, 0);
    for (const h of holds) profile.addRunning(h.end, [slot(h.node, h.cpus)]);
    for (const b of s.bookings) {
      const n = b.node % cpus.length;
      const booked = profile.reserve(b.start, b.start + b.len, [slot(n, b.cpus)]);
      const fits = windowFree(cpus, holds, n, b.start, b.len) >= b.cpus;
      if (booked.ok !== fits) throw new Error(`reserve(${b.start}, ${b.start + b.len}, n${n} × ${b.cpus}) gave ${booked.ok}, brute force says ${fits}`);
      if (booked.ok) holds.push({ node: n, cpus: b.cpus, start: b.start, end: b.start + b.len });
    }
    const r = req(s.count, s.ncpus, s.arrangement);
    const got = profile.earliestStart(r, s.duration, s.notBefore);
    const candidates = [s.notBefore, ...profile.changePoints().filter((x) => x > s.notBefore)];
    const expectedCandidates = [...new Set(holds.flatMap((h) => [h.start, h.end]).filter((x) => x > 0))].sort((a, b) => a - b);
    if (JSON.stringify(profile.changePoints()) !== JSON.stringify(expectedCandidates)) throw new Error(`change points ${profile.changePoints()} != ${expectedCandidates}`);
    const firstFit = candidates.find((c) => placeOnWindow(cpus, holds, r, c, s.duration));
    if (got.start === null) {
      if (firstFit !== undefined) throw new Error(`no start given, but ${firstFit} fits`);
      return;
    }
    if (!candidates.includes(got.start)) throw new Error(`start ${got.start} is not a candidate (${candidates})`);
    const used = new Map<number, number>();
    for (const x of got.placement.slots) used.set(x.node, (used.get(x.node) ?? 0) + x.ncpus);
    for (const [n, c] of used) {
      const free = windowFree(cpus, holds, n, got.start, s.duration);
      if (c > free) throw new Error(`n${n}: ${c} cpus placed, ${free} free over [${got.start}, ${got.start + s.duration})`);
    }
    if (got.placement.slots.length !== s.count) throw new Error(`${got.placement.slots.length} slots, ${s.count} asked`);
    if (firstFit !== got.start) throw new Error(`start ${got.start}, but the first candidate that fits is ${firstFit}`);
  }), { numRuns: 300, seed: 42 });
  t.pass();
});
