/**
 * The TypeScript reference of native placement: the same contract as native/src/placement, written
 * plainly and with no running aggregates — domains per network level (built once per snapshot, as
 * the core builds them), the same first fit inside a domain, the same comparator (level, then
 * stranded free cpus, then first node), the same diagnosis, and the same batch on a working copy.
 * Used by test/native/placement.test.ts (native answers must equal it) and by bench/placement.ts
 * (what the addon buys). Not used by the daemon.
 */
import type { NativeNode, NativePlacement, NativeRequest, NativeSlot } from '../../src/native/index.js';

type Chunk = NativeRequest['chunks'][number];
interface Used { cpus: number; mem: number; gpus: number }
interface Score { level: number; stranded: number; first_node: number }

/** Reasons a node cannot take a chunk, in the order they are checked (native Reason). */
export const REASONS = ['down', 'without EFA', 'of another instance type', 'of the wrong capacity type', 'too small', 'held exclusively', 'busy'] as const;
const FITS = -1;
const LEVELS = 4; // 0..2: bottom, middle, top network layer; 3: the whole cluster

/** The best-fit order: lower level, then less stranded, then lower first node. */
export function better(a: Score, b: Score): boolean {
  if (a.level !== b.level) return a.level < b.level;
  if (a.stranded !== b.stranded) return a.stranded < b.stranded;
  return a.first_node < b.first_node;
}

/** The first reason (index into REASONS) node `n` cannot take one instance of `c` now, or FITS. */
function check(n: NativeNode, c: Chunk, sharing: string): number {
  if (!n.up) return 0;
  if (c.efa && n.efa === 0) return 1;
  if (c.instance_type !== '' && n.instance_type !== c.instance_type) return 2;
  if ((c.capacity === 'spot' && !n.spot) || (c.capacity === 'ondemand' && n.spot)) return 3;
  if (n.ncpus < c.ncpus || n.mem_bytes < c.mem_bytes || n.ngpus < c.ngpus) return 4;
  if (n.exclusive || (sharing !== 'shared' && n.njobs > 0)) return 5;
  if (n.free_ncpus < c.ncpus || n.free_mem_bytes < c.mem_bytes || n.free_ngpus < c.ngpus) return 6;
  return FITS;
}

/** Room on `n` for one more instance of `c` after what this request already took there. */
function room(n: NativeNode, c: Chunk, sharing: string, u: Used): boolean {
  const r = check(n, c, sharing);
  if (r !== FITS && r !== 6) return false;
  return n.free_ncpus >= u.cpus + c.ncpus && n.free_mem_bytes >= u.mem + c.mem_bytes && n.free_ngpus >= u.gpus + c.ngpus;
}

const slot = (node: number, chunk: number, c: Chunk): NativeSlot => ({ node, chunk, ncpus: c.ncpus, mem_bytes: c.mem_bytes, ngpus: c.ngpus, mpiprocs: c.mpiprocs });

/** Pack: the first node that holds every chunk instance. */
function fillPack(nodes: readonly NativeNode[], dom: readonly number[], r: NativeRequest): NativeSlot[] | undefined {
  const sum = (f: (c: Chunk) => number): number => r.chunks.reduce((s, c) => s + c.count * f(c), 0);
  const need = { cpus: sum((c) => c.ncpus), mem: sum((c) => c.mem_bytes), gpus: sum((c) => c.ngpus) };
  for (const i of dom) {
    const n = nodes[i]!;
    if (n.free_ncpus < need.cpus || n.free_mem_bytes < need.mem || n.free_ngpus < need.gpus) continue;
    if (!r.chunks.every((c) => check(n, c, r.sharing) === FITS)) continue;
    return r.chunks.flatMap((c, ci) => Array.from({ length: c.count }, () => slot(i, ci, c)));
  }
  return undefined;
}

/** First fit in node order, staying on a node while it fits (one instance per node when distinct); kinds in `order`. */
function fillSpreadIn(nodes: readonly NativeNode[], dom: readonly number[], r: NativeRequest, distinct: boolean, order: readonly number[]): NativeSlot[] | undefined {
  const used = new Map<number, Used>();
  const out: NativeSlot[] = [];
  for (const ci of order) {
    const c = r.chunks[ci]!;
    let cursor = 0;
    for (let k = 0; k < c.count; k++) {
      while (cursor < dom.length) {
        const i = dom[cursor]!;
        const u = used.get(i);
        if (!(distinct && u) && room(nodes[i]!, c, r.sharing, u ?? { cpus: 0, mem: 0, gpus: 0 })) break;
        cursor++;
      }
      if (cursor === dom.length) return undefined;
      const i = dom[cursor]!;
      const u = used.get(i) ?? { cpus: 0, mem: 0, gpus: 0 };
      used.set(i, { cpus: u.cpus + c.ncpus, mem: u.mem + c.mem_bytes, gpus: u.gpus + c.ngpus });
      out.push(slot(i, ci, c));
      if (distinct) cursor++;
    }
  }
  return out.sort((a, b) => a.chunk - b.chunk); // select order (Array.prototype.sort is stable)
}

/** Kinds most constrained first: GPUs, EFA, a named type, a capacity, cpus, memory; select order among equals. */
function constrainedFirst(r: NativeRequest): number[] {
  const key = (c: Chunk): number[] => [c.ngpus, c.efa ? 1 : 0, c.instance_type !== '' ? 1 : 0, c.capacity !== 'any' ? 1 : 0, c.ncpus, c.mem_bytes];
  const cmp = (a: number[], b: number[]): number => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i]! - a[i]!; return 0; };
  return r.chunks.map((_, i) => i).sort((a, b) => cmp(key(r.chunks[a]!), key(r.chunks[b]!)) || a - b);
}

/** The constrained-first order, then select order. */
function fillSpread(nodes: readonly NativeNode[], dom: readonly number[], r: NativeRequest, distinct: boolean): NativeSlot[] | undefined {
  const order = constrainedFirst(r);
  const select = r.chunks.map((_, i) => i);
  return fillSpreadIn(nodes, dom, r, distinct, order) ?? (order.every((v, i) => v === i) ? undefined : fillSpreadIn(nodes, dom, r, distinct, select));
}

function diagnose(nodes: readonly NativeNode[], r: NativeRequest): { text: string; nodes: Record<string, number> } {
  const counts = REASONS.map(() => 0);
  for (const n of nodes) {
    const rs = r.chunks.map((c) => check(n, c, r.sharing));
    if (!rs.includes(FITS)) counts[Math.max(...rs)]! += 1;
  }
  const parts = counts.flatMap((k, i) => (k === 0 ? [] : [`${k} ${k === 1 ? 'node' : 'nodes'} ${REASONS[i]}`]));
  return { text: parts.length > 0 ? parts.join(', ') : 'no set of nodes holds the whole job together', nodes: Object.fromEntries(REASONS.map((name, i) => [name, counts[i]!])) };
}

/** Every node up, idle and free: what could ever fit. */
const idle = (n: NativeNode): NativeNode => ({ ...n, up: true, exclusive: false, njobs: 0, free_ncpus: n.ncpus, free_mem_bytes: n.mem_bytes, free_ngpus: n.ngpus });

/** A snapshot: its nodes (free values clamped to totals) and its domains, per level, each list ascending. */
export class ReferenceTopology {
  readonly nodes: NativeNode[];
  /** [level] → node lists; and the same split by placement group. */
  readonly domains: number[][][];
  readonly groupDomains: number[][][];

  constructor(nodes: readonly NativeNode[]) {
    this.nodes = nodes.map((n) => ({ ...n, free_ncpus: Math.min(n.free_ncpus, n.ncpus), free_mem_bytes: Math.min(n.free_mem_bytes, n.mem_bytes), free_ngpus: Math.min(n.free_ngpus, n.ngpus) }));
    this.domains = Array.from({ length: LEVELS }, (_, level) => this.#bucket(level, false));
    this.groupDomains = Array.from({ length: LEVELS }, (_, level) => this.#bucket(level, true));
  }

  #bucket(level: number, byGroup: boolean): number[][] {
    const out = new Map<string, number[]>();
    this.nodes.forEach((n, i) => {
      const net = level === 3 ? '*' : n.network_nodes[2 - level] ?? '';
      if (net === '' || (byGroup && n.placement_group === '')) return;
      const key = `${net}\u0000${byGroup ? n.placement_group : ''}`;
      const list = out.get(key);
      if (list) list.push(i); else out.set(key, [i]);
    });
    return [...out.values()];
  }

  #bestFit(nodes: readonly NativeNode[], r: NativeRequest): { slots: NativeSlot[]; score: Score } | undefined {
    const need = r.chunks.reduce((s, c) => s + c.count * c.ncpus, 0);
    for (let level = 0; level < LEVELS; level++) {
      let best: { slots: NativeSlot[]; score: Score } | undefined;
      for (const dom of (r.same_group ? this.groupDomains : this.domains)[level]!) {
        const have = dom.reduce((s, i) => s + (nodes[i]!.up && !nodes[i]!.exclusive ? nodes[i]!.free_ncpus : 0), 0);
        if (have < need) continue;
        const slots = r.arrangement === 'pack' ? fillPack(nodes, dom, r) : fillSpread(nodes, dom, r, r.arrangement !== 'free');
        if (!slots) continue;
        const score = { level, stranded: have - need, first_node: Math.min(...slots.map((s) => s.node)) };
        if (!best || better(score, best.score)) best = { slots, score };
      }
      if (best) return best;
    }
    return undefined;
  }

  /** Places one request on `nodes` (this snapshot's by default). */
  place(r: NativeRequest, nodes: readonly NativeNode[] = this.nodes): NativePlacement {
    const found = this.#bestFit(nodes, r);
    if (found) return { ok: true, slots: found.slots, ...found.score, diagnosis: { never: false, text: '', nodes: Object.fromEntries(REASONS.map((k) => [k, 0])) } };
    const never = this.#bestFit(nodes.map(idle), r) === undefined;
    return { ok: false, slots: [], level: 3, stranded: 0, first_node: 0, diagnosis: { never, ...diagnose(nodes, r) } };
  }

  /** The batch: in order, each success taken out of a working copy (one job per node; excl holds the node). */
  placeMany(rs: readonly NativeRequest[]): NativePlacement[] {
    const work = this.nodes.map((n) => ({ ...n }));
    return rs.map((r) => {
      const p = this.place(r, work);
      const touched = new Set<number>();
      for (const s of p.slots) {
        const n = work[s.node]!;
        n.free_ncpus -= s.ncpus; n.free_mem_bytes -= s.mem_bytes; n.free_ngpus -= s.ngpus;
        touched.add(s.node);
      }
      for (const i of touched) { work[i]!.njobs += 1; if (r.sharing !== 'shared') work[i]!.exclusive = true; }
      return p;
    });
  }
}
