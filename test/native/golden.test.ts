/**
 * The golden scenario files (native/test/golden/*.txt; format in its README.md) through the addon:
 * the same files native/test/golden_test.cpp reads, parsed here in TypeScript, placed by the native
 * core, compared as text — the placement, and the launcher files where a file lists them.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeTopology, type Arrangement, type CapacityKind, type NativeChunk, type NativeNode, type NativePlacement, type NativeRequest, type Sharing } from '../../src/native/index.js';
import { rankFiles, type RankOrder } from '../../src/native/ranks.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'test', 'golden');
const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

interface Case { line: number; select: string; place: string; want: string; files: Array<{ what: string; text: string }> }
interface Golden { nodes: NativeNode[]; cases: Case[] }

function size(s: string): number {
  const m = /^(\d+)([a-z]*)$/.exec(s);
  const mult = m ? UNITS[m[2]!] : undefined;
  if (!m || mult === undefined) throw new Error(`'${s}' is not a size`);
  return Number(m[1]) * mult;
}
const dash = (s: string): string => (s === '-' ? '' : s);

/** name ncpus mem ngpus efa numa type az pg network free flags */
function nodeRow(line: string): NativeNode {
  const w = line.trim().split(/\s+/);
  if (w.length !== 12) throw new Error(`a node row has 12 fields: ${line}`);
  const [name, ncpus, mem, ngpus, efa, numa, type, az, pg, net, free, flags] = w as [string, string, string, string, string, string, string, string, string, string, string, string];
  const layers = net.split('/').map(dash);
  const node: NativeNode = {
    name, ncpus: Number(ncpus), free_ncpus: Number(ncpus), mem_bytes: size(mem), free_mem_bytes: size(mem), ngpus: Number(ngpus), free_ngpus: Number(ngpus),
    efa: Number(efa), njobs: 0, exclusive: false, up: true, spot: false, instance_type: dash(type), az: dash(az), placement_group: dash(pg),
    network_nodes: [layers[0] ?? '', layers[1] ?? '', layers[2] ?? ''],
    // The NUMA shape comes from the topology (as golden_test.cpp sets it); a group is a cluster group.
    cores: 0, numa: Number(numa), ena_gbps: 0, pg_strategy: pg === '-' ? '' : 'cluster', pg_partition: -1,
  };
  if (free !== 'all') {
    const [c, m, g] = free.split('/');
    if (g === undefined) throw new Error(`free is all or CPUS/MEM/GPUS: ${line}`);
    node.free_ncpus = Number(c); node.free_mem_bytes = size(m!); node.free_ngpus = Number(g);
  }
  for (const f of flags === '-' ? [] : flags.split(',')) {
    if (f === 'down') node.up = false;
    else if (f === 'spot') node.spot = true;
    else if (f === 'excl') node.exclusive = true;
    else if (f.startsWith('jobs=')) node.njobs = Number(f.slice(5));
    else throw new Error(`unknown flag ${f}`);
  }
  return node;
}

function parse(path: string): Golden {
  const g: Golden = { nodes: [], cases: [] };
  let inNodes = false;
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    const last = g.cases[g.cases.length - 1];
    if (line.startsWith('> ') || line === '>') { last!.files[last!.files.length - 1]!.text += `${line.slice(2)}\n`; return; }
    if (line.trim() === '' || line.startsWith('#')) return;
    const w = line.trim().split(/\s+/);
    if (w[0] === 'nodes') { inNodes = true; return; }
    if (w[0] === 'end') { inNodes = false; return; }
    if (inNodes) { g.nodes.push(nodeRow(line)); return; }
    if (w[0] === 'request') {
      const c: Case = { line: i + 1, select: '', place: '', want: '', files: [] };
      for (const x of w.slice(1)) {
        if (x.startsWith('select=')) c.select = x.slice(7);
        else if (x.startsWith('place=')) c.place = x.slice(6);
        else throw new Error(`${path}:${i + 1}: unknown ${x}`);
      }
      g.cases.push(c);
    } else if (w[0] === 'want') last!.want = line.slice(5);
    else if (['hostfile', 'machinefile', 'nodefile', 'rankfile'].includes(w[0]!)) last!.files.push({ what: line, text: '' });
    else throw new Error(`${path}:${i + 1}: unknown line ${line}`);
  });
  return g;
}

/** `N:ncpus=C:mem=X:ngpus=G:mpiprocs=M:efa=true:instance_type=T:capacity=spot` → a native chunk. */
function chunk(text: string): NativeChunk {
  const c: NativeChunk = { count: 1, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 1, efa: false, instance_type: '', capacity: 'any' };
  const parts = text.split(':');
  if (/^\d+$/.test(parts[0] ?? '')) c.count = Number(parts.shift());
  for (const p of parts) {
    const [k, v = ''] = p.split('=') as [string, string?];
    if (k === 'ncpus' || k === 'ngpus' || k === 'mpiprocs') c[k] = Number(v);
    else if (k === 'mem') c.mem_bytes = size(v);
    else if (k === 'efa') c.efa = v === 'true';
    else if (k === 'instance_type') c.instance_type = v;
    else if (k === 'capacity') c.capacity = v as CapacityKind;
    else if (k !== 'ompthreads') throw new Error(`unknown chunk resource ${k}`);
  }
  return c;
}

function request(c: Case): NativeRequest {
  const r: NativeRequest = { chunks: c.select.split('+').map(chunk), arrangement: 'free', sharing: 'shared', same_group: false };
  for (const p of c.place ? c.place.split(':') : []) {
    if (['free', 'pack', 'scatter', 'vscatter'].includes(p)) r.arrangement = p as Arrangement;
    else if (['shared', 'excl', 'exclhost'].includes(p)) r.sharing = p as Sharing;
    else if (p === 'group=placement_group') r.same_group = true;
    else throw new Error(`unknown place ${p}`);
  }
  return r;
}

function show(g: Golden, r: NativeRequest, p: NativePlacement): string {
  if (!p.ok) return `${p.diagnosis.never ? 'never' : 'wait'}: ${p.diagnosis.text}`;
  const kinds = r.chunks.map((_, k) => p.slots.filter((s) => s.chunk === k).map((s) => g.nodes[s.node]!.name).join(','));
  return `${kinds.join('+')} level=${p.level} stranded=${p.stranded}`;
}

function launcherFile(topo: NativeTopology, p: NativePlacement, what: string): string {
  const [kind, order = 'slot'] = what.split(/\s+/) as [string, string?];
  const files = rankFiles(topo, p.slots, order as RankOrder);
  return kind === 'hostfile' ? files.hostfile : kind === 'machinefile' ? files.machinefile : kind === 'nodefile' ? files.nodefile : files.rankfile;
}

const paths = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();

test('golden files are there', (t) => {
  t.true(paths.length >= 4, `golden files expected in ${DIR}, found ${paths.join(', ')}`);
});

for (const file of paths) {
  test(`golden ${file}`, (t) => {
    const g = parse(join(DIR, file));
    t.true(g.nodes.length > 0 && g.cases.length > 0, `${file}: nodes and requests expected`);
    const topo = new NativeTopology(g.nodes);
    for (const c of g.cases) {
      const r = request(c);
      const p = topo.place(r);
      const where = `${file}:${c.line}: select=${c.select} place=${c.place}`;
      t.is(show(g, r, p), c.want, where);
      for (const f of c.files) t.is(launcherFile(topo, p, f.what), f.text, `${where}: ${f.what}`);
    }
  });
}
