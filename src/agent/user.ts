/**
 * Running a job's processes as its owner, as PBS's MoM does: the uid and gid the daemon resolved,
 * the owner's supplementary groups (initgroups, through util-linux's setpriv), and the login
 * environment of the owner's account on this node (HOME, USER, LOGNAME, SHELL from its passwd).
 * An agent that is not root runs everything as itself; a job owned by root runs as root.
 */
import { spawnSync } from 'node:child_process';
import { accountByUid } from '../util/passwd.js';

let setprivUsable: boolean | undefined;
function canSetpriv(): boolean {
  setprivUsable ??= spawnSync('setpriv', ['--version']).status === 0;
  return setprivUsable;
}

/** How a command is started as `uid`/`gid`: the command line, and ids for spawn() when it must set them itself. */
export interface AsUser { cmd: string; args: string[]; ids?: { uid: number; gid: number }; how: 'self' | 'root' | 'setpriv' | 'setuid' }

export function asUser(cmd: string, args: readonly string[], uid: number, gid: number): AsUser {
  if (process.getuid?.() !== 0) return { cmd, args: [...args], how: 'self' };
  if (uid === 0) return { cmd, args: [...args], how: 'root' };
  if (canSetpriv()) {
    // --init-groups needs the account in passwd; an unknown uid gets no supplementary groups.
    const groups = accountByUid(uid) ? '--init-groups' : '--clear-groups';
    return { cmd: 'setpriv', args: ['--reuid', String(uid), '--regid', String(gid), groups, '--', cmd, ...args], how: 'setpriv' };
  }
  return { cmd, args: [...args], ids: { uid, gid }, how: 'setuid' };
}

/** The login environment of `uid`'s account here (over what the job carries). */
export function loginEnv(uid: number, fallbackHome: string): Record<string, string> {
  const a = accountByUid(uid);
  if (!a) return { HOME: fallbackHome };
  return { HOME: a.home || fallbackHome, USER: a.name, LOGNAME: a.name, ...(a.shell ? { SHELL: a.shell } : {}) };
}
