/**
 * bench/sim: trace replay speed and schedule quality — the full SDSC-SP2 (1998) and Lublin-256
 * traces under strict order (none), EASY and conservative backfilling, FCFS order, through the
 * same code as `fleetq sim` (the scheduler's policy and the native core on a virtual clock).
 * `wall_s` is the simulation loop only; `parse_s` reading the trace. Reference: a plain
 * single-file Python simulator of the same policies replays SDSC-SP2's 54,044 usable jobs in about
 * 0.33 s (EASY) and 2.4 s (conservative), loop only (the issue's figures; no Python peer runs here).
 * stdout: one JSON line per run; stderr: a table.
 * Usage: npm run bench sim [--traces A.swf,B.swf.gz] [--policies none,easy,conservative] [--order fcfs] [--first N]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { simulate, type SimReport } from '../src/sim/cli.js';
import type { BackfillMode } from '../src/native/backfill.js';
import type { Order } from '../src/scheduler/policy.js';

const SWF = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'swf');
const { values } = parseArgs({ options: {
  traces: { type: 'string', default: `${join(SWF, 'SDSC-SP2-1998-4.2-cln.swf.gz')},${join(SWF, 'lublin_256.swf')}` },
  policies: { type: 'string', default: 'none,easy,conservative' },
  order: { type: 'string', default: 'fcfs' },
  first: { type: 'string' },
} });

const rows: SimReport[] = [];
for (const trace of (values.traces ?? '').split(',')) {
  for (const policy of (values.policies ?? '').split(',') as BackfillMode[]) {
    const { report } = await simulate({ trace, policy, order: (values.order ?? 'fcfs') as Order, skip: 0, json: true, ...(values.first ? { first: Number(values.first) } : {}) });
    rows.push(report);
    process.stdout.write(`${JSON.stringify({ bench: 'sim', ...report })}\n`);
  }
}
const head = ['trace', 'policy', 'jobs', 'mean wait s', 'p95 wait s', 'mean bsld', 'util', 'loop s', 'jobs/s', 'parse s'];
const table = rows.map((r) => [r.trace.replace(/\.swf(\.gz)?$/, ''), r.policy, String(r.jobs), r.mean_wait_s.toFixed(0), String(r.p95_wait_s), r.mean_bsld.toFixed(2), r.utilization.toFixed(3), r.wall_s.toFixed(3), String(r.jobs_per_s), r.parse_s.toFixed(3)]);
const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
process.stderr.write(`${[head, ...table].map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n')}\n`);
