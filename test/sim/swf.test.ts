import test from 'ava';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseSwfText, readSwf, type SwfJob, type SwfOptions, type SkipReason } from '../../src/sim/swf.js';
import { FleetqError } from '../../src/util/errors.js';

// dist/test/sim/ → the checkout's root → ../shared/data/swf/
const DATA = fileURLToPath(new URL('../../../../shared/data/swf/', import.meta.url));

/** One SWF record: 18 fields, -1 (unknown) unless given; keys are SWF field numbers 1..18. */
function rec(fields: Record<number, number | string>): string {
  const out: Array<number | string> = [];
  for (let f = 1; f <= 18; f++) out.push(fields[f] ?? -1);
  return out.join(' ');
}

const NO_SKIPS: Record<SkipReason, number> = { no_size: 0, no_run_time: 0, zero_run_time: 0, too_large: 0 };

// ---- one record in, one job (or one skip) out -------------------------------------------------

interface RecordCase {
  name: string;
  input: Record<number, number | string>;
  opts?: SwfOptions;
  want: { job: Partial<SwfJob> } | { skip: SkipReason };
}

const recordCases: RecordCase[] = [
  { name: 'size is the requested processors (field 8) over the allocated (field 5)',
    input: { 1: 7, 2: 100, 4: 50, 5: 2, 8: 4 }, want: { job: { procs: 4 } } },
  { name: 'size falls back to the allocated processors when field 8 is -1',
    input: { 1: 7, 2: 100, 4: 50, 5: 2, 8: -1 }, want: { job: { procs: 2 } } },
  { name: 'size falls back to the allocated processors when field 8 is 0',
    input: { 1: 7, 2: 100, 4: 50, 5: 3, 8: 0 }, want: { job: { procs: 3 } } },
  { name: 'estimate is the requested time (field 9)',
    input: { 1: 7, 2: 100, 4: 50, 5: 2, 9: 3600 }, want: { job: { estimate: 3600, run: 50 } } },
  { name: 'estimate falls back to the run time when field 9 is -1',
    input: { 1: 7, 2: 100, 4: 50, 5: 2, 9: -1 }, want: { job: { estimate: 50, run: 50 } } },
  { name: 'estimate below the run time is kept as the trace says',
    input: { 1: 7, 2: 100, 4: 50, 5: 2, 9: 30 }, want: { job: { estimate: 30, run: 50 } } },
  { name: 'id, submit, wait, user, group and queue are kept (fields 1, 2, 3, 12, 13, 15)',
    input: { 1: 42, 2: 1000, 3: 17, 4: 60, 5: 8, 12: 153, 13: 75, 15: 3 },
    want: { job: { id: 42, submit: 1000, wait: 17, run: 60, procs: 8, estimate: 60, user: 153, group: 75, queue: 3 } } },
  { name: 'unknown user, group and queue stay -1',
    input: { 1: 1, 2: 0, 4: 60, 5: 1 }, want: { job: { user: -1, group: -1, queue: -1, wait: -1 } } },
  { name: 'no size: fields 8 and 5 both -1',
    input: { 1: 1, 2: 0, 4: 60 }, want: { skip: 'no_size' } },
  { name: 'no size: fields 8 and 5 both 0',
    input: { 1: 1, 2: 0, 4: 60, 5: 0, 8: 0 }, want: { skip: 'no_size' } },
  { name: 'no size counts first when the run time is missing too',
    input: { 1: 1, 2: 0, 4: -1 }, want: { skip: 'no_size' } },
  { name: 'no run time: field 4 is -1',
    input: { 1: 1, 2: 0, 4: -1, 5: 4 }, want: { skip: 'no_run_time' } },
  { name: 'zero run time is skipped by default',
    input: { 1: 1, 2: 0, 4: 0, 5: 4 }, want: { skip: 'zero_run_time' } },
  { name: 'zero run time is kept with keep_zero_run (estimate falls back to 0)',
    input: { 1: 1, 2: 0, 4: 0, 5: 4 }, opts: { keep_zero_run: true }, want: { job: { run: 0, estimate: 0 } } },
  { name: 'larger than the machine (requested 9 on 8)',
    input: { 1: 1, 2: 0, 4: 10, 5: 4, 8: 9 }, want: { skip: 'too_large' } },
  { name: 'exactly the machine fits',
    input: { 1: 1, 2: 0, 4: 10, 8: 8 }, want: { job: { procs: 8 } } },
  { name: '--procs overrides the header for too_large (12 on procs 16)',
    input: { 1: 1, 2: 0, 4: 10, 8: 12 }, opts: { procs: 16 }, want: { job: { procs: 12 } } },
  { name: 'decimal fields (average CPU time) are numbers too',
    input: { 1: 1, 2: 0, 4: 10, 5: 2, 6: '9.75' }, want: { job: { procs: 2 } } },
];

for (const c of recordCases) {
  test(`record: ${c.name}`, (t) => {
    const text = `; MaxProcs: 8\n${rec(c.input)}\n`;
    const got = parseSwfText(text, c.opts);
    if ('skip' in c.want) {
      t.is(got.jobs.length, 0, `want the record skipped as ${c.want.skip}, got jobs ${JSON.stringify(got.jobs)}`);
      t.deepEqual(got.skipped_by_reason, { ...NO_SKIPS, [c.want.skip]: 1 });
      t.is(got.skipped, 1);
    } else {
      t.is(got.jobs.length, 1, `want one job, got skips ${JSON.stringify(got.skipped_by_reason)}`);
      t.like(got.jobs[0]!, c.want.job);
      t.is(got.skipped, 0);
    }
  });
}

// ---- machine size -----------------------------------------------------------------------------

interface MachineCase { name: string; input: { header: string; opts?: SwfOptions }; want: number }

const machineCases: MachineCase[] = [
  { name: 'MaxProcs', input: { header: '; MaxProcs: 128\n' }, want: 128 },
  { name: 'MaxProcs wins over MaxNodes, in either order', input: { header: '; MaxNodes: 64\n; MaxProcs: 128\n' }, want: 128 },
  { name: 'MaxNodes when there is no MaxProcs', input: { header: '; MaxNodes: 256\n' }, want: 256 },
  { name: 'MaxNodes when MaxProcs is -1 (unknown)', input: { header: '; MaxProcs: -1\n; MaxNodes: 32\n' }, want: 32 },
  { name: 'fallback_procs when the header has neither', input: { header: '; Version: 2\n', opts: { fallback_procs: 16 } }, want: 16 },
  { name: 'fallback_procs does not override the header', input: { header: '; MaxNodes: 64\n', opts: { fallback_procs: 16 } }, want: 64 },
  { name: '--procs overrides MaxProcs', input: { header: '; MaxProcs: 128\n; MaxNodes: 64\n', opts: { procs: 1000 } }, want: 1000 },
  { name: 'no space after the semicolon', input: { header: ';MaxProcs: 24\n' }, want: 24 },
  { name: 'a header label after the records still counts', input: { header: '', opts: {} }, want: 12 },
];

for (const c of machineCases) {
  test(`machine size: ${c.name}`, (t) => {
    const body = rec({ 1: 1, 2: 0, 4: 10, 5: 1 });
    const text = c.input.header === '' ? `${body}\n; MaxProcs: 12\n` : `${c.input.header}${body}\n`;
    const got = parseSwfText(text, c.input.opts);
    t.is(got.machine_procs, c.want, `want ${c.want} processors, got ${got.machine_procs}`);
  });
}

test('machine size: none anywhere is an error naming --procs', (t) => {
  const err = t.throws(() => parseSwfText(`; Version: 2\n${rec({ 1: 1, 2: 0, 4: 10, 5: 1 })}\n`), { instanceOf: FleetqError });
  t.regex(err.message, /MaxProcs or MaxNodes; give --procs/);
  t.is(err.field, 'procs');
});

test('header: labels kept as a map (repeated labels in order), free-text comments ignored', (t) => {
  const text = [
    '; Version: 2.2', '; Computer: IBM SP2', '; Copyright: JOBLOG Repository',
    ';   group of the San Diego Supercomputer Center (SDSC), which is the',
    ';              http://www.cs.huji.ac.il/labs/parallel/workload/',
    '; MaxNodes: 128', '; MaxProcs: 128', '; Queue:  0  interactive    ', '; Queue:  1  express', ';', '',
    rec({ 1: 1, 2: 0, 4: 10, 5: 1 }),
  ].join('\n');
  const got = parseSwfText(text);
  t.deepEqual(got.header, {
    max_procs: 128, max_nodes: 128,
    fields: {
      Version: ['2.2'], Computer: ['IBM SP2'], Copyright: ['JOBLOG Repository'],
      MaxNodes: ['128'], MaxProcs: ['128'], Queue: ['0  interactive', '1  express'],
    },
  });
});

// ---- malformed lines ------------------------------------------------------------------------

interface BadCase { name: string; input: string; want: { message: RegExp; field: string } }

const badCases: BadCase[] = [
  { name: 'too few fields', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 0, 4: 10, 5: 1 })}\n1 2 3\n`,
    want: { message: /^SWF line 3: fields: expected 18 fields, got 3$/, field: 'fields' } },
  { name: 'too many fields', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 0, 4: 10, 5: 1 })} 7\n`,
    want: { message: /^SWF line 2: fields: expected 18 fields, got 19$/, field: 'fields' } },
  { name: 'a non-number run time', input: `; MaxProcs: 8\n\n${rec({ 1: 1, 2: 0, 4: 'abc', 5: 1 })}\n`,
    want: { message: /^SWF line 3: field 4 \(run_time\): expected a number, got 'abc'$/, field: 'field 4 (run_time)' } },
  { name: 'a non-number user', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 0, 4: 5, 5: 1, 12: 'u7' })}\n`,
    want: { message: /^SWF line 2: field 12 \(user_id\): expected a number, got 'u7'$/, field: 'field 12 (user_id)' } },
  { name: 'a hexadecimal size', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 0, 4: 5, 5: '0x4' })}\n`,
    want: { message: /^SWF line 2: field 5 \(allocated_procs\): expected a number, got '0x4'$/, field: 'field 5 (allocated_procs)' } },
  { name: 'Infinity as a run time', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 0, 4: 'Infinity', 5: 1 })}\n`,
    want: { message: /^SWF line 2: field 4 \(run_time\): expected a number, got 'Infinity'$/, field: 'field 4 (run_time)' } },
  { name: 'a malformed record is an error even when it would be skipped', input: `; MaxProcs: 8\n${rec({ 1: 1, 2: 'x', 4: -1 })}\n`,
    want: { message: /^SWF line 2: field 2 \(submit_time\)/, field: 'field 2 (submit_time)' } },
  { name: 'a non-integer MaxProcs', input: `; MaxProcs: lots\n${rec({ 1: 1, 2: 0, 4: 10, 5: 1 })}\n`,
    want: { message: /^SWF line 1: MaxProcs: expected an integer, got 'lots'$/, field: 'MaxProcs' } },
];

for (const c of badCases) {
  test(`malformed: ${c.name}`, (t) => {
    const err = t.throws(() => parseSwfText(c.input), { instanceOf: FleetqError });
    t.regex(err.message, c.want.message);
    t.is(err.field, c.want.field);
    t.is(err.code, 'INVALID_ARGUMENT');
  });
}

test('options: a non-positive --procs is refused', (t) => {
  const err = t.throws(() => parseSwfText('', { procs: 0 }), { instanceOf: FleetqError });
  t.is(err.field, 'procs');
});

test('blank lines, indented comments and CRLF line ends are fine; line numbers count them', (t) => {
  const text = `; MaxProcs: 4\r\n\r\n   ; an indented comment\r\n${rec({ 1: 1, 2: 0, 4: 10, 5: 1 })}\r\n  \r\n${rec({ 1: 2, 2: 5, 4: 'z', 5: 1 })}\r\n`;
  const err = t.throws(() => parseSwfText(text), { instanceOf: FleetqError });
  t.regex(err.message, /^SWF line 6: field 4/);
  const ok = parseSwfText(text.replace(' z ', ' 3 '));
  t.deepEqual(ok.jobs.map((j) => [j.id, j.run]), [[1, 10], [2, 3]]);
});

test('mixed trace: jobs in file order, counts per reason, skipped is their sum', (t) => {
  const text = ['; MaxNodes: 4',
    rec({ 1: 1, 2: 0, 4: 10, 5: 1 }), rec({ 1: 2, 2: 1, 4: -1, 5: 1 }), rec({ 1: 3, 2: 2, 4: 10, 8: 5 }),
    rec({ 1: 4, 2: 3, 4: 0, 5: 2 }), rec({ 1: 5, 2: 4, 4: 7 }), rec({ 1: 6, 2: 5, 4: 20, 8: 4 }), rec({ 1: 7, 2: 6, 4: -1, 5: 1 }),
  ].join('\n');
  const got = parseSwfText(text);
  t.deepEqual(got.jobs.map((j) => j.id), [1, 6]);
  t.deepEqual(got.skipped_by_reason, { no_size: 1, no_run_time: 2, zero_run_time: 1, too_large: 1 });
  t.is(got.skipped, 5);
  t.is(got.machine_procs, 4);
});

// ---- files: plain and gzip, told apart by magic bytes -----------------------------------------

const SAMPLE = ['; MaxProcs: 8', rec({ 1: 1, 2: 0, 4: 10, 5: 1, 9: 20 }), rec({ 1: 2, 2: 3, 4: -1, 5: 1 }), rec({ 1: 3, 2: 4, 4: 5, 8: 8 })].join('\n') + '\n';

interface FileCase { name: string; input: { file: string; bytes: Buffer }; want: number[] }

const fileCases: FileCase[] = [
  { name: 'plain text named .swf', input: { file: 'a.swf', bytes: Buffer.from(SAMPLE) }, want: [1, 3] },
  { name: 'gzip named .swf (no .gz: detected by magic)', input: { file: 'b.swf', bytes: gzipSync(SAMPLE) }, want: [1, 3] },
  { name: 'plain text named .gz', input: { file: 'c.swf.gz', bytes: Buffer.from(SAMPLE) }, want: [1, 3] },
  { name: 'empty file with --procs', input: { file: 'd.swf', bytes: Buffer.alloc(0) }, want: [] },
];

for (const c of fileCases) {
  test(`readSwf: ${c.name}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'swf-test-'));
    try {
      const path = join(dir, c.input.file);
      writeFileSync(path, c.input.bytes);
      const got = await readSwf(path, c.want.length === 0 ? { procs: 2 } : {});
      t.deepEqual(got.jobs.map((j) => j.id), c.want);
      if (c.want.length > 0) {
        t.deepEqual(got, { ...parseSwfText(SAMPLE), parse_s: got.parse_s }, 'file and text parses differ');
        t.is(got.skipped_by_reason.no_run_time, 1);
      }
      t.true(got.parse_s >= 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('readSwf: a malformed line in a gzipped file rejects with its line number', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swf-test-'));
  try {
    const path = join(dir, 'bad.swf');
    writeFileSync(path, gzipSync(`${SAMPLE}1 2 3\n`));
    const err = await t.throwsAsync(readSwf(path), { instanceOf: FleetqError });
    t.regex(err.message, /^SWF line 5: fields: expected 18 fields, got 3$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readSwf: a corrupt gzip stream rejects', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swf-test-'));
  try {
    const path = join(dir, 'corrupt.swf');
    const gz = gzipSync(SAMPLE.repeat(50));
    writeFileSync(path, Buffer.concat([gz.subarray(0, 20), Buffer.alloc(40, 0xff)]));
    await t.throwsAsync(readSwf(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the real traces --------------------------------------------------------------------------

// Independent count (the same rules in awk; size = $8 > 0 ? $8 : $5; skip size ≤ 0, run ≤ 0,
// size > machine; estimate = $9 > 0 ? $9 : $4):
//   awk '/^[ \t]*;/||/^[ \t]*$/{next} {s=($8>0)?$8:$5; if(s<=0||$4<=0||s>256)next;
//        n++; sp+=s; sr+=$4; se+=($9>0)?$9:$4} END{print n,sp,sr,se}' lublin_256.swf
//   → 10000 221010 48627667 48627667   (10,000 records, none skipped; 7 header lines)
test('real trace: lublin_256.swf', async (t) => {
  const got = await readSwf(join(DATA, 'lublin_256.swf'));
  t.is(got.machine_procs, 256, 'machine from MaxNodes (the trace has no MaxProcs)');
  t.is(got.header.max_procs, null);
  t.is(got.header.max_nodes, 256);
  t.deepEqual(got.header.fields.MaxJobs, ['10000']);
  t.is(got.jobs.length, 10000);
  t.is(got.skipped, 0);
  t.deepEqual(got.skipped_by_reason, NO_SKIPS);
  const sum = (f: (j: SwfJob) => number): number => got.jobs.reduce((s, j) => s + f(j), 0);
  t.is(sum((j) => j.procs), 221010);
  t.is(sum((j) => j.run), 48627667);
  t.is(sum((j) => j.estimate), 48627667);
  t.like(got.jobs[0]!, { id: 1, submit: 5094, wait: -1, run: 12072, procs: 16, estimate: 12072, user: -1, queue: 0 });
  t.like(got.jobs[9999]!, { id: 10000, submit: 7711701, run: 13929, procs: 3 });
});

// Independent count, as above with s>128 on the zcat'd trace:
//   59,715 records; 54,034 usable; skipped 5,681 = 5,671 with run time -1 + 10 with run time 0;
//   none without a size, none larger than 128; Σprocs 664032, Σrun 399341974, Σestimate 904467526.
//   The 54,044 usable jobs are these plus the 10 zero-run ones (keep_zero_run).
test('real trace: SDSC-SP2-1998-4.2-cln.swf.gz', async (t) => {
  const got = await readSwf(join(DATA, 'SDSC-SP2-1998-4.2-cln.swf.gz'));
  t.is(got.machine_procs, 128);
  t.is(got.jobs.length, 54034);
  t.deepEqual(got.skipped_by_reason, { no_size: 0, no_run_time: 5671, zero_run_time: 10, too_large: 0 });
  t.is(got.skipped, 5681);
  t.is(got.jobs.length + got.skipped, 59715, 'every record is a job or a skip');
  const sum = (f: (j: SwfJob) => number): number => got.jobs.reduce((s, j) => s + f(j), 0);
  t.is(sum((j) => j.procs), 664032);
  t.is(sum((j) => j.run), 399341974);
  t.is(sum((j) => j.estimate), 904467526);
  t.like(got.jobs[0]!, { id: 11, submit: 566129, wait: 5, run: 28826, procs: 1, estimate: 28800, user: 153, group: 75, queue: 3 });
  const keep = await readSwf(join(DATA, 'SDSC-SP2-1998-4.2-cln.swf.gz'), { keep_zero_run: true });
  t.is(keep.jobs.length, 54044);
  t.is(keep.skipped, 5671);
});
