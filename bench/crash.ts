/**
 * bench/crash: the crash harness (test/helpers/crash.ts) in its long form: the daemon killed with
 * SIGKILL --kills times (default 50) at random moments while --clients clients (default 8) submit
 * with idempotency keys and retry; then every acknowledged job is looked for. Readable table on
 * stderr, one JSON line on stdout. Usage: npm run bench crash [--kills N] [--clients N]
 */
import { parseArgs } from 'node:util';
import { crashTest } from '../test/helpers/crash.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '50' }, clients: { type: 'string', default: '8' }, verbose: { type: 'boolean', default: false } } });
const c = await crashTest({
  kills: Number(values.kills), clients: Number(values.clients), lifeMs: [300, 1500], runEvery: 5, pauseMs: 10,
  ...(values.verbose ? { log: (l: string) => process.stderr.write(`${l}\n`) } : {}),
});
const rows: Array<[string, number]> = [
  ['kills (SIGKILL)', c.kills], ['restarts', c.restarts], ['submit attempts', c.attempts], ['acknowledged', c.acknowledged],
  ['found', c.found], ['duplicates', c.duplicates], ['lost', c.lost], ['stranded', c.stranded], ['job runs', c.runs],
  ['overlapping runs', c.overlapping_runs], ['seconds', c.seconds],
];
process.stderr.write(`crash: ${c.kills} kills, ${c.acknowledged} acknowledged jobs\n${rows.map(([k, v]) => `  ${k.padEnd(18)} ${String(v).padStart(8)}`).join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ bench: 'crash', ...c })}\n`);
process.exit(c.lost + c.duplicates + c.stranded + c.overlapping_runs === 0 && c.found === c.acknowledged ? 0 : 1);
