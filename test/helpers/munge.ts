/**
 * A MUNGE daemon of the test's own: a fresh key and socket in a temporary directory (readable by
 * the unprivileged test users, so they can get credentials), started in the foreground as root
 * (--force) and stopped by the test. Debian's munge package (scripts/test-deps.sh) provides munged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Munged { socket: string; dir: string; stop(): Promise<void> }

export async function startMunged(): Promise<Munged> {
  const dir = mkdtempSync(join(tmpdir(), 'fq-munge-'));
  chmodSync(dir, 0o755);
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge.socket');
  const p: ChildProcess = spawn('munged', ['-F', '-f', '-S', socket, `--key-file=${key}`, `--log-file=${join(dir, 'munged.log')}`,
    `--pid-file=${join(dir, 'munged.pid')}`, `--seed-file=${join(dir, 'munged.seed')}`], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (p.exitCode !== null || Date.now() > end) throw new Error(`munged did not start (exit ${p.exitCode}); see ${dir}/munged.log`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socket, dir,
    stop: () => new Promise((resolve) => {
      if (p.exitCode !== null) { resolve(); return; }
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    }),
  };
}
