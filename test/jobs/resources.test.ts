import test from 'ava';
import { parseResourceList, parseSize, parseDuration, formatDuration, formatSize, parseSelect } from '../../src/jobs/resources.js';
import { FleetqError, type ErrorCode } from '../../src/util/errors.js';

const sizes: Array<[string, number]> = [['1024', 1024], ['1kb', 1024], ['8gb', 8 * 1024 ** 3], ['512MB', 512 * 1024 ** 2], ['1.5gb', 1.5 * 1024 ** 3], ['2w', 16], ['3m', 3 * 1024 ** 2]];
for (const [text, want] of sizes) test(`parseSize ${text}`, (t) => { t.is(parseSize('mem', text), want); });

const durations: Array<[string, number]> = [['30', 30], ['1:00', 60], ['1:00:00', 3600], ['100:00:00', 360000], ['00:00:05', 5]];
for (const [text, want] of durations) test(`parseDuration ${text}`, (t) => { t.is(parseDuration('walltime', text), want); });

test('formatDuration pads and keeps hours unbounded', (t) => {
  t.is(formatDuration(0), '00:00:00');
  t.is(formatDuration(3661), '01:01:01');
  t.is(formatDuration(360000), '100:00:00');
});

test('formatSize picks the largest exact unit', (t) => {
  t.is(formatSize(8 * 1024 ** 3), '8gb');
  t.is(formatSize(1536 * 1024), '1536kb');
  t.is(formatSize(0), '0kb');
});

test('select with several chunk kinds', (t) => {
  const r = parseResourceList('select=2:ncpus=4:mem=8gb:mpiprocs=4+1:ncpus=1,walltime=1:00:00,place=scatter:excl');
  t.deepEqual(r.chunks.map((c) => [c.count, c.ncpus, c.mem_bytes, c.mpiprocs]), [[2, 4, 8 * 1024 ** 3, 4], [1, 1, 0, 0]]);
  t.is(r.walltime_seconds, 3600);
  t.is(r.place, 'scatter:excl');
  t.is(r.select, '2:ncpus=4:mem=8gb:mpiprocs=4+1:ncpus=1');
});

test('job-wide ncpus/mem become one chunk, default place free', (t) => {
  const r = parseResourceList('ncpus=3,mem=1gb');
  t.deepEqual(r.chunks.map((c) => [c.count, c.ncpus, c.mem_bytes]), [[1, 3, 1024 ** 3]]);
  t.is(r.place, 'free');
  t.is(r.select, '1:ncpus=3:mem=1gb');
});

test('empty list gives one 1-cpu chunk', (t) => {
  const r = parseResourceList('');
  t.is(r.select, '1:ncpus=1');
  t.is(r.walltime_seconds, 0);
});

test('Torque nodes=N:ppn=M', (t) => {
  const r = parseResourceList('nodes=2:ppn=3');
  t.deepEqual(r.chunks.map((c) => [c.count, c.ncpus]), [[2, 3]]);
  t.is(r.place, 'scatter');
});

const bad: Array<[string, ErrorCode, string]> = [
  ['select=banana', 'INVALID_ARGUMENT', 'Resource_List.select'],
  ['select=2:ncpus=x', 'INVALID_ARGUMENT', 'Resource_List.select ncpus'],
  ['select=2:colour=red', 'UNKNOWN_RESOURCE', 'Resource_List.colour'],
  ['walltime=1:2:3:4', 'INVALID_ARGUMENT', 'Resource_List.walltime'],
  ['mem=lots', 'INVALID_ARGUMENT', 'Resource_List.mem'],
  ['place=everywhere', 'INVALID_ARGUMENT', 'Resource_List.place'],
  ['bogus=1', 'UNKNOWN_RESOURCE', 'Resource_List.bogus'],
  ['ncpus', 'INVALID_ARGUMENT', 'Resource_List'],
  ['select=', 'INVALID_ARGUMENT', 'Resource_List.select'],
  ['select=0:ncpus=1', 'INVALID_ARGUMENT', 'Resource_List.select'],
];
for (const [list, code, field] of bad) {
  test(`bad -l ${list} → ${code} naming ${field}`, (t) => {
    const e = t.throws(() => parseResourceList(list), { instanceOf: FleetqError }) as FleetqError;
    t.is(e.code, code);
    t.is(e.field, field);
    t.true(e.message.length > field.length, `message '${e.message}' says why`);
  });
}

test('parseSelect round-trips through its canonical form', (t) => {
  const text = '3:ncpus=2:mem=1gb:ngpus=1+1:ncpus=8:efa=true';
  const again = parseResourceList(`select=${parseResourceList(`select=${text}`).select}`);
  t.deepEqual(again.chunks, parseSelect(text));
});
