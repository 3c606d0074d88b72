/** Limits on a job spec (SPEC_LIMITS): each refused with the field it concerns and the limit. */
import test from 'ava';
import { checkSpec, SPEC_LIMITS } from '../../src/jobs/model.js';
import type { JobSpec__Output } from '../../src/gen/fleetq/v1/JobSpec.js';
import { FleetqError } from '../../src/util/errors.js';

const base: JobSpec__Output = {
  name: 'j', queue: '', script: 'true\n', resource_list: '', workdir: '/tmp', output_path: '', error_path: '', join_path: '', variables: {}, account: '',
  priority: 0, has_rerunnable: false, rerunnable: true, execution_time_unix: 0, mail_points: '', mail_users: '', shell: '', depend: '', hold: false,
  submit_args: '', submit_host: '', user: 'u', attributes: {}, script_name: '', array_indices: '', max_run_subjobs: 0,
};
const refused = (t: import('ava').ExecutionContext, s: Partial<JobSpec__Output>, field: string, re: RegExp): void => {
  const e = t.throws(() => checkSpec({ ...base, ...s }, 1 << 20), { instanceOf: FleetqError });
  t.is(e?.field, field);
  t.regex(e?.message ?? '', re);
};

test('within every limit: accepted', (t) => {
  t.notThrows(() => checkSpec({ ...base, variables: { BASH_FUNC_f: '() { :; }', PATH: '/bin' }, depend: 'afterok:1:2:3', attributes: { x: 'y' } }, 1 << 20));
});

test('paths beyond PATH_MAX, or with NUL', (t) => {
  refused(t, { workdir: `/${'d'.repeat(SPEC_LIMITS.path_chars)}` }, 'workdir', /^workdir: 4096 characters is over the limit of 4095 \(PATH_MAX\)$/);
  refused(t, { output_path: `/tmp/${'o'.repeat(5000)}` }, 'Output_Path', /over the limit of 4095/);
  refused(t, { error_path: '/tmp/a\0b' }, 'Error_Path', /NUL/);
});

test('the environment: names, one value, the whole', (t) => {
  refused(t, { variables: { 'A=B': '1' } }, 'Variable_List', /'A=B' is not a variable name/);
  refused(t, { variables: { BIG: 'x'.repeat(SPEC_LIMITS.env_value_bytes) } }, 'Variable_List', /^Variable_List: BIG: \d+ bytes is over the limit of 131072 for one variable$/);
  const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`V${i}`, 'x'.repeat(60 * 1024)]));
  refused(t, { variables: many }, 'Variable_List', /bytes is over the limit of 1048576 for the job's environment/);
  refused(t, { variables: Object.fromEntries(Array.from({ length: SPEC_LIMITS.env_vars + 1 }, (_, i) => [`V${i}`, ''])) }, 'Variable_List', /4097 variables is over the limit of 4096/);
});

test('dependencies, attributes, account, mail users', (t) => {
  refused(t, { depend: `afterok:${Array.from({ length: 101 }, (_, i) => i + 1).join(':')}` }, 'depend', /^depend: 101 jobs is over the limit of 100 dependencies$/);
  refused(t, { attributes: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`a${i}`, 'v'])) }, 'attributes', /65 attributes is over the limit of 64/);
  refused(t, { account: 'a'.repeat(256) }, 'Account_Name', /256 characters is over the limit of 255/);
  refused(t, { mail_users: 'm'.repeat(1025) }, 'Mail_Users', /over the limit of 1024/);
});
