import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { Store, SCHEMA_VERSION, StoreError } from '../../src/store/index.js';

type J = { seq: number; v: string };
const dir = (): string => mkdtempSync(join(tmpdir(), 'fq-store-'));
const ev = (seq: number, revision: number, kind = 'k') => ({ seq, revision, kind, state: 'Q', time_unix: 0, message: '' });

test('a new store records its schema version', async (t) => {
  const s = await Store.open<J, { name: string }, { name: string }>(dir());
  t.is(s.schemaVersion(), SCHEMA_VERSION);
  t.is(s.nextSeq(), 1);
  t.is(s.revision(), 0);
  await s.close();
});

test('a store from a newer schema is refused, not rewritten', async (t) => {
  const d = dir();
  const raw = open({ path: join(d, 'fleetq.mdb'), maxDbs: 16 });
  await raw.openDB({ name: 'meta' }).put('schema', SCHEMA_VERSION + 1);
  await raw.close();
  await t.throwsAsync(Store.open(d), { instanceOf: StoreError, message: /schema version 2/ });
});

test('a batch is all-or-nothing visible and survives reopening', async (t) => {
  const d = dir();
  const s = await Store.open<J, { name: string }, { name: string }>(d);
  await s.commit({ jobs: [{ seq: 1, v: 'a' }, { seq: 2, v: 'b' }], events: [ev(1, 1), ev(2, 2), ev(1, 3, 'again')], requests: [['r1', 2]], meta: { next_seq: 3, revision: 3 } });
  await s.close();
  const r = await Store.open<J, { name: string }, { name: string }>(d);
  t.deepEqual(r.allJobs().map((j) => j.v), ['a', 'b']);
  t.deepEqual(r.jobEvents(1).map((e) => e.kind), ['k', 'again']);
  t.deepEqual([...r.eventsAfter(1)].map((e) => [e.seq, e.revision]), [[2, 2], [1, 3]]);
  t.is(r.seqForRequest('r1'), 2);
  t.is(r.nextSeq(), 3);
  t.is(r.revision(), 3);
  await r.close();
});

test('concurrent commits all land (they share transactions)', async (t) => {
  const s = await Store.open<J, { name: string }, { name: string }>(dir());
  await Promise.all(Array.from({ length: 500 }, (_, i) => s.commit({ jobs: [{ seq: i + 1, v: String(i) }], meta: { next_seq: i + 2 } })));
  t.is(s.allJobs().length, 500);
  t.is(s.nextSeq(), 501, 'the last write of the counter wins, in call order');
  await s.close();
});
