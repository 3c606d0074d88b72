/** The committed TypeScript types in src/gen/ match proto/ (run `npm run gen:types` after editing a .proto). */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './helpers/daemon.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}
/** The generator writes the absolute .proto path in a comment; compare without it. */
const norm = (text: string): string => text.replace(/^\/\/ Original file: .*$/gm, '');

test('src/gen is what the generator makes from proto/', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fq-gen-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-proto.mjs'), '--out', join(out, 'fleetq.json'), '--types', '--types-dir', join(out, 'gen')], { stdio: 'pipe' });
  const want = files(join(out, 'gen')).map((f) => relative(join(out, 'gen'), f)).sort();
  const have = files(join(ROOT, 'src', 'gen')).map((f) => relative(join(ROOT, 'src', 'gen'), f)).sort();
  t.deepEqual(have, want, 'the same files');
  for (const f of want) {
    t.is(norm(readFileSync(join(ROOT, 'src', 'gen', f), 'utf8')), norm(readFileSync(join(out, 'gen', f), 'utf8')), `${f} is current (npm run gen:types)`);
  }
});
