/**
 * Agents by mutual TLS: `fleetq admin ca` and `fleetq admin cert` (openssl) make the cluster CA, the
 * daemon's certificate and nodes' certificates; the daemon takes agents on agent.listen with TLS
 * both ways. An agent with its node's certificate registers; one with a certificate of another CA,
 * or none, never does; one whose certificate names another node is refused, saying so.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, eventually, freePort, BIN, type DaemonHandle } from '../helpers/daemon.js';

const agents: ChildProcess[] = [];
let d: DaemonHandle | undefined;
test.after.always(async () => { for (const a of agents) try { a.kill('SIGKILL'); } catch { /* gone */ } await d?.stop(); });

test('mutual TLS for agents: the right certificate registers; another CA, none, or another node\'s name is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fq-tls-'));
  const ca = join(dir, 'ca');
  const admin = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => run('fleetq', ['admin', ...args, '--dir', ca]);
  t.is((await admin(['ca'])).code, 0);
  t.regex((await admin(['ca'])).stderr, /already has a CA/, 'a CA is never replaced by accident');
  t.is((await admin(['cert', 'daemon', '--server', '--san', 'IP:127.0.0.1'])).code, 0);
  for (const n of ['tlsnode', 'othernode']) t.is((await admin(['cert', n])).code, 0);
  const bad = await admin(['cert', 'x', '--san', 'nonsense']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--san: 'nonsense' is not DNS:name or IP:address/);
  // A second, foreign CA and a node certificate from it.
  const foreign = join(dir, 'foreign');
  await run('fleetq', ['admin', 'ca', '--dir', foreign]);
  await run('fleetq', ['admin', 'cert', 'tlsnode', '--dir', foreign]);

  const port = await freePort();
  d = await startDaemon({ env: { FLEETQ_AGENT_LISTEN: `127.0.0.1:${port}`, FLEETQ_TLS_CA: join(ca, 'ca.crt'), FLEETQ_TLS_CERT: join(ca, 'daemon.crt'), FLEETQ_TLS_KEY: join(ca, 'daemon.key') } });
  await eventually(async () => /agents: mutual TLS with the cluster CA/.test(d!.log()), 10000, 'the TLS listener');
  const agent = (node: string, certDir: string, certName = node): ChildProcess => {
    const state = join(dir, `state-${node}-${agents.length}`);
    mkdirSync(state, { recursive: true });
    const a = spawn(process.execPath, [join(BIN, 'fleetq'), 'agent', '--node', node, '--server', `127.0.0.1:${port}`, '--state-dir', state, '--ncpus', '1', '--mem', String(2 ** 30),
      '--tls-ca', join(ca, 'ca.crt'), '--tls-cert', join(certDir, `${certName}.crt`), '--tls-key', join(certDir, `${certName}.key`)], { stdio: 'ignore' });
    agents.push(a);
    return a;
  };
  const nodes = async (): Promise<string> => (await run('pbsnodes', ['-a'], { home: d!.home })).stdout;
  // Refused first (so that the good one's registration cannot hide theirs).
  agent('tlsnode', foreign);                 // a certificate of another CA: the handshake fails
  agent('spoofed', ca, 'othernode');         // othernode's certificate, registering as "spoofed"
  await eventually(async () => /register\.node: the certificate is for node othernode|agent refused: its certificate names another node/.test(d!.log()), 15000, 'the spoofing agent refused');
  await new Promise((r) => setTimeout(r, 1500));
  t.notRegex(await nodes(), /^tlsnode$|^spoofed$/m, 'neither registered');
  // No certificate at all: the agent cannot even be started that way.
  const none = await run('fleetq', ['agent', '--node', 'nocert', '--server', `127.0.0.1:${port}`, '--state-dir', join(dir, 'nocert'), '--tls-ca', join(ca, 'ca.crt')]);
  t.is(none.code, 1);
  t.regex(none.stderr, /--tls-cert is required \(with mutual TLS/);
  // The right certificate: registered, a node like any other.
  agent('tlsnode', ca);
  await eventually(async () => /^tlsnode$/m.test(await nodes()), 15000, 'tlsnode registered over mutual TLS');
  t.notRegex(await nodes(), /^spoofed$/m);
});
