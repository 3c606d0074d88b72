/**
 * bench/submit: how fast fleetq takes jobs. Starts its own daemon in a temporary FLEETQ_HOME and
 * submits held jobs (so nothing runs and only the submit path is measured: validate → durable
 * LMDB commit → acknowledgement):
 *   grpc_unary   1 and 8 concurrent clients (separate connections), N unary SubmitJob each
 *   grpc_stream  one SubmitJobs stream of 8×N jobs (submits share commits)
 *   qsub_cli     the per-call wall time of bin/qsub, sequential, next to `node -e 0`
 *   grpc_echo    anchor: a bare grpc-js unary echo over a Unix socket, 8 clients, same machine
 * Readable table on stderr, JSON lines on stdout. Usage: npm run bench submit [--jobs N] [--qsub-calls N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { FleetqClient } from '../src/client/index.js';
import type { SubmitJobRequest } from '../src/gen/fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse__Output } from '../src/gen/fleetq/v1/SubmitJobResponse.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const { values } = parseArgs({ options: { jobs: { type: 'string', default: '2000' }, 'qsub-calls': { type: 'string', default: '200' } } });
const N = Number(values.jobs);
const QSUB_CALLS = Number(values['qsub-calls']);

interface Row { case: string; clients: number; jobs: number; seconds: number; jobs_per_s: number; median_us: number; p90_us: number }
const rows: Row[] = [];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

function record(name: string, clients: number, lat: number[], seconds: number): void {
  const r: Row = {
    case: name, clients, jobs: lat.length, seconds: Number(seconds.toFixed(3)), jobs_per_s: Math.round(lat.length / seconds),
    median_us: Math.round(quantile(lat, 0.5) * 1000), p90_us: Math.round(quantile(lat, 0.9) * 1000),
  };
  push(r);
}

function push(r: Row): void {
  rows.push(r);
  process.stdout.write(`${JSON.stringify({ bench: 'submit', ...r })}\n`);
}

const spec = (i: number) => ({ script: `#!/bin/sh\necho ${i}\n`, workdir: tmpdir(), name: `b${i}`, hold: true, resource_list: 'select=1:ncpus=1,walltime=00:10:00' });

async function startDaemon(): Promise<{ home: string; proc: ChildProcess }> {
  const home = mkdtempSync(join(tmpdir(), 'fq-bench-'));
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'fleetq'), 'daemon'], { env: { ...process.env, FLEETQ_HOME: home, FLEETQ_LOG_LEVEL: 'warn' }, stdio: 'inherit' });
  for (let i = 0; i < 200 && !existsSync(join(home, 'fleetq.sock')); i++) await new Promise((r) => setTimeout(r, 50));
  return { home, proc };
}

async function unary(address: string, clients: number): Promise<void> {
  const cs = Array.from({ length: clients }, () => new FleetqClient({ address }));
  await Promise.all(cs.map((c) => c.getServer())); // connect first
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(cs.map(async (c, k) => {
    for (let i = 0; i < N; i++) {
      const s = performance.now();
      await c.submitJob({ spec: spec(k * N + i) });
      lat.push(performance.now() - s);
    }
  }));
  record('grpc_unary', clients, lat, (performance.now() - t0) / 1000);
  cs.forEach((c) => c.close());
}

async function stream(address: string, jobs: number): Promise<void> {
  const c = new FleetqClient({ address });
  await c.getServer();
  const t0 = performance.now();
  const sent: number[] = [];
  const lat: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const call = c.raw.SubmitJobs(c.callMetadata()) as grpc.ClientDuplexStream<SubmitJobRequest, SubmitJobResponse__Output>;
    call.on('data', () => { lat.push(performance.now() - (sent[lat.length] ?? t0)); });
    call.on('error', reject);
    call.on('end', () => resolve());
    for (let i = 0; i < jobs; i++) { sent.push(performance.now()); call.write({ spec: spec(i) }); }
    call.end();
  });
  record('grpc_stream', 1, lat, (performance.now() - t0) / 1000);
  c.close();
}

function timeCommand(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string, calls: number): void {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    const r = spawnSync(cmd, args, { env, input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
    lat.push(performance.now() - s);
  }
  record(name, 1, lat, (performance.now() - t0) / 1000);
}

/** Runs node with args without blocking this process's event loop. */
function runNode(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function echoAnchor(clients: number, calls: number): Promise<void> {
  const def = { Echo: { path: '/bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: (x: Buffer) => x, requestDeserialize: (x: Buffer) => x, responseSerialize: (x: Buffer) => x, responseDeserialize: (x: Buffer) => x } };
  const server = new grpc.Server();
  server.addService(def, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) });
  const sock = `unix:${join(mkdtempSync(join(tmpdir(), 'fq-echo-')), 'e.sock')}`;
  await new Promise<void>((res, rej) => server.bindAsync(sock, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  // The server runs in this process; the clients in a child, so the two sides do not share a thread (as with the daemon).
  const child = await runNode(['--input-type=module', '-e', `
    import * as grpc from '${join(ROOT, 'node_modules', '@grpc', 'grpc-js', 'build', 'src', 'index.js')}';
    const def = { Echo: { path: '/bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: (x) => x, requestDeserialize: (x) => x, responseSerialize: (x) => x, responseDeserialize: (x) => x } };
    const C = grpc.makeGenericClientConstructor(def);
    const cs = Array.from({ length: ${clients} }, () => new C('${sock}', grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    const call = (c) => new Promise((r, j) => c.Echo(Buffer.from('x'.repeat(200)), (e, v) => e ? j(e) : r(v)));
    await Promise.all(cs.map(call));
    const lat = []; const t0 = performance.now();
    await Promise.all(cs.map(async (c) => { for (let i = 0; i < ${calls}; i++) { const s = performance.now(); await call(c); lat.push(performance.now() - s); } }));
    const seconds = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const q = (x) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))];
    process.stdout.write(JSON.stringify({ n: lat.length, seconds, median: q(0.5), p90: q(0.9) }), () => process.exit(0));
  `]);
  server.forceShutdown();
  if (child.status !== 0) throw new Error(`echo anchor failed: ${child.stderr}`);
  const out = JSON.parse(child.stdout) as { n: number; seconds: number; median: number; p90: number };
  push({ case: 'grpc_echo', clients, jobs: out.n, seconds: Number(out.seconds.toFixed(3)), jobs_per_s: Math.round(out.n / out.seconds), median_us: Math.round(out.median * 1000), p90_us: Math.round(out.p90 * 1000) });
}

function table(): void {
  const head = ['case', 'clients', 'jobs', 'seconds', 'jobs/s', 'median µs', 'p90 µs'];
  const lines = rows.map((r) => [r.case, r.clients, r.jobs, r.seconds, r.jobs_per_s, r.median_us, r.p90_us].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
  process.stderr.write(`\nbench submit — ${cpus().length} cpus, ${cpus()[0]?.model ?? ''}, node ${process.version}\n${fmt(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n${lines.map(fmt).join('\n')}\n`);
  const u8 = rows.find((r) => r.case === 'grpc_unary' && r.clients === 8);
  const e8 = rows.find((r) => r.case === 'grpc_echo');
  if (u8 && e8) {
    const ratio = Number((u8.jobs_per_s / e8.jobs_per_s).toFixed(3));
    process.stderr.write(`durable submits reach ${(ratio * 100).toFixed(0)}% of a bare grpc-js echo with 8 clients\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'submit', case: 'ratio_unary8_to_echo8', ratio })}\n`);
  }
}

async function main(): Promise<void> {
  const d = await startDaemon();
  const address = `unix:${join(d.home, 'fleetq.sock')}`;
  try {
    await unary(address, 1);
    await unary(address, 8);
    await stream(address, 8 * N);
    const env = { ...process.env, FLEETQ_HOME: d.home };
    timeCommand('node_startup', process.execPath, ['-e', '0'], env, '', Math.min(QSUB_CALLS, 50));
    timeCommand('qsub_cli', process.execPath, [join(ROOT, 'bin', 'qsub'), '-h', '-N', 'cli'], env, '#!/bin/sh\ntrue\n', QSUB_CALLS);
  } finally {
    d.proc.kill('SIGTERM');
  }
  await echoAnchor(8, N);
  table();
}

main().catch((e: Error) => { process.stderr.write(`bench submit: ${e.stack ?? e.message}\n`); process.exitCode = 1; });
