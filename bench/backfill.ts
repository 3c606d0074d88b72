/**
 * bench/backfill: the native backfill profile through the addon, as a scheduler or the trace
 * simulator calls it. Synthetic EC2-like clusters (three network layers, placement groups, two
 * thirds EFA nodes) about 80% busy with running jobs of whole nodes ending over the next day, plus
 * reservations booked the conservative-backfill way (earliest start, then reserve); then the time
 * of earliestStart for small and large requests, and of one reserve + release.
 * JSON lines on stdout: nodes, running, reservations, job_nodes, median_us, p99_us (and start_s,
 * the answer's offset from now); a table on stderr.
 * Usage: npm run bench backfill [--sizes 1000,10000] [--running 500] [--reservations 200] [--reps 200]
 */
import { parseArgs } from 'node:util';
import { NativeTopology, type NativeNode, type NativeRequest, type NativeSlot } from '../src/native/index.js';
import { NativeProfile } from '../src/native/backfill.js';

const { values } = parseArgs({ options: {
  sizes: { type: 'string', default: '1000,10000' }, running: { type: 'string', default: '500' },
  reservations: { type: 'string', default: '200' }, reps: { type: 'string', default: '200' },
} });
const SIZES = (values.sizes ?? '').split(',').map(Number);
const RUNNING = Number(values.running);
const RESERVATIONS = Number(values.reservations);
const REPS = Number(values.reps);
const NOW = 1_000_000;
const DAY = 86_400;

/** A deterministic pseudo-random sequence (mulberry32), so every run builds the same profiles. */
function rng(seed: number): () => number {
  let a = seed;
  return () => { a |= 0; a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function cluster(n: number): NativeNode[] {
  return Array.from({ length: n }, (_, i) => {
    const efa = i % 3 !== 0;
    const cpus = efa ? 72 : 48;
    return {
      name: `ip-10-0-${Math.floor(i / 256)}-${i % 256}`, ncpus: cpus, free_ncpus: cpus, mem_bytes: 192 * 1024 ** 3, free_mem_bytes: 192 * 1024 ** 3,
      ngpus: 0, free_ngpus: 0, efa: efa ? 1 : 0, njobs: 0, exclusive: false, up: true, spot: i % 5 === 0,
      instance_type: efa ? 'c5n.18xlarge' : 'c5.12xlarge', az: 'us-east-1a', placement_group: `pg-${Math.floor(i / 512)}`,
      network_nodes: [`nn-t${Math.floor(i / 4096)}`, `nn-m${Math.floor(i / 256)}`, `nn-b${Math.floor(i / 16)}`],
      cores: cpus / 2, numa: efa ? 2 : 1, ena_gbps: efa ? 100 : 12, pg_strategy: 'cluster', pg_partition: -1,
    };
  });
}

function request(jobNodes: number): NativeRequest {
  return { chunks: [{ count: jobNodes, ncpus: 36, mem_bytes: 0, ngpus: 0, mpiprocs: 36, efa: true, instance_type: '', capacity: 'any' }], arrangement: 'scatter', sharing: 'shared', same_group: false };
}

/** Running jobs of whole consecutive nodes covering about 80% of the cluster, each with its end. */
function runningJobs(nodes: NativeNode[], count: number, r: () => number): { end: number; slots: NativeSlot[] }[] {
  const per = Math.max(1, Math.floor((0.8 * nodes.length) / count));
  const jobs: { end: number; slots: NativeSlot[] }[] = [];
  for (let j = 0, at = 0; j < count && at < nodes.length; j++) {
    const size = Math.max(1, Math.min(nodes.length - at, Math.round(per * (0.5 + r()))));
    const slots = Array.from({ length: size }, (_, k) => ({ node: at + k, chunk: 0, ncpus: nodes[at + k]!.ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: 1 }));
    jobs.push({ end: NOW + 60 + Math.floor(r() * DAY), slots });
    at += size + (r() < 0.25 ? 1 : 0);  // a few idle nodes between jobs
  }
  return jobs;
}

function build(n: number): { profile: NativeProfile; reservations: number; running: number; buildUs: number } {
  const r = rng(n);
  const nodes = cluster(n);
  const topo = new NativeTopology(nodes);
  const jobs = runningJobs(nodes, RUNNING, r);
  for (const j of jobs) for (const s of j.slots) topo.allocate(s.node, s.ncpus, 0, 0);
  const t0 = performance.now();
  const profile = new NativeProfile(topo, NOW);
  for (const j of jobs) profile.addRunning(j.end, j.slots);
  const buildUs = (performance.now() - t0) * 1000;
  let reservations = 0;
  for (let k = 0; k < RESERVATIONS * 4 && reservations < RESERVATIONS; k++) {
    const want = 1 + Math.floor(r() ** 2 * Math.min(256, n / 8));
    const duration = 600 + Math.floor(r() * DAY);
    const plan = profile.earliestStart(request(want), duration);
    if (plan.start === null) continue;
    if (profile.reserve(plan.start, plan.start + duration, plan.placement.slots).ok) reservations++;
  }
  return { profile, reservations, running: jobs.length, buildUs };
}

const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };
function time(fn: () => unknown, reps: number): number[] {
  for (let i = 0; i < Math.min(10, reps); i++) fn();  // warm up
  const out: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); fn(); out.push((performance.now() - t0) * 1000); }
  return out;
}

const rows: string[][] = [];
const emit = (row: Record<string, unknown>, cells: string[]): void => { process.stdout.write(`${JSON.stringify({ bench: 'backfill', ...row })}\n`); rows.push(cells); };
for (const n of SIZES) {
  const { profile, reservations, running, buildUs } = build(n);
  const base = { nodes: n, running, reservations, change_points: profile.changePoints().length };
  emit({ case: 'profile_build', ...base, build_us: Math.round(buildUs) }, [String(n), String(running), String(reservations), 'build', '', String(Math.round(buildUs)), '', '']);
  for (const jobNodes of [1, 16, 64, 256]) {
    for (const duration of [3600, 6 * 3600]) {
      const req = request(jobNodes);
      const plan = profile.earliestStart(req, duration);
      const us = time(() => profile.earliestStart(req, duration), REPS);
      const row = { case: 'earliest_start', ...base, job_nodes: jobNodes, duration_s: duration, start_s: plan.start === null ? null : plan.start - NOW, median_us: Math.round(q(us, 0.5)), p99_us: Math.round(q(us, 0.99)) };
      emit(row, [String(n), String(running), String(reservations), `earliest_start ${jobNodes}n ${duration / 3600}h`, String(row.start_s), String(row.median_us), String(row.p99_us), '']);
    }
  }
  for (const jobNodes of [1, 16, 256]) {
    // EASY's backfill test for each queued job: can it start now without delaying the reservations?
    const req = request(jobNodes);
    const now = profile.now;
    const us = time(() => profile.earliestStart(req, 3600, now, now), REPS);
    const row = { case: 'start_now', ...base, job_nodes: jobNodes, duration_s: 3600, median_us: Math.round(q(us, 0.5)), p99_us: Math.round(q(us, 0.99)) };
    emit(row, [String(n), String(running), String(reservations), `start now? ${jobNodes}n 1h`, '', String(row.median_us), String(row.p99_us), '']);
  }
  const plan = profile.earliestStart(request(16), 3600);
  if (plan.start !== null) {
    const slots = plan.placement.slots;
    const start = plan.start;
    const us = time(() => { const b = profile.reserve(start, start + 3600, slots); if (b.ok) profile.release(b.id); }, REPS);
    emit({ case: 'reserve_release', ...base, job_nodes: 16, median_us: Math.round(q(us, 0.5)), p99_us: Math.round(q(us, 0.99)) },
      [String(n), String(running), String(reservations), 'reserve+release 16n', '', String(Math.round(q(us, 0.5))), String(Math.round(q(us, 0.99))), '']);
  }
}
const head = ['nodes', 'running', 'reservations', 'case', 'start s', 'median µs', 'p99 µs', ''];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const fmt = (r: string[]): string => r.map((c, i) => (i === 3 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
process.stderr.write(`\nbench backfill (through the addon; build = new NativeProfile + addRunning for every job)\n${fmt(head)}\n${rows.map(fmt).join('\n')}\n`);
