/**
 * Nothing acknowledged is lost: the crash harness (helpers/crash.ts) in its short form — 20 SIGKILLs
 * of the daemon at random moments while 8 clients submit with idempotency keys and retry. The long
 * form is `npm run bench crash`.
 */
import test from 'ava';
import { crashTest } from '../helpers/crash.js';

test('20 kills -9 of the daemon under 8 submitting clients: every acknowledged job exactly once, none stranded, no run twice at a time', async (t) => {
  t.timeout(170_000);
  const c = await crashTest({ kills: 20, clients: 8, lifeMs: [300, 900], runEvery: 5, pauseMs: 20, log: (l) => t.log(l) });
  t.log(JSON.stringify(c));
  t.is(c.kills, 20);
  t.is(c.restarts, 20, 'the store opened cleanly after every kill');
  t.true(c.acknowledged >= 100, `${c.acknowledged} acknowledged`);
  t.true(c.attempts > c.acknowledged, 'some submits failed mid-crash and were retried');
  t.is(c.found, c.acknowledged);
  t.is(c.lost, 0);
  t.is(c.duplicates, 0);
  t.is(c.stranded, 0);
  t.is(c.overlapping_runs, 0);
  t.true(c.runs > 0);
});
