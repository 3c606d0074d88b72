/**
 * JSON Web Tokens for services (portals, gateways), as slurmrestd's JWT authentication: HS256,
 * signed with a key from a file the config names (auth.jwt_key). The token's `sub` names the
 * service; `exp` is required. Which users a service may act for is the config's word
 * (auth.services), not the token's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class JwtError extends Error {}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64url');

/** The claims of a valid token; JwtError saying what is wrong otherwise. */
export function verifyHs256(token: string, key: Buffer, nowS = Math.floor(Date.now() / 1000)): { sub: string; exp: number } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a JWT (header.payload.signature)');
  const [h, p, sig] = parts as [string, string, string];
  let header: { alg?: unknown; typ?: unknown };
  let claims: { sub?: unknown; exp?: unknown; nbf?: unknown };
  try { header = JSON.parse(b64(h).toString('utf8')) as typeof header; claims = JSON.parse(b64(p).toString('utf8')) as typeof claims; } catch { throw new JwtError('not a JWT (its parts are not base64url JSON)'); }
  if (header.alg !== 'HS256') throw new JwtError(`alg '${String(header.alg)}' is not accepted (HS256 only)`);
  const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const got = b64(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new JwtError('the signature does not match this cluster\'s key');
  if (typeof claims.exp !== 'number') throw new JwtError('the token has no exp (expiry) claim');
  if (claims.exp <= nowS) throw new JwtError(`the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === 'number' && claims.nbf > nowS + 60) throw new JwtError('the token is not valid yet (nbf)');
  if (typeof claims.sub !== 'string' || !/^[\w.-]{1,64}$/.test(claims.sub)) throw new JwtError('the token\'s sub (the service) is missing or not a name');
  return { sub: claims.sub, exp: claims.exp };
}

/** Signs claims with HS256 (the tests use it; there is no `fleetq admin` command that mints tokens yet). */
export function signHs256(claims: Record<string, unknown>, key: Buffer): string {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', key).update(`${h}.${p}`).digest('base64url')}`;
}

/** auth.services entries `NAME:user1|user2` or `NAME:*` → which users each service may act for. */
export function parseServices(entries: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of entries) {
    const m = /^([\w.-]{1,64}):(\*|[\w.-]+(?:\|[\w.-]+)*)$/.exec(e);
    if (!m) throw new Error(`auth.services: '${e}' is not NAME:user1|user2 or NAME:*`);
    out.set(m[1]!, new Set(m[2]!.split('|')));
  }
  return out;
}
