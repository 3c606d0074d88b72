/**
 * The cluster's own certificate authority for agents (mutual TLS), made with the openssl command
 * every HPC node has: `fleetq admin ca` makes the CA (EC P-256, ten years), `fleetq admin cert NAME`
 * a node certificate (CN and DNS SAN = the node name, clientAuth), `fleetq admin cert NAME --server
 * --san IP:10.0.0.5,DNS:head` the daemon's (serverAuth). Files: DIR/ca.{crt,key}, DIR/NAME.{crt,key}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };

/** Makes the CA in `dir` (refuses to replace one: every certificate it signed would stop working). */
export function initCa(dir: string, name: string): { crt: string; key: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const crt = join(dir, 'ca.crt'); const key = join(dir, 'ca.key');
  if (existsSync(crt) || existsSync(key)) throw new Error(`${dir} already has a CA (ca.crt, ca.key); remove it first to make a new one`);
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '3650',
    '-subj', `/CN=fleetq cluster CA ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { crt, key };
}

/** Issues NAME's certificate from the CA in `dir`: a node's (client) or the daemon's (server, with `sans`). */
export function issueCert(dir: string, name: string, o: { server?: boolean; sans?: string[] } = {}): { crt: string; key: string } {
  if (!/^[\w.-]{1,64}$/.test(name)) throw new Error(`'${name}' is not a node or host name`);
  const ca = join(dir, 'ca.crt'); const caKey = join(dir, 'ca.key');
  if (!existsSync(ca) || !existsSync(caKey)) throw new Error(`${dir} has no CA: make one with 'fleetq admin ca'`);
  for (const s of o.sans ?? []) if (!/^(DNS:[\w.*-]+|IP:[\d.:a-fA-F]+)$/.test(s)) throw new Error(`--san: '${s}' is not DNS:name or IP:address`);
  const crt = join(dir, `${name}.crt`); const key = join(dir, `${name}.key`); const csr = join(dir, `${name}.csr`); const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, [
    `subjectAltName=${[`DNS:${name}`, ...(o.sans ?? [])].join(',')}`,
    `extendedKeyUsage=${o.server ? 'serverAuth' : 'clientAuth'}`,
    'keyUsage=critical,digitalSignature',
  ].join('\n') + '\n');
  try {
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
    run(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', '825', '-extfile', ext]);
  } finally { rmSync(csr, { force: true }); rmSync(ext, { force: true }); }
  return { crt, key };
}
