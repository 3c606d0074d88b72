/**
 * How requests, placements and slots cross into the addon (layouts in native/addon/glue.h), once
 * for every src/native module: the checks made before crossing (NativeError EINVAL naming the
 * field), the request encoding, and the placement decoding. Internal to src/native.
 */
import { checkCount, loadAddon, NativeError } from './addon.js';
import type { Arrangement, CapacityKind, NativePlacement, NativeRequest, NativeSlot, Sharing } from './index.js';

const ARRANGEMENT: Record<Arrangement, number> = { free: 0, pack: 1, scatter: 2, vscatter: 3 };
const SHARING: Record<Sharing, number> = { shared: 0, excl: 1, exclhost: 2 };
const CAPACITY: Record<CapacityKind, number> = { any: 0, spot: 1, ondemand: 2 };
/** Encoded widths: request header, numbers per chunk. */
const REQ_HEAD = 4;
const CHUNK_W = 8;

/** Checks a request before it crosses; `at` names it in errors (`request`, `requests[3]`). */
export function checkRequest(r: NativeRequest, at = 'request'): void {
  if (!Array.isArray(r.chunks) || r.chunks.length === 0) throw new NativeError('EINVAL', `${at}.chunks: at least one chunk is required`);
  if (!(r.arrangement in ARRANGEMENT)) throw new NativeError('EINVAL', `${at}.arrangement: '${String(r.arrangement)}' is not free, pack, scatter or vscatter`);
  if (!(r.sharing in SHARING)) throw new NativeError('EINVAL', `${at}.sharing: '${String(r.sharing)}' is not shared, excl or exclhost`);
  r.chunks.forEach((c, i) => {
    const f = `${at}.chunks[${i}]`;
    for (const k of ['count', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`${f}.${k}`, c[k]);
    checkCount(`${f}.mem_bytes`, c.mem_bytes, Number.MAX_SAFE_INTEGER);
    if (c.count < 1) throw new NativeError('EINVAL', `${f}.count: at least 1`);
    if (!(c.capacity in CAPACITY)) throw new NativeError('EINVAL', `${f}.capacity: '${String(c.capacity)}' is not any, spot or ondemand`);
  });
}

/** Numbers one encoded request takes. */
export const encodedLength = (r: NativeRequest): number => REQ_HEAD + CHUNK_W * r.chunks.length;

/**
 * Writes a checked request at `at`; returns the next offset. Instance types cross as ids of the
 * snapshot's string dictionary `ids` (-1 any, -2 a type the snapshot lacks).
 */
export function encodeRequest(r: NativeRequest, ids: ReadonlyMap<string, number>, out: Float64Array, at: number): number {
  out[at++] = ARRANGEMENT[r.arrangement]; out[at++] = SHARING[r.sharing]; out[at++] = r.same_group ? 1 : 0; out[at++] = r.chunks.length;
  for (const c of r.chunks) {
    out[at++] = c.count; out[at++] = c.ncpus; out[at++] = c.mem_bytes; out[at++] = c.ngpus; out[at++] = c.mpiprocs;
    out[at++] = c.efa ? 1 : 0; out[at++] = c.instance_type === '' ? -1 : ids.get(c.instance_type) ?? -2; out[at++] = CAPACITY[c.capacity];
  }
  return at;
}

let reasonNames: readonly string[] | undefined;
let zeroCounts: Readonly<Record<string, number>> = {};
const reasons = (): readonly string[] => {
  if (!reasonNames) {
    reasonNames = (loadAddon() as unknown as { reasons: string[] }).reasons;
    zeroCounts = Object.freeze(Object.fromEntries(reasonNames.map((k) => [k, 0])));
  }
  return reasonNames;
};

/** Numbers an encoded placement of `r` can take: header (ok … counts per reason, nslots) and two per chunk instance. */
export const placementLength = (r: NativeRequest): number => 6 + reasons().length + 2 * r.chunks.reduce((n, c) => n + c.count, 0);

/** Reads one encoded placement at `at` for request `r`; returns it and the next offset. */
export function decodePlacement(v: Float64Array, at: number, r: NativeRequest, text: string): [NativePlacement, number] {
  const names = reasons();
  let nodes: Record<string, number>;
  if (v[at] === 1) nodes = { ...zeroCounts }; // placed: no node was refused
  else { nodes = {}; names.forEach((name, i) => { nodes[name] = v[at + 5 + i]!; }); }
  const nslots = v[at + 5 + names.length]!;
  const slots: NativeSlot[] = new Array(nslots);
  let s = at + 6 + names.length;
  for (let i = 0; i < nslots; i++, s += 2) {
    const chunk = v[s + 1]!; const c = r.chunks[chunk]!;
    slots[i] = { node: v[s]!, chunk, ncpus: c.ncpus, mem_bytes: c.mem_bytes, ngpus: c.ngpus, mpiprocs: c.mpiprocs };
  }
  const p: NativePlacement = { ok: v[at] === 1, slots, level: v[at + 1]!, stranded: v[at + 2]!, first_node: v[at + 3]!, diagnosis: { never: v[at + 4] === 1, text, nodes } };
  return [p, s];
}

/** Checks slots before they cross: an array, every field a whole number, nodes of a topology of `size` nodes. */
export function checkSlots(slots: readonly NativeSlot[], size: number): void {
  if (!Array.isArray(slots)) throw new NativeError('EINVAL', 'slots: an array is required');
  slots.forEach((s, i) => {
    for (const k of ['node', 'chunk', 'ncpus', 'ngpus', 'mpiprocs'] as const) checkCount(`slots[${i}].${k}`, s[k]);
    checkCount(`slots[${i}].mem_bytes`, s.mem_bytes, Number.MAX_SAFE_INTEGER);
    if (s.node >= size) throw new NativeError('EINVAL', `slots[${i}].node: ${s.node} is not a node of this topology (${size} nodes)`);
  });
}
