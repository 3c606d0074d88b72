/**
 * `fleetq`: the daemon, the node agent, and small admin commands.
 *   fleetq daemon [--listen HOST:PORT] [--banner]
 *   fleetq agent --node NAME --server TARGET --token-file F --state-dir D [--ncpus N] [--mem BYTES] [--ngpus N] [--efa N]
 *   fleetq sim TRACE [options]
 *   fleetq pcluster config QUEUE... [options]
 *   fleetq version
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { VERSION } from '../version.js';

const USAGE = `usage:
  fleetq daemon [--listen HOST:PORT] [--banner]   run the scheduler daemon (FLEETQ_HOME, default ~/.fleetq)
  fleetq agent --node NAME --server TARGET --token-file FILE --state-dir DIR [--ncpus N] [--mem BYTES] [--ngpus N] [--efa N] [--imds URL [--notice-poll-ms MS]]
                                                  run a node agent (the daemon starts these itself);
                                                  cpus, cores, NUMA, memory, GPUs, EFA found on the machine
  fleetq sim TRACE [--policy none|easy|conservative] [--order fcfs|sjf|priority] [--procs N] [--first N] [--skip N] [--json] [--plot FILE.svg] [--engine auto|native|ts]
                                                  replay a workload trace (SWF) through the scheduler
  fleetq pcluster config QUEUE... [--config FILE] [-o FILE] [--head-instance-type TYPE] [--head-subnet SUBNET] [--key-name NAME]
         [--os OS] [--region REGION] [--min-count N] [--scaledown-idletime MIN] [--fsx MOUNT:GB[:TYPE]] [--fsx-id fs-...] [--flexible]
                                                  write a ParallelCluster 3 cluster configuration (YAML) for queues
  fleetq rsh [ssh options] HOST COMMAND...        from inside a job: run COMMAND on HOST, one of its nodes
                                                  (what mpirun and mpiexec are pointed at instead of ssh)
  fleetq admin ca [--dir DIR]                     make the cluster CA for agents' mutual TLS ($FLEETQ_HOME/tls)
  fleetq admin cert NAME [--server] [--san DNS:h,IP:a] [--dir DIR]
                                                  issue a node's (or, --server, the daemon's) certificate
  fleetq version                                  print the version
`;

async function daemon(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { listen: { type: 'string' }, banner: { type: 'boolean' } }, strict: true });
  const { runDaemon } = await import('../daemon/index.js');
  await runDaemon({ ...(values.listen ? { listen: values.listen } : {}), banner: values.banner ?? false });
}

async function agent(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv, strict: true,
    options: {
      node: { type: 'string' }, server: { type: 'string' }, 'token-file': { type: 'string' }, 'state-dir': { type: 'string' },
      ncpus: { type: 'string' }, mem: { type: 'string' }, ngpus: { type: 'string' }, efa: { type: 'string' }, 'heartbeat-ms': { type: 'string' }, 'orphan-exit-ms': { type: 'string' },
      imds: { type: 'string' }, 'notice-poll-ms': { type: 'string' },
      'tls-ca': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
    },
  });
  const tls = v['tls-ca'] !== undefined || v['tls-cert'] !== undefined || v['tls-key'] !== undefined;
  for (const k of ['node', 'server', 'state-dir', ...(tls ? ['tls-ca', 'tls-cert', 'tls-key'] as const : ['token-file'] as const)] as const) {
    if (!v[k]) throw new Error(`fleetq agent: --${k} is required${k.startsWith('tls') ? ' (with mutual TLS: --tls-ca, --tls-cert and --tls-key)' : ''}`);
  }
  for (const k of ['ncpus', 'mem', 'ngpus', 'efa', 'heartbeat-ms', 'orphan-exit-ms', 'notice-poll-ms'] as const) {
    const x = v[k];
    const zero = k === 'ngpus' || k === 'efa';
    if (x !== undefined && !(/^\d+$/.test(x) && Number(x) >= (zero ? 0 : 1))) throw new Error(`fleetq agent: --${k} '${x}': a whole number${zero ? '' : ' above 0'} is required`);
  }
  // What the machine is; --ncpus, --mem, --ngpus and --efa offer less (or say more) than was found.
  const { machineFacts } = await import('../agent/facts.js');
  const found = machineFacts();
  const { NodeAgent } = await import('../agent/agent.js');
  const { createLogger } = await import('../util/log.js');
  const log = createLogger(process.env.FLEETQ_LOG_LEVEL ?? 'info', { component: 'agent', node: v.node });
  // On EC2: the instance's facts from the metadata service (IMDSv2), registered with the node.
  let instance;
  if (v.imds) {
    const { readInstanceFacts } = await import('../agent/imds.js');
    try { instance = await readInstanceFacts(v.imds); } catch (e) { throw new Error(`fleetq agent: --imds ${v.imds}: ${(e as Error).message}`); }
    log.info({ ...instance }, 'instance facts from the metadata service');
  }
  const a = new NodeAgent({
    node: v.node ?? '', server: v.server ?? '', tokenFile: v['token-file'] ?? '', stateDir: v['state-dir'] ?? '',
    ...(tls ? { tls: { ca: v['tls-ca'] ?? '', cert: v['tls-cert'] ?? '', key: v['tls-key'] ?? '' } } : {}),
    ncpus: Number(v.ncpus ?? found.ncpus), mem_bytes: Number(v.mem ?? found.mem_bytes), ngpus: Number(v.ngpus ?? found.ngpus),
    cores: found.cores, numa: found.numa, efa: Number(v.efa ?? found.efa),
    heartbeatMs: Number(v['heartbeat-ms'] ?? 5000), orphanExitMs: Number(v['orphan-exit-ms'] ?? 600_000), log,
    ...(instance ? { instance } : {}),
    ...(v.imds ? { imds: { url: v.imds, pollMs: Number(v['notice-poll-ms'] ?? 5000) } } : {}),
  });
  // Like pbs_mom on shutdown: the agent's jobs are killed (and reported), then it exits.
  process.on('SIGTERM', () => a.terminate());
  a.start();
}

/** `fleetq admin ca` / `fleetq admin cert NAME [--server] [--san ...]`: the cluster CA for agents' mutual TLS. */
async function admin(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { dir: { type: 'string' }, server: { type: 'boolean' }, san: { type: 'string' } } });
  const { initCa, issueCert } = await import('../auth/tls.js');
  const { fleetqHome } = await import('../config/paths.js');
  const dir = v.dir ?? join(fleetqHome(process.env), 'tls');
  const [what, name] = positionals;
  if (what === 'ca' && positionals.length === 1) {
    const { crt } = initCa(dir, hostname().split('.')[0] ?? 'cluster');
    process.stdout.write(`${crt}\n`);
    return 0;
  }
  if (what === 'cert' && name && positionals.length === 2) {
    const { crt, key } = issueCert(dir, name, { server: v.server ?? false, sans: v.san ? v.san.split(',') : [] });
    process.stdout.write(`${crt}\n${key}\n`);
    return 0;
  }
  process.stderr.write('usage: fleetq admin ca [--dir DIR] | fleetq admin cert NAME [--server] [--san DNS:name,IP:addr] [--dir DIR]\n');
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'daemon': await daemon(rest); return 0;
    case 'agent': await agent(rest); return 0;
    case 'sim': { const { runSim } = await import('../sim/cli.js'); return runSim(rest); }
    case 'pcluster': { const { runPcluster } = await import('./pcluster.js'); return runPcluster(rest); }
    case 'rsh': { const { runRsh } = await import('./rsh.js'); process.exit(await runRsh(rest)); }
    case 'admin': return admin(rest);
    case 'version': case '--version': process.stdout.write(`fleetq ${VERSION}\n`); return 0;
    case 'help': case '--help': case '-h': process.stdout.write(USAGE); return 0;
    default: process.stderr.write(`fleetq: unknown command '${cmd ?? ''}'\n${USAGE}`); return 2;
  }
}

main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; }, (e: Error) => {
  process.stderr.write(`fleetq: ${e.message}\n`);
  process.exitCode = 1;
});
