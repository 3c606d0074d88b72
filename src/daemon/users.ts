/**
 * Which uid/gid a job runs as. A daemon running as root runs each job as its owner (looked up in
 * /etc/passwd); a daemon running as a user runs every job as that user. The owner is the
 * authenticated caller who submitted it (src/api/auth.ts).
 */
import { accountByName } from '../util/passwd.js';

export function userIds(user: string): { uid: number; gid: number } {
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  if (self.uid !== 0) return self;
  const a = accountByName(user);
  return a ? { uid: a.uid, gid: a.gid } : { uid: 65534, gid: 65534 }; // an owner this machine does not know runs as nobody, never as root
}
