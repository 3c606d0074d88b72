/**
 * bench/placement: the native placement core on synthetic EC2-like clusters (three network layers,
 * placement groups, mixed EFA and ENA types, about half the cpus busy), next to the plain TypeScript
 * reference planner that fleetq's first scheduler uses (src/scheduler/plan.ts placeJob, which is
 * topology-blind). JSON lines: nodes, job_nodes, native_median_us, native_p99_us, ts_median_us.
 * Usage: npm run bench placement [--sizes 1000,10000] [--reps 200]
 */
import { parseArgs } from 'node:util';
import { NativeTopology, type NativeNode, type NativeRequest } from '../src/native/index.js';
import { placeJob, type NodeSnapshot, type PendingJob } from '../src/scheduler/plan.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,50000' }, reps: { type: 'string', default: '200' } } });
const SIZES = (values.sizes ?? '').split(',').map(Number);
const REPS = Number(values.reps);

/** A deterministic pseudo-random sequence (mulberry32), so every run builds the same clusters. */
function rng(seed: number): () => number {
  let a = seed;
  return () => { a |= 0; a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function cluster(n: number): NativeNode[] {
  const r = rng(n);
  return Array.from({ length: n }, (_, i) => {
    const efa = i % 3 !== 0;
    const cpus = efa ? 72 : 48;
    const busy = r() < 0.5 ? Math.floor(r() * cpus) : 0;
    const bottom = Math.floor(i / 16); const mid = Math.floor(i / 256); const top = Math.floor(i / 4096);
    return {
      name: `ip-10-0-${Math.floor(i / 256)}-${i % 256}`, ncpus: cpus, free_ncpus: cpus - busy, mem_bytes: 192 * 1024 ** 3, free_mem_bytes: 192 * 1024 ** 3,
      ngpus: 0, free_ngpus: 0, efa: efa ? 1 : 0, njobs: busy > 0 ? 1 : 0, exclusive: false, up: true, spot: i % 5 === 0,
      instance_type: efa ? 'c5n.18xlarge' : 'c5.12xlarge', az: 'us-east-1a', placement_group: `pg-${Math.floor(i / 512)}`,
      network_nodes: [`nn-t${top}`, `nn-m${mid}`, `nn-b${bottom}`],
    };
  });
}

function snapshot(nodes: NativeNode[]): NodeSnapshot[] {
  return nodes.map((n) => ({ name: n.name, up: n.up, ncpus: n.ncpus, mem_bytes: n.mem_bytes, ngpus: n.ngpus, free_ncpus: n.free_ncpus, free_mem_bytes: n.free_mem_bytes, free_ngpus: n.free_ngpus, njobs: n.njobs, exclusive: n.exclusive }));
}

const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };

function time(fn: () => unknown, reps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); fn(); out.push((performance.now() - t0) * 1000); }
  return out;
}

const rows: string[][] = [];
for (const n of SIZES) {
  const nodes = cluster(n);
  const t0 = performance.now();
  const topo = new NativeTopology(nodes);
  const buildUs = (performance.now() - t0) * 1000;
  process.stdout.write(`${JSON.stringify({ bench: 'placement', case: 'snapshot_build', nodes: n, native_us: Math.round(buildUs) })}\n`);
  const snap = snapshot(nodes);
  for (const jobNodes of [1, 16, 64, 512]) {
    const req: NativeRequest = { chunks: [{ count: jobNodes, ncpus: 36, mem_bytes: 0, ngpus: 0, mpiprocs: 36, efa: true, instance_type: '', capacity: 'any' }], arrangement: 'scatter', sharing: 'shared', same_group: false };
    const reps = jobNodes >= 512 || n >= 50000 ? Math.max(10, Math.floor(REPS / 10)) : REPS;
    const nat = time(() => topo.place(req), reps);
    const pj: PendingJob = { seq: 1, queue_priority: 0, priority: 0, chunks: [{ count: jobNodes, ncpus: 36, mem_bytes: 0, ngpus: 0, mpiprocs: 36, ompthreads: 0, other: {} }], place: 'scatter' };
    const ts = time(() => placeJob(pj, snap.map((s) => ({ ...s }))), Math.max(5, Math.floor(reps / 5)));
    const ok = topo.place(req);
    const row = { bench: 'placement', case: 'place', nodes: n, job_nodes: jobNodes, placed: ok.ok, level: ok.level, native_median_us: Math.round(q(nat, 0.5)), native_p99_us: Math.round(q(nat, 0.99)), ts_median_us: Math.round(q(ts, 0.5)) };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    rows.push([String(n), String(jobNodes), String(ok.ok), String(ok.level), String(row.native_median_us), String(row.native_p99_us), String(row.ts_median_us), (row.ts_median_us / Math.max(1, row.native_median_us)).toFixed(2)]);
  }
}
const head = ['nodes', 'job_nodes', 'placed', 'level', 'native med µs', 'native p99 µs', 'ts med µs', 'ts/native'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const fmt = (r: string[]): string => r.map((c, i) => c.padStart(w[i] ?? 0)).join('  ');
process.stderr.write(`\nbench placement (the TS column is the first scheduler's topology-blind first fit, not an equal)\n${fmt(head)}\n${rows.map(fmt).join('\n')}\n`);
