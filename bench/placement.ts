/**
 * bench/placement: the native placement core on synthetic EC2-like clusters (three network layers,
 * placement groups of several sizes, mixed EFA and ENA types, about half the cpus busy), next to
 * the plain TypeScript reference of the same contract (test/native/reference.ts: same domains, fill
 * and comparator, no aggregates), so the ratio shows what the addon buys. Native times are the
 * synchronous `topo.place(req)` through the addon, marshalling included.
 *
 * stdout: JSON lines, one per case (snake_case, units in the keys):
 *   {case: 'snapshot_build', nodes, native_us, ts_us, bytes, rss_delta_bytes}
 *   {case: 'place', nodes, job_nodes, level, native_median_us, native_p99_us, ts_median_us, ts_p99_us, ratio}
 *   {case: 'pass', nodes, jobs, placed, native_ms, ts_ms, ratio, same}
 * stderr: the same as a table.
 * Usage: npm run bench placement [-- --sizes 1000,10000] [--reps 200] [--pass-jobs 10000]
 */
import { parseArgs } from 'node:util';
import { NativeTopology, type NativeNode, type NativeRequest } from '../src/native/index.js';
import { ReferenceTopology } from '../test/native/reference.js';

const { values } = parseArgs({ options: {
  sizes: { type: 'string', default: '1000,10000,50000' }, reps: { type: 'string', default: '200' }, 'pass-jobs': { type: 'string', default: '10000' },
} });
const SIZES = (values.sizes ?? '').split(',').map(Number);
const REPS = Number(values.reps);
const PASS_JOBS = Number(values['pass-jobs']);
const PASS_NODES = SIZES.includes(10000) ? 10000 : SIZES[0] ?? 1000;

/** A deterministic pseudo-random sequence (mulberry32), so every run builds the same clusters. */
function rng(seed: number): () => number {
  let a = seed;
  return () => { a |= 0; a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/**
 * 16 nodes per bottom network node, 256 per middle, 4096 per top; placement groups of 128..1024
 * nodes (cluster below 512, else partition groups of 4 partitions).
 */
function cluster(n: number): NativeNode[] {
  const r = rng(n);
  const pgSize = [128, 256, 512, 1024];
  return Array.from({ length: n }, (_, i) => {
    const efa = i % 3 !== 0;
    const cpus = efa ? 72 : 48;
    const busy = r() < 0.5 ? Math.floor(r() * cpus) : 0;
    const bottom = Math.floor(i / 16); const mid = Math.floor(i / 256); const top = Math.floor(i / 4096);
    const block = Math.floor(i / 1024); const pg = pgSize[block % 4]!;
    return {
      name: `ip-10-${Math.floor(i / 65536)}-${Math.floor(i / 256) % 256}-${i % 256}`, ncpus: cpus, free_ncpus: cpus - busy,
      mem_bytes: 192 * 1024 ** 3, free_mem_bytes: (192 - Math.floor((busy / cpus) * 192)) * 1024 ** 3,
      ngpus: 0, free_ngpus: 0, efa: efa ? 1 : 0, njobs: busy > 0 ? 1 : 0, exclusive: false, up: r() > 0.002, spot: i % 5 === 0,
      instance_type: efa ? 'c5n.18xlarge' : 'c5.12xlarge', az: `us-east-1${'abc'[top % 3]}`, placement_group: `pg-${block}-${Math.floor((i % 1024) / pg)}`,
      network_nodes: [`nn-t${top}`, `nn-m${mid}`, `nn-b${bottom}`],
      cores: cpus / 2, numa: efa ? 2 : 1, ena_gbps: efa ? 100 : 12,
      pg_strategy: pg < 512 ? 'cluster' : 'partition', pg_partition: pg < 512 ? -1 : 1 + Math.floor((i % pg) / (pg / 4)),
    };
  });
}

const job = (count: number, ncpus: number, o: Partial<NativeRequest> = {}, efa = true): NativeRequest => ({
  chunks: [{ count, ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: ncpus, efa, instance_type: '', capacity: 'any' }], arrangement: 'scatter', sharing: 'shared', same_group: false, ...o,
});

/**
 * The pending queue of one busy cycle: mostly small jobs, some wide MPI jobs, some excl, group or
 * pack; together more than the free cpus, so the tail of the queue waits (and is diagnosed).
 */
function pending(n: number): NativeRequest[] {
  const r = rng(7);
  return Array.from({ length: n }, () => {
    const x = r();
    const nodes = x < 0.6 ? 1 : x < 0.8 ? 2 : x < 0.92 ? 4 : x < 0.98 ? 16 : 64;
    const kind = r();
    if (kind < 0.1) return job(nodes, 72, { sharing: 'excl' });
    if (kind < 0.2) return job(nodes, 36, { same_group: true });
    if (kind < 0.3) return job(Math.min(nodes, 4), 8, { arrangement: 'pack' }, false);
    if (kind < 0.4) return job(nodes * 4, 4, { arrangement: 'free' }, false);
    return job(nodes, [4, 8, 16, 36][Math.floor(r() * 4)]!, {}, r() < 0.6);
  });
}

const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function time(fn: () => unknown, reps: number): number[] {
  for (let i = 0; i < Math.min(20, reps); i++) fn(); // warm up (JIT, caches)
  const out: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); fn(); out.push((performance.now() - t0) * 1000); }
  return out;
}

const emit = (o: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify({ bench: 'placement', ...o })}\n`); };
const buildRows: string[][] = [];
const placeRows: string[][] = [];
const passRows: string[][] = [];

for (const n of SIZES) {
  const nodes = cluster(n);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let topo = new NativeTopology(nodes);
  const rss = process.memoryUsage().rss - rss0;
  const builds = time(() => { topo = new NativeTopology(nodes); }, 5);
  const tsBuilds = time(() => new ReferenceTopology(nodes), 3);
  const ref = new ReferenceTopology(nodes);
  const build = { nodes: n, native_us: Math.round(q(builds, 0.5)), ts_us: Math.round(q(tsBuilds, 0.5)), bytes: topo.bytes, rss_delta_bytes: rss };
  emit({ case: 'snapshot_build', ...build });
  buildRows.push([String(n), String(build.native_us), String(build.ts_us), (build.bytes / 1024).toFixed(0), (rss / 1024).toFixed(0)]);
  for (const jobNodes of [1, 16, 64, 512]) {
    const req = job(jobNodes, 36);
    const reps = jobNodes >= 512 || n >= 50000 ? Math.max(20, Math.floor(REPS / 4)) : REPS;
    const nat = time(() => topo.place(req), reps);
    const ts = time(() => ref.place(req), Math.max(5, Math.floor(reps / 10)));
    const p = topo.place(req);
    const row = {
      case: 'place', nodes: n, job_nodes: jobNodes, placed: p.ok, level: p.level,
      native_median_us: round(q(nat, 0.5)), native_p99_us: round(q(nat, 0.99)), ts_median_us: round(q(ts, 0.5)), ts_p99_us: round(q(ts, 0.99)),
    };
    const ratio = round(row.ts_median_us / Math.max(0.1, row.native_median_us));
    emit({ ...row, ratio });
    placeRows.push([String(n), String(jobNodes), String(p.ok), String(p.level), String(row.native_median_us), String(row.native_p99_us), String(row.ts_median_us), String(row.ts_p99_us), String(ratio)]);
  }
  if (n === PASS_NODES && PASS_JOBS > 0) {
    const reqs = pending(PASS_JOBS);
    let t0 = performance.now();
    const got = topo.placeMany(reqs);
    const nativeMs = performance.now() - t0;
    t0 = performance.now();
    const want = ref.placeMany(reqs);
    const tsMs = performance.now() - t0;
    const key = (ps: typeof got): string => JSON.stringify(ps.map((p) => [p.ok, p.level, p.stranded, p.slots.map((s) => s.node), p.diagnosis.text, p.diagnosis.never]));
    const placed = got.filter((p) => p.ok).length;
    const pass = { case: 'pass', nodes: n, jobs: reqs.length, placed, native_ms: round(nativeMs), ts_ms: round(tsMs), ratio: round(tsMs / nativeMs), same: key(got) === key(want) };
    emit(pass);
    passRows.push([String(n), String(pass.jobs), String(placed), String(pass.native_ms), String(pass.ts_ms), String(pass.ratio), String(pass.same)]);
  }
}

function table(title: string, head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padStart(w[i] ?? 0)).join('  ');
  return `\n${title}\n${fmt(head)}\n${rows.map(fmt).join('\n')}\n`;
}
process.stderr.write(table('snapshot build (median of 5)', ['nodes', 'native µs', 'ts µs', 'native KiB', 'rss Δ KiB'], buildRows));
process.stderr.write(table('place one job (sync, marshalling included; TS = test/native/reference.ts)', ['nodes', 'job_nodes', 'placed', 'level', 'native med µs', 'native p99 µs', 'ts med µs', 'ts p99 µs', 'ts/native'], placeRows));
process.stderr.write(table('pass: placeMany over the pending queue vs the reference', ['nodes', 'jobs', 'placed', 'native ms', 'ts ms', 'ts/native', 'same answers'], passRows));
