/** Tables for the PBS commands' parsers: getopt, #PBS directives, -a dates, -v lists, job ids. */
import test from 'ava';
import { getopt, validJobId, exitCode, ctime, hms } from '../../src/cli/pbs/common.js';
import { buildSpec, directives, parseExecTime, parseVariableList, shellSplit, QsubUsageError, QSUB_OPTS } from '../../src/cli/pbs/qsub-args.js';

process.env.TZ = 'UTC';

test('getopt: grouped flags, attached and separate values, -- and operands', (t) => {
  t.deepEqual(getopt(['-hz', '-lselect=1', '-N', 'x', 'job.sh', '-q', 'w'], QSUB_OPTS), { opts: [['h', ''], ['z', ''], ['l', 'select=1'], ['N', 'x']], operands: ['job.sh', '-q', 'w'] });
  t.deepEqual(getopt(['-N', 'x', '--', '/bin/echo', '-n'], QSUB_OPTS).operands, ['/bin/echo', '-n']);
  t.is(getopt(['-Y'], QSUB_OPTS).bad, 'Y');
  t.is(getopt(['-N'], QSUB_OPTS).bad, 'N', 'a missing value is an error');
  t.deepEqual(getopt(['1.srv', '-x', '2.srv'], 'x', true), { opts: [['x', '']], operands: ['1.srv', '2.srv'] }, 'permuted, as qstat takes them');
});

test('directives: until the first command line; quotes and trailing comments', (t) => {
  const script = '#!/bin/bash\n\n#PBS -N "my job"\n# plain comment\n#PBS -l walltime=1:00 # why\n#PBSX -q ignored\necho hi\n#PBS -q late\n';
  t.deepEqual(directives(script), ['-N', 'my job', '-l', 'walltime=1:00']);
  t.deepEqual(directives('#$ -N sge\n#PBS -N pbs\n', '#$'), ['-N', 'sge']);
  t.deepEqual(shellSplit(`-v "a=1,b='x y'" -N ''`), ['-v', "a=1,b='x y'", '-N', '']);
});

test('-a dates: [[[[CC]YY]MM]DD]hhmm[.SS], the next such time without a day', (t) => {
  const now = new Date('2026-11-25T10:00:00Z');
  const cases: Array<[string, string | undefined]> = [
    ['1130', '2026-11-25T11:30:00.000Z'],
    ['0930', '2026-11-26T09:30:00.000Z'],
    ['2612011200.30', '2026-12-01T12:00:30.000Z'],
    ['202701011200', '2027-01-01T12:00:00.000Z'],
    ['2561', undefined], ['12', undefined], ['abc', undefined], ['13451200', undefined],
  ];
  for (const [text, want] of cases) {
    const got = parseExecTime(text, now);
    t.is(got === undefined ? undefined : new Date(got * 1000).toISOString(), want, text);
  }
});

test('-v lists: values, names taken from the environment, quoted commas', (t) => {
  t.deepEqual(parseVariableList(`a=10,var2='A,B',HOME`, { HOME: '/h' }), { a: '10', var2: 'A,B', HOME: '/h' });
  t.is(parseVariableList('1bad=x', {}), undefined);
});

const base = { script: '#!/bin/sh\n#PBS -N fromdir\n#PBS -l walltime=1:00,ncpus=2\ntrue\n', scriptName: 'job.sh', env: { HOME: '/home/a', PATH: '/bin', SHELL: '/bin/bash' }, cwd: '/work', host: 'h1', user: 'a', now: new Date('2026-11-25T10:00:00Z') };

test('buildSpec: command line wins over directives; -l merges per resource; PBS_O_* filled', (t) => {
  const argv = ['-N', 'cli', '-l', 'walltime=2:00', '-p', '-5', '-r', 'n', '-j', 'oe', '-W', 'depend=afterok:1.h1', '-z'];
  const { spec, quiet } = buildSpec({ ...base, argv }, getopt(argv, QSUB_OPTS).opts);
  t.is(spec.name, 'cli');
  t.is(spec.resource_list, 'walltime=2:00,ncpus=2');
  t.is(spec.priority, -5);
  t.false(spec.rerunnable);
  t.true(spec.has_rerunnable);
  t.is(spec.join_path, 'oe');
  t.is(spec.depend, 'afterok:1.h1');
  t.true(quiet);
  t.deepEqual(spec.variables, { PBS_O_HOME: '/home/a', PBS_O_PATH: '/bin', PBS_O_SHELL: '/bin/bash', PBS_O_WORKDIR: '/work', PBS_O_HOST: 'h1', PBS_O_SYSTEM: 'Linux' });
  t.is(spec.workdir, '/work');
  t.is(spec.script_name, 'job.sh');
});

test('buildSpec: bad values are usage errors naming the option', (t) => {
  for (const [o, v] of [['p', '2000'], ['p', 'x'], ['r', 'maybe'], ['j', 'xx'], ['a', 'tomorrow'], ['m', 'q'], ['W', 'nonsense'], ['N', 'has space']] as const) {
    const e = t.throws(() => buildSpec({ ...base, argv: [] }, [[o, v]]), { instanceOf: QsubUsageError });
    t.is(e?.message, `illegal -${o} value`, `-${o} ${v}`);
  }
  t.throws(() => buildSpec({ ...base, argv: [] }, [['I', '']]), { message: /interactive/ });
  t.throws(() => buildSpec({ ...base, argv: [] }, [['q', 'bad queue!']]), { message: /illegally formed destination/ });
});

test('job ids, exit codes, times', (t) => {
  for (const id of ['1', '12.srv', '12.srv.example.com', '5[].srv', '5[3].srv', '7@srv']) t.true(validJobId(id), id);
  for (const id of ['', 'abc', '1.', '-1', '1 2']) t.false(validJobId(id), id);
  t.is(exitCode(15001), 153);
  t.is(exitCode(15139), 35);
  t.is(exitCode(15014), 166);
  t.is(ctime(Date.UTC(2020, 4, 14, 7, 4, 20) / 1000), 'Thu May 14 07:04:20 2020');
  t.is(ctime(Date.UTC(2020, 4, 4, 7, 4, 20) / 1000), 'Mon May  4 07:04:20 2020');
  t.is(hms(360000), '100:00:00');
});
