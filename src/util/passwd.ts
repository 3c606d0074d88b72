/**
 * The local account database (/etc/passwd), read once and again only when the file changes (one
 * stat per look-up): the daemon looks accounts up on every authenticated call and every launch.
 */
import { readFileSync, statSync } from 'node:fs';

export interface Account { name: string; uid: number; gid: number; home: string; shell: string }

const PASSWD = '/etc/passwd';
let cache: { mtimeMs: number; size: number; byUid: Map<number, Account>; byName: Map<string, Account> } | undefined;

function load(): NonNullable<typeof cache> {
  let st: { mtimeMs: number; size: number };
  try { st = statSync(PASSWD); } catch { st = { mtimeMs: -1, size: -1 }; }
  if (cache && cache.mtimeMs === st.mtimeMs && cache.size === st.size) return cache;
  const byUid = new Map<number, Account>();
  const byName = new Map<string, Account>();
  let text = '';
  try { text = readFileSync(PASSWD, 'utf8'); } catch { /* no passwd */ }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || f[0] === '' || f[2] === '' || f[3] === '') continue;
    const a: Account = { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
    if (!byUid.has(a.uid)) byUid.set(a.uid, a); // the first entry wins, as getpwuid
    if (!byName.has(a.name)) byName.set(a.name, a);
  }
  cache = { ...st, byUid, byName };
  return cache;
}

export function accountByUid(uid: number): Account | undefined { return load().byUid.get(uid); }
export function accountByName(name: string): Account | undefined { return load().byName.get(name); }
