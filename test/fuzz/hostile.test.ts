/**
 * Hostile input: fast-check generates 10,000 cases for each way input reaches fleetq — the PBS
 * resource language, qsub's options and #PBS directives, job ids, SWF records, the configuration —
 * from near-valid grammar (the inputs that find edge cases) and plain noise. Each must be taken or
 * refused with a clear error naming what is wrong (the field, the option, the SWF line), never an
 * exception of another kind. Every gRPC request message is covered by test/fuzz/grpc.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { parseResourceList } from '../../src/jobs/resources.js';
import { buildSpec, QsubUsageError, QSUB_OPTS } from '../../src/cli/pbs/qsub-args.js';
import { getopt, validJobId } from '../../src/cli/pbs/common.js';
import { parseJobId } from '../../src/jobs/model.js';
import { parseArrayId } from '../../src/jobs/arrays.js';
import { SwfParser } from '../../src/sim/swf.js';
import { loadConfig, ConfigError, KEYS } from '../../src/config/index.js';
import { FleetqError } from '../../src/util/errors.js';

const RUNS = 10_000;
const pick = <T>(...xs: T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const noise = fc.string({ unit: 'binary', maxLength: 40 });
const word = fc.oneof(
  pick('', '0', '1', '2', '-1', '36', '1000001', '1.5', 'x', 'true', 'false', '8gb', '512mb', '12qb', '1:00:00', '00:00:99', '99999999999999999999',
    'free', 'pack', 'scatter', 'excl', 'group=placement_group', 'spot', 'ondemand', 'c5n.18xlarge', 'SIGUSR1', 'SIGFOO', '%', '=', ':', '+', ','),
  fc.string({ maxLength: 8 }),
);
const res = pick('select', 'ncpus', 'mem', 'ngpus', 'mpiprocs', 'ompthreads', 'walltime', 'place', 'nodes', 'cput', 'efa', 'capacity', 'instance_type', 'checkpoint_signal', 'host', 'vnode', 'arch', 'foo', '');
const chunk = fc.array(fc.tuple(res, word).map(([k, v]) => `${k}=${v}`), { maxLength: 4 }).chain((parts) => fc.tuple(fc.option(pick('1', '2', '0', '-3', 'x')), fc.constant(parts)))
  .map(([n, parts]) => [...(n === null ? [] : [n]), ...parts].join(':'));
const select = fc.array(chunk, { minLength: 1, maxLength: 3 }).map((cs) => `select=${cs.join('+')}`);
const resourceList = fc.oneof(
  fc.array(fc.oneof(select, fc.tuple(res, word).map(([k, v]) => `${k}=${v}`)), { maxLength: 4 }).map((xs) => xs.join(',')),
  noise,
);

/** A refusal names its field: FleetqError with a field, whose message starts with that field. */
function namesField(e: unknown): boolean {
  return e instanceof FleetqError && typeof e.field === 'string' && e.field !== '' && e.message.startsWith(e.field.split(' ')[0] ?? '\u0000');
}

test('PBS resource language (-l): parsed, or refused naming the resource', (t) => {
  fc.assert(fc.property(resourceList, (list) => {
    try { parseResourceList(list); } catch (e) {
      if (!namesField(e)) throw new Error(`'${list}': ${(e as Error).constructor.name}: ${(e as Error).message}`);
    }
  }), { numRuns: RUNS });
  t.pass();
});

const opt = fc.oneof(pick(...QSUB_OPTS.replace(/:/g, '').split('')), pick('Z', 'x', 'b', 'K', '-'));
const value = fc.oneof(word, resourceList, pick('oe', 'eo', 'n', 'y', '1-10', '1-10:2%3', '0-99999999', 'depend=afterok:1', 'depend=before:2', 'A=1,B', 'a,b,c', '202612312359', '-1', 'workq', 'nosuch@host'));

test('qsub options and #PBS directives: a job spec, or a usage error naming the option', (t) => {
  fc.assert(fc.property(fc.array(fc.tuple(opt, value), { maxLength: 5 }), fc.array(fc.tuple(opt, value), { maxLength: 5 }), fc.option(noise), (dirs, args, junk) => {
    const script = ['#!/bin/bash', ...dirs.map(([o, v]) => `#PBS -${o} ${v}`), ...(junk === null ? [] : [`#PBS ${junk}`]), 'echo hi'].join('\n');
    const parsed = getopt(args.flatMap(([o, v]) => [`-${o}`, v]), QSUB_OPTS);
    if (parsed.bad) return; // the command line's own getopt error ("qsub: invalid option -- 'x'") is printed before this
    try {
      buildSpec({ script, scriptName: 'job.sh', cwd: '/tmp', host: 'h', user: 'u', env: { HOME: '/tmp', PATH: '/bin' }, argv: [], now: new Date(2026, 0, 1) }, parsed.opts);
    } catch (e) {
      const ok = (e instanceof QsubUsageError && /-[A-Za-z]\b|directive error|destination/.test(e.message)) || namesField(e);
      if (!ok) throw new Error(`${JSON.stringify({ dirs, args, junk })}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
    }
  }), { numRuns: RUNS });
  t.pass();
});

test('job ids: what validJobId accepts parses, the rest is refused quietly', (t) => {
  const id = fc.oneof(
    fc.tuple(fc.nat(), fc.option(fc.oneof(pick('[]'), fc.nat(200).map((i) => `[${i}]`), pick('[', '[x]', '[-1]'))), fc.option(pick('.vm', '.hpc1.example.com', '.', '.a b')), fc.option(pick('@vm', '@'))).map(([n, a, s, at]) => `${n}${a ?? ''}${s ?? ''}${at ?? ''}`),
    noise,
  );
  fc.assert(fc.property(id, (x) => {
    const ok = validJobId(x);
    const core = x.replace(/@[\w.-]+$/, ''); // the commands strip @server
    const seq = parseJobId(core);
    const arr = parseArrayId(core);
    const n = Number(/^\d+/.exec(x)?.[0] ?? NaN);
    // Job numbers start at 1: 0 (and numbers past 2^53) are valid syntax for no job.
    if (ok && seq === undefined && arr === undefined && n > 0 && Number.isSafeInteger(n)) throw new Error(`'${x}' is valid but parses to nothing`);
    if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) throw new Error(`'${x}' parses to ${seq}`);
  }), { numRuns: RUNS });
  t.pass();
});

test('SWF records: taken, or refused naming the line and field', (t) => {
  const field = fc.oneof(fc.integer({ min: -2, max: 100000 }).map(String), pick('-1', '0', '1.5', '1e3', 'x', '', '-0', '+4'), fc.string({ maxLength: 4 }));
  const line = fc.oneof(
    fc.array(field, { minLength: 16, maxLength: 20 }).map((f) => f.join(' ')),
    fc.array(field, { maxLength: 25 }).map((f) => f.join('\t')),
    pick('; MaxProcs: 128', '; MaxNodes: x', ';', ''),
    noise,
  );
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
    const p = new SwfParser({ procs: 128 });
    for (const [i, l] of lines.entries()) {
      try { p.line(l); } catch (e) {
        if (!(e instanceof FleetqError && new RegExp(`^SWF line ${i + 1}: \\S`).test(e.message))) throw new Error(`${JSON.stringify(l)}: ${(e as Error).message}`);
        return;
      }
    }
  }), { numRuns: RUNS });
  t.pass();
});

test('the configuration: every bad value refused, each problem naming its key', (t) => {
  const keys = KEYS.map(([k]) => k);
  const val = fc.oneof(word, noise, pick('5s', '0', '-1', '1e9', '10m', 'on', 'off', 'auto', 'own', 'all', 'yes', '[]', '{}', '- {name: q}', '[{name: "1bad"}]', '[{name: q, backfill: later}]', '[{name: q, priority: x}]', '[{name: q, enabled: maybe}]', '[null]', '-', 'root,alice'));
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), val), { minLength: 1, maxLength: 4 }), (pairs) => {
    const overrides = Object.fromEntries(pairs);
    try { loadConfig({ FLEETQ_HOME: '/nonexistent-fleetq-home' }, overrides); } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`${JSON.stringify(overrides)}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
      for (const p of e.problems) if (!keys.some((k) => p.startsWith(k) || p.startsWith(k.split('.')[0] ?? ''))) throw new Error(`problem names no key: ${p}`);
    }
  }), { numRuns: RUNS });
  t.pass();
});
