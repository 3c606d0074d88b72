/**
 * `fleetq sim` as a command: the table, the JSON line last with the agreed keys, the SVG plot, gzip
 * input, and clear errors (exit 2 for usage, 1 for a bad trace) — through bin/fleetq, a real process.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'fleetq');
const dir = mkdtempSync(join(tmpdir(), 'fq-sim-'));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, ['sim', ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

// The hand-computed trace of replay.test.ts: J1..J5 on 4 processors.
const rec = (id: number, submit: number, run: number, procs: number): string => [id, submit, -1, run, procs, -1, -1, procs, run, -1, 1, 1, 1, -1, 1, -1, -1, -1].join(' ');
const TRACE = `; MaxProcs: 4\n${[rec(1, 0, 10, 3), rec(2, 1, 10, 2), rec(3, 2, 5, 4), rec(4, 3, 30, 1), rec(5, 4, 5, 1), '1 0 -1 -1 1 -1 -1 1 5 -1 1 1 1 -1 1 -1 -1 -1'].join('\n')}\n`;
const plain = join(dir, 'tiny.swf');
writeFileSync(plain, TRACE);
const gz = join(dir, 'tiny.swf.gz');
writeFileSync(gz, gzipSync(TRACE));

const KEYS = ['jobs', 'skipped', 'mean_wait_s', 'median_wait_s', 'p95_wait_s', 'mean_bsld', 'utilization', 'makespan_s', 'wall_s', 'parse_s'];

test('table, then one JSON line last with the agreed keys; the numbers are the hand-computed schedule\'s', async (t) => {
  const r = await run([plain, '--policy', 'easy', '--json']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(r.stdout, /mean bounded slowdown/);
  const m = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
  for (const k of KEYS) t.true(k in m, `key ${k}`);
  t.is(m.jobs, 5);
  t.is(m.skipped, 1, 'the record with no run time');
  // EASY starts 0, 10, 33, 3, 10 for submits 0..4: waits 0, 9, 31, 0, 6.
  t.is(m.mean_wait_s, 9.2);
  t.is(m.median_wait_s, 6);
  t.is(m.makespan_s, 38);
});

test('--engine ts (the policy layer as the daemon drives it) gives the native loop\'s answer', async (t) => {
  const a = JSON.parse((await run([plain, '--policy', 'conservative', '--json', '--engine', 'native'])).stdout.trim().split('\n').pop()!);
  const b = JSON.parse((await run([plain, '--policy', 'conservative', '--json', '--engine', 'ts'])).stdout.trim().split('\n').pop()!);
  t.is(a.mean_wait_s, b.mean_wait_s);
  t.is(a.cycles, b.cycles);
  const bad = await run([plain, '--engine', 'native', '--order', 'priority']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--engine native: the priority order runs in the TypeScript loop/);
});

test('gzip input gives the same answer; the policies give different ones', async (t) => {
  const a = JSON.parse((await run([plain, '--policy', 'conservative', '--json'])).stdout.trim().split('\n').pop()!);
  const b = JSON.parse((await run([gz, '--policy', 'conservative', '--json'])).stdout.trim().split('\n').pop()!);
  t.is(a.mean_wait_s, b.mean_wait_s);
  const none = JSON.parse((await run([plain, '--policy', 'none', '--json'])).stdout.trim().split('\n').pop()!);
  t.not(none.mean_wait_s, a.mean_wait_s);
});

test('--plot writes an SVG of queue length and utilization', async (t) => {
  const svg = join(dir, 'plot.svg');
  const r = await run([plain, '--plot', svg]);
  t.is(r.code, 0, r.stderr);
  const text = readFileSync(svg, 'utf8');
  t.true(text.startsWith('<svg'));
  t.is((text.match(/<polyline/g) ?? []).length, 2, 'two panels');
  t.regex(text, /jobs waiting/);
  t.regex(text, /utilization/);
});

test('usage errors exit 2 naming the option; a bad trace exits 1 naming the line or file', async (t) => {
  const cases: Array<{ args: string[]; code: number; want: RegExp }> = [
    { args: [plain, '--policy', 'greedy'], code: 2, want: /--policy: 'greedy' is not one of none, easy, conservative/ },
    { args: [plain, '--order', 'lifo'], code: 2, want: /--order: 'lifo'/ },
    { args: [plain, '--procs', '0'], code: 2, want: /--procs: '0' is not a whole number/ },
    { args: [], code: 2, want: /TRACE: a trace file is required/ },
    { args: [plain, '--bogus'], code: 2, want: /bogus/ },
    { args: [join(dir, 'missing.swf')], code: 1, want: /no such file/ },
    { args: [plain, '--procs', '2'], code: 0, want: /^$/ },
  ];
  const bad = join(dir, 'bad.swf');
  writeFileSync(bad, '; MaxProcs: 4\n1 2 3\n');
  cases.push({ args: [bad], code: 1, want: /SWF line 2: fields: expected 18 fields, got 3/ });
  for (const c of cases) {
    const r = await run(c.args);
    t.is(r.code, c.code, `${c.args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
    t.regex(r.stderr, c.want, c.args.join(' '));
  }
});

test('on a terminal a progress bar shows on stderr; piped, none', async (t) => {
  // util-linux's script(1) gives the command a pseudo-terminal.
  const tty = await new Promise<string>((resolve) => {
    execFile('script', ['-qc', `${BIN} sim ${plain}`, '/dev/null'], (_e, stdout) => resolve(stdout));
  });
  t.regex(tty, /replay \[.*\] 100% \| 5\/5 jobs/);
  const piped = await run([plain]);
  t.notRegex(piped.stderr + piped.stdout, /replay \[/);
});
