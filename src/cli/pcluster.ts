/**
 * `fleetq pcluster config QUEUE... [options]`: writes a ParallelCluster 3 cluster configuration
 * (YAML) for the named queues of fleetq's configuration, read as the daemon reads it
 * ($FLEETQ_CONFIG or $FLEETQ_HOME/config.yaml, FLEETQ_* overrides; --config FILE names the file).
 * The generator is src/capacity/pcluster/cluster-config.ts. Exit 2 for usage errors, 1 when the
 * configuration cannot be loaded or its queues cannot be expressed.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const PCLUSTER_USAGE = `usage: fleetq pcluster config QUEUE... [--config FILE] [-o FILE] [--head-instance-type TYPE] [--head-subnet SUBNET]
         [--key-name NAME] [--os OS] [--region REGION] [--min-count N] [--scaledown-idletime MINUTES]
         [--fsx MOUNT:GB[:SCRATCH_1|SCRATCH_2|PERSISTENT_1|PERSISTENT_2[:MB/s/TiB]]] [--fsx-id fs-...[:MOUNT]] [--flexible]
`;

class UsageError extends Error {}

function whole(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name}: '${v}' is not a whole number ≥ ${min}`);
  return Number(v);
}

export async function runPcluster(argv: string[]): Promise<number> {
  const fail = (code: number, msg: string): number => { process.stderr.write(`fleetq pcluster: ${msg}\n`); return code; };
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') { (sub === undefined ? process.stderr : process.stdout).write(PCLUSTER_USAGE); return sub === undefined ? 2 : 0; }
  if (sub !== 'config') return fail(2, `unknown subcommand '${sub}'\n${PCLUSTER_USAGE}`);

  const gen = await import('../capacity/pcluster/cluster-config.js');
  let opts: import('../capacity/pcluster/cluster-config.js').ClusterConfigOptions;
  let names: string[];
  let out: string | undefined;
  let configFile: string | undefined;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: rest, allowPositionals: true, strict: true,
        options: {
          config: { type: 'string' }, output: { type: 'string', short: 'o' }, 'head-instance-type': { type: 'string' }, 'head-subnet': { type: 'string' },
          'key-name': { type: 'string' }, os: { type: 'string' }, region: { type: 'string' }, 'min-count': { type: 'string' },
          'scaledown-idletime': { type: 'string' }, fsx: { type: 'string' }, 'fsx-id': { type: 'string' }, flexible: { type: 'boolean' },
        },
      });
    } catch (e) { throw new UsageError((e as Error).message); }
    const { values: v, positionals } = parsed;
    names = positionals;
    if (names.length === 0) throw new UsageError(`QUEUE: name at least one queue\n${PCLUSTER_USAGE}`);
    out = v.output;
    configFile = v.config;
    opts = {};
    if (v['head-instance-type'] !== undefined) opts.headInstanceType = v['head-instance-type'];
    if (v['head-subnet'] !== undefined) opts.headSubnet = v['head-subnet'];
    if (v['key-name'] !== undefined) opts.keyName = v['key-name'];
    if (v.os !== undefined) opts.os = v.os;
    if (v.region !== undefined) opts.region = v.region;
    const minCount = whole('min-count', v['min-count'], 0);
    if (minCount !== undefined) opts.minCount = minCount;
    const idle = whole('scaledown-idletime', v['scaledown-idletime'], 1);
    if (idle !== undefined) opts.scaledownIdletime = idle;
    if (v.fsx !== undefined) opts.fsx = gen.parseFsx(v.fsx);
    if (v['fsx-id'] !== undefined) opts.fsxExisting = gen.parseFsxId(v['fsx-id']);
    if (v.flexible) opts.flexible = true;
    if (configFile !== undefined && !existsSync(configFile)) throw new UsageError(`--config: ${configFile} does not exist`);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof gen.ClusterConfigError && e.usage)) return fail(2, e.message);
    throw e;
  }

  const { loadConfig, ConfigError } = await import('../config/index.js');
  let cfg;
  try {
    cfg = loadConfig(configFile !== undefined ? { ...process.env, FLEETQ_CONFIG: configFile } : process.env);
  } catch (e) {
    if (e instanceof ConfigError) return fail(1, e.message);
    throw e;
  }
  if (opts.region === undefined && cfg.ec2.region !== '') opts.region = cfg.ec2.region;

  let text: string;
  try {
    const g = gen.clusterConfig(cfg.queues, names, opts);
    for (const n of g.notes) process.stderr.write(`fleetq pcluster: note: ${n.text}\n`);
    text = gen.renderClusterConfig(g, [
      `ParallelCluster 3 cluster configuration for fleetq queues ${names.join(', ')}, written by fleetq pcluster config.`,
      'Check it with: pcluster create-cluster --dryrun true -n NAME -c FILE',
    ]);
  } catch (e) {
    if (e instanceof gen.ClusterConfigError) return fail(e.usage ? 2 : 1, e.message);
    throw e;
  }
  if (out === undefined || out === '-') process.stdout.write(text);
  else {
    try { writeFileSync(out, text); } catch (e) { return fail(1, `${out}: ${(e as Error).message}`); }
  }
  return 0;
}
