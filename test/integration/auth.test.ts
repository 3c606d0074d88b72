/**
 * Who may do what, on real parts: a MUNGE daemon of the test's own (helpers/munge.ts), a daemon
 * with auth.munge on, and credentials minted by real processes of the unprivileged users
 * fleetq-test and fleetq-other (scripts/test-deps.sh makes them). The caller is whoever the
 * credential names — never the name in the request; only a job's owner, an operator or a manager
 * may delete, hold, release or alter it; users cannot submit as others; operator holds are for
 * operators; auth.jobs_visible: own hides other users' jobs; auth.root_jobs: false refuses root's.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startDaemon, run, eventually, finishedJob, type DaemonHandle } from '../helpers/daemon.js';
import { startMunged, type Munged } from '../helpers/munge.js';
import { connect, type FleetqClient } from '../../src/client/index.js';
import { signHs256 } from '../../src/auth/jwt.js';

let m: Munged;
let d: DaemonHandle;
const cwd = mkdtempSync(join(tmpdir(), 'fq-auth-'));
chmodSync(cwd, 0o777);

/** A credential minted by `user`'s own process (runuser): what its commands would send. */
const credentialOf = (user: string, socket = m.socket): string => execFileSync('runuser', ['-u', user, '--', 'munge', '-n', '-S', socket], { encoding: 'utf8' }).trim();
const as = (user: string, o: { assert?: string } = {}): FleetqClient => connect({ address: d.address, mungeCredential: credentialOf(user), ...(o.assert ? { user: o.assert } : {}) });
const code = async (p: Promise<unknown>): Promise<{ code: number; details: string }> => {
  try { await p; return { code: grpc.status.OK, details: '' }; } catch (e) { const err = e as grpc.ServiceError; return { code: err.code, details: err.details }; }
};
const spec = (name: string, user = ''): { spec: { script: string; workdir: string; name: string; user: string } } => ({ spec: { script: 'id -un\nsleep 60\n', workdir: cwd, name, user } });

test.before(async () => {
  m = await startMunged();
  // The commands this file runs (helpers' run()) get their credentials from the test's munged.
  process.env.FLEETQ_MUNGE_SOCKET = m.socket;
  // Managers: root only; operators: nobody (so root acting as itself is a manager, fleetq-* are users).
  d = await startDaemon({ env: { FLEETQ_AUTH_MUNGE: 'on', FLEETQ_AUTH_MUNGE_SOCKET: m.socket, FLEETQ_SCHEDULER_INTERVAL: '300ms' } });
});
test.after.always(async () => { await d?.stop(); await m?.stop(); });

test.serial('a call without a credential, or with a bad one, is UNAUTHENTICATED and says what was wrong', async (t) => {
  t.is(statSync(d.socket).mode & 0o777, 0o666, 'with MUNGE every local user may reach the socket: each proves who they are');
  const none = await code(connect({ address: d.address, munge: false }).listJobs());
  t.is(none.code, grpc.status.UNAUTHENTICATED);
  t.regex(none.details, /x-fleetq-munge: no MUNGE credential/);
  const garbage = await code(connect({ address: d.address, mungeCredential: 'MUNGE:not-a-credential:' }).listJobs());
  t.is(garbage.code, grpc.status.UNAUTHENTICATED);
  t.regex(garbage.details, /x-fleetq-munge: MUNGE refused the credential: /);
  // A credential of another MUNGE realm (another key) is not this cluster's.
  const other = await startMunged();
  try {
    const foreign = await code(connect({ address: d.address, mungeCredential: credentialOf('fleetq-test', other.socket) }).listJobs());
    t.is(foreign.code, grpc.status.UNAUTHENTICATED);
    t.regex(foreign.details, /MUNGE refused the credential: Invalid credential/);
  } finally { await other.stop(); }
  // The commands say so in PBS's words, with the reason.
  const q = await run('qstat', [], { home: d.home, env: { FLEETQ_MUNGE_SOCKET: join(m.dir, 'absent.socket') } });
  t.not(q.code, 0);
  t.regex(q.stderr, /qstat: x-fleetq-munge: no MUNGE credential/);
});

test.serial('the job\'s owner is the user the credential names, whatever the request says; it runs as that user', async (t) => {
  // fleetq-test's credential, with a request that claims to be root: the job is fleetq-test's.
  const c = as('fleetq-test', { assert: 'root' });
  const { job } = await c.submitJob(spec('mine'));
  t.is(job.spec?.user, 'fleetq-test');
  t.regex(job.owner, /^fleetq-test@/);
  // Naming another owner outright is refused, naming the field.
  const other = await code(c.submitJob(spec('theirs', 'fleetq-other')));
  t.is(other.code, grpc.status.PERMISSION_DENIED);
  t.regex(other.details, /^spec\.user: Unauthorized Request: fleetq-test may not submit a job as fleetq-other/);
  const out = join(cwd, `mine.o${job.id.split('.')[0]}`);
  await eventually(async () => existsSync(out) && readFileSync(out, 'utf8').trim() !== '', 20000, 'the job running');
  t.is(readFileSync(out, 'utf8').trim(), 'fleetq-test', 'it runs as the credential\'s user');
  const del = await code(c.cancelJob({ id: job.id }));
  t.is(del.code, grpc.status.OK, 'its owner may delete it');
  const f = await finishedJob(d.home, job.id, 20000);
  t.regex(String(f.Job_Owner), /^fleetq-test@/);
});

test.serial('only the owner, an operator or a manager may delete, hold, release or alter a job', async (t) => {
  const owner = as('fleetq-test');
  const other = as('fleetq-other');
  const { job } = await owner.submitJob({ spec: { ...spec('held').spec, hold: true } });
  for (const [verb, p] of [
    ['delete', other.cancelJob({ id: job.id })],
    ['hold', other.holdJob({ id: job.id, hold_types: 'u' })],
    ['release', other.releaseJob({ id: job.id, hold_types: 'u' })],
    ['alter', other.alterJob({ id: job.id, spec: { name: 'mine-now' }, update_mask: ['name'] })],
  ] as const) {
    const r = await code(p);
    t.is(r.code, grpc.status.PERMISSION_DENIED, verb);
    t.regex(r.details, new RegExp(`Unauthorized Request: fleetq-other may not ${verb} job ${job.id.replace(/[.[\]]/g, '\\$&')} of fleetq-test`), verb);
  }
  // The owner may not set an operator hold; the manager (root) may, and may release it.
  const op = await code(owner.holdJob({ id: job.id, hold_types: 'o' }));
  t.is(op.code, grpc.status.PERMISSION_DENIED);
  t.regex(op.details, /hold type o is for operators and managers/);
  const root = connect({ address: d.address, munge: m.socket });
  t.is((await root.holdJob({ id: job.id, hold_types: 'o' })).job.hold_types.includes('o'), true);
  t.is((await code(owner.releaseJob({ id: job.id, hold_types: 'o' }))).code, grpc.status.PERMISSION_DENIED);
  t.false((await root.releaseJob({ id: job.id, hold_types: 'o' })).job.hold_types.includes('o'));
  // The owner alters and deletes it.
  t.is((await owner.alterJob({ id: job.id, spec: { name: 'renamed' }, update_mask: ['name'] })).job.spec?.name, 'renamed');
  t.is((await code(owner.cancelJob({ id: job.id }))).code, grpc.status.OK);
});

test.serial('with no managers, jobs visible to their owners only and no root jobs: the commands refuse in PBS\'s words', async (t) => {
  const d2 = await startDaemon({ env: { FLEETQ_AUTH_MUNGE: 'on', FLEETQ_AUTH_MUNGE_SOCKET: m.socket, FLEETQ_AUTH_MANAGERS: '', FLEETQ_AUTH_JOBS_VISIBLE: 'own', FLEETQ_AUTH_ROOT_JOBS: 'false' } });
  try {
    const { job } = await connect({ address: d2.address, mungeCredential: credentialOf('fleetq-test') }).submitJob({ spec: { ...spec('private').spec, hold: true } });
    const env = { FLEETQ_MUNGE_SOCKET: m.socket };
    // Root is a plain user here: not the owner, not a manager.
    const del = await run('qdel', [job.id], { home: d2.home, env });
    t.not(del.code, 0);
    t.regex(del.stderr, new RegExp(`^qdel: Unauthorized Request ${job.id.replace(/[.[\]]/g, '\\$&')}$`, 'm'));
    t.regex(del.stderr, /root may not delete job .* of fleetq-test \(only its owner, an operator or a manager\)/);
    // Other users' jobs are not listed, nor shown.
    const list = await run('qstat', [], { home: d2.home, env });
    t.is(list.code, 0, list.stderr);
    t.notRegex(list.stdout, /private/);
    const one = await run('qstat', ['-f', job.id], { home: d2.home, env });
    t.not(one.code, 0);
    t.regex(one.stderr, /Unauthorized Request/);
    // The owner sees it.
    const mine = await connect({ address: d2.address, mungeCredential: credentialOf('fleetq-test') }).listJobs({});
    t.true(mine.jobs.some((j) => j.id === job.id));
    // Root's jobs are refused.
    const q = await run('qsub', [], { home: d2.home, env, input: 'true\n', cwd });
    t.not(q.code, 0);
    t.regex(q.stderr, /qsub: Bad UID for job execution \(spec\.user: .*auth\.root_jobs\)/);
  } finally { await d2.stop(); }
});

test.serial('auth.rate_limit: a user past N requests a second is refused with RESOURCE_EXHAUSTED saying when to retry; others are not', async (t) => {
  const d3 = await startDaemon({ env: { FLEETQ_AUTH_MUNGE: 'on', FLEETQ_AUTH_MUNGE_SOCKET: m.socket, FLEETQ_AUTH_RATE_LIMIT: '5' } });
  try {
    const flood = connect({ address: d3.address, mungeCredential: credentialOf('fleetq-test') });
    const results = await Promise.all(Array.from({ length: 30 }, () => code(flood.listJobs({}))));
    const limited = results.filter((r) => r.code === grpc.status.RESOURCE_EXHAUSTED);
    t.true(limited.length >= 15, `${limited.length} of 30 refused (burst 10)`);
    t.regex(limited[0]?.details ?? '', /^requests: fleetq-test is over 5 requests per second \(auth\.rate_limit\); retry in \d+ ms$/);
    // Another user has a bucket of its own; the flooder gets through again after a pause.
    t.is((await code(connect({ address: d3.address, mungeCredential: credentialOf('fleetq-other') }).listJobs({}))).code, grpc.status.OK);
    await new Promise((r) => setTimeout(r, 1100));
    t.is((await code(flood.listJobs({}))).code, grpc.status.OK);
  } finally { await d3.stop(); }
});

test.serial('services by JWT (HS256, auth.jwt_key): a service acts only for the users auth.services allows; a bad token says what is wrong', async (t) => {
  const key = randomBytes(32);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'fq-jwt-')), 'jwt.key');
  writeFileSync(keyFile, key, { mode: 0o600 });
  const d4 = await startDaemon({ env: { FLEETQ_AUTH_MUNGE: 'on', FLEETQ_AUTH_MUNGE_SOCKET: m.socket, FLEETQ_AUTH_JWT_KEY: keyFile, FLEETQ_AUTH_SERVICES: 'portal:fleetq-test' } });
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = signHs256({ sub: 'portal', exp: now + 300 }, key);
    const forUser = connect({ address: d4.address, token, user: 'fleetq-test', munge: false });
    const { job } = await forUser.submitJob(spec('via-portal'));
    t.is(job.spec?.user, 'fleetq-test', 'the portal submitted for the user it may act for');
    const other = await code(connect({ address: d4.address, token, user: 'fleetq-other', munge: false }).submitJob(spec('not-yours')));
    t.is(other.code, grpc.status.PERMISSION_DENIED);
    t.regex(other.details, /^x-fleetq-user: Unauthorized Request: service portal may not act for fleetq-other \(auth\.services\)$/);
    const cases: Array<[string, RegExp]> = [
      [signHs256({ sub: 'portal', exp: now - 10 }, key), /^authorization: the token expired at /],
      [signHs256({ sub: 'portal', exp: now + 300 }, randomBytes(32)), /^authorization: the signature does not match this cluster's key$/],
      [signHs256({ sub: 'portal' }, key), /^authorization: the token has no exp \(expiry\) claim$/],
      ['not.a.jwt', /^authorization: not a JWT/],
    ];
    for (const [tok, re] of cases) {
      const r = await code(connect({ address: d4.address, token: tok, user: 'fleetq-test', munge: false }).listJobs({}));
      t.is(r.code, grpc.status.UNAUTHENTICATED, String(re));
      t.regex(r.details, re);
    }
    // A daemon with no key takes no service tokens, and says so.
    const noKey = await code(connect({ address: d.address, token, munge: false }).listJobs({}));
    t.is(noKey.code, grpc.status.UNAUTHENTICATED);
    t.regex(noKey.details, /auth\.jwt_key is not set/);
  } finally { await d4.stop(); }
});

test.serial('pbsnodes -o / -r / -C: operators and managers only; an offline node takes nothing new, and says why', async (t) => {
  const node = (await connect({ address: d.address, munge: m.socket }).listNodes({})).nodes[0]!.name;
  // A plain user may not.
  const user = await code(as('fleetq-test').setNode({ name: node, set_offline: true, offline: true }));
  t.is(user.code, grpc.status.PERMISSION_DENIED);
  t.regex(user.details, /only operators and managers may change nodes \(fleetq-test is neither\)/);
  // Root, a manager, through the command (its credential from the test's munged).
  const off = await run('pbsnodes', ['-o', '-C', 'disk swap', node], { home: d.home });
  t.is(off.code, 0, off.stderr);
  const shown = (await run('pbsnodes', ['-a'], { home: d.home })).stdout;
  t.regex(shown, /state = offline/);
  t.regex(shown, /comment = disk swap/);
  const { job } = await as('fleetq-test').submitJob({ spec: { script: 'true\n', workdir: cwd, name: 'waits' } });
  await new Promise((r) => setTimeout(r, 1500));
  t.is((await as('fleetq-test').getJob({ id: job.id })).state_letter, 'Q', 'nothing new starts on an offline node');
  t.is((await run('pbsnodes', ['-r', node], { home: d.home })).code, 0);
  t.regex((await run('pbsnodes', ['-a'], { home: d.home })).stdout, /state = (free|job-busy)/);
  await eventually(async () => ['R', 'F'].includes((await as('fleetq-test').getJob({ id: job.id })).state_letter), 20000, 'the job starts once the node is back');
  const unknown = await run('pbsnodes', ['-o', 'no-such-node'], { home: d.home });
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /pbsnodes: Unknown node {2}no-such-node/);
});
