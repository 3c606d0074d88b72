/**
 * A test network: a bridge on this machine and network namespaces hanging off it, each with its own
 * address in 198.18.0.0/15 (the range set aside for such test networks), its own /etc/hosts naming
 * every member (`ip netns exec` mounts /etc/netns/NAME/* over /etc) and no DNS server (lookups would
 * otherwise wait on one that is unreachable from inside). Made and removed by the test (root only).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

export interface TestNet {
  /** The bridge's address on this machine (where the daemon listens). */
  host: string;
  /** Member i: its namespace name, address and host name. */
  members: Array<{ ns: string; ip: string; name: string }>;
  remove(): void;
}

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };

/** Makes a bridge with `names.length` namespaces; `tag` (a few letters) keeps parallel nets apart. */
export function makeTestNet(tag: string, names: string[], subnet = 0): TestNet {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root: this test cannot run here without them');
  const bridge = `fqb${tag}`;
  const prefix = `198.18.${subnet}`;
  const members = names.map((name, i) => ({ ns: `fq${tag}${i}`, ip: `${prefix}.${10 + i}`, name }));
  const net: TestNet = {
    host: `${prefix}.1`, members,
    remove: () => {
      for (const [i, m] of members.entries()) {
        try { ip('netns', 'del', m.ns); } catch { /* gone */ }
        try { ip('link', 'del', `fqv${tag}${i}`); } catch { /* gone with the namespace */ }
        rmSync(`/etc/netns/${m.ns}`, { recursive: true, force: true });
      }
      try { ip('link', 'del', bridge); } catch { /* gone */ }
    },
  };
  net.remove(); // leftovers of an earlier run
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${net.host}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hosts = ['127.0.0.1 localhost', ...members.map((m) => `${m.ip} ${m.name}`), ''].join('\n');
    for (const [i, m] of members.entries()) {
      ip('netns', 'add', m.ns);
      ip('link', 'add', `fqv${tag}${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.ns);
      ip('link', 'set', `fqv${tag}${i}`, 'master', bridge, 'up');
      ip('-n', m.ns, 'addr', 'add', `${m.ip}/24`, 'dev', 'eth0');
      ip('-n', m.ns, 'link', 'set', 'eth0', 'up');
      ip('-n', m.ns, 'link', 'set', 'lo', 'up');
      ip('-n', m.ns, 'route', 'add', 'default', 'via', net.host);
      mkdirSync(`/etc/netns/${m.ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${m.ns}/hosts`, hosts);
      writeFileSync(`/etc/netns/${m.ns}/resolv.conf`, '');
    }
  } catch (e) {
    net.remove();
    throw new Error(`could not make the test network (ip netns, veth, bridge): ${(e as Error).message}`);
  }
  return net;
}
