/**
 * One daemon per FLEETQ_HOME, one agent per state directory: a pid file that names the running
 * process. A stale file (its process gone, as after kill -9) is taken over; a live one makes the
 * second process refuse to start.
 */
import { openSync, readFileSync, writeSync, closeSync, unlinkSync, constants } from 'node:fs';

export class AlreadyRunning extends Error {
  constructor(readonly pid: number, readonly path: string, what: 'daemon' | 'agent' = 'daemon') {
    super(`another fleetq ${what} (pid ${pid}) is already running on this ${what === 'daemon' ? 'FLEETQ_HOME' : 'state directory'} (${path}); stop it first`);
    this.name = 'AlreadyRunning';
  }
}

function running(pid: number, what: string): boolean {
  if (!(pid > 0) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(what);
  } catch { return false; }
}

/** Takes the lock or throws AlreadyRunning. Returns a function that releases it. */
export function acquireLock(path: string, what: 'daemon' | 'agent' = 'daemon'): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => { try { if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path); } catch { /* gone */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = 0;
      try { pid = Number(readFileSync(path, 'utf8').trim()); } catch { /* raced with its removal */ }
      if (running(pid, what)) throw new AlreadyRunning(pid, path, what);
      try { unlinkSync(path); } catch { /* someone else took it over */ }
    }
  }
  throw new AlreadyRunning(0, path, what);
}
