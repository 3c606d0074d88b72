/**
 * PBS's resource language: `-l` lists (`select=2:ncpus=4:mem=8gb+1:ncpus=1,walltime=1:00:00,place=scatter`),
 * sizes (`8gb`, `512mb`, `100kb`, `1024`), durations (`[[HH:]MM:]SS`), and the chunk model.
 * Pure functions; each error names the resource and says why.
 */
import { FleetqError, invalid } from '../util/errors.js';

export interface ChunkReq {
  count: number;
  ncpus: number;
  mem_bytes: number;
  ngpus: number;
  mpiprocs: number;
  ompthreads: number;
  other: Record<string, string>;
}

export interface ResourceReq {
  chunks: ChunkReq[];
  select: string;
  place: string;
  walltime_seconds: number;
  other: Record<string, string>;
}

/** Chunk-level resources fleetq knows; others are refused as "Unknown resource". */
const CHUNK_KEYS = new Set(['ncpus', 'mem', 'ngpus', 'mpiprocs', 'ompthreads', 'efa', 'instance_type', 'capacity']);
/** Job-wide resources fleetq knows. */
const JOB_KEYS = new Set(['select', 'place', 'walltime', 'ncpus', 'mem', 'ngpus', 'nodes', 'cput', 'file', 'software', 'mpiprocs', 'ompthreads', 'checkpoint_signal']);
/** Signals a job may ask for before its spot instance is taken away (-l checkpoint_signal=). */
export const CHECKPOINT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const;
const PLACE_ARRANGEMENTS = new Set(['free', 'pack', 'scatter', 'vscatter']);
const PLACE_SHARING = new Set(['excl', 'shared', 'exclhost']);

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, w: 8, kb: 1024, kw: 8 * 1024, mb: 1024 ** 2, mw: 8 * 1024 ** 2,
  gb: 1024 ** 3, gw: 8 * 1024 ** 3, tb: 1024 ** 4, tw: 8 * 1024 ** 4, pb: 1024 ** 5,
};

/** Parses a PBS size (`8gb`, `512MB`, `1024`, `1.5gb`) into bytes. */
export function parseSize(field: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgtp]?[bw]?)$/i.exec(text.trim());
  const unit = m?.[2]?.toLowerCase() ?? '';
  const mult = SIZE_UNITS[unit === 'k' || unit === 'm' || unit === 'g' || unit === 't' ? `${unit}b` : unit];
  if (!m || mult === undefined) throw invalid(field, `'${text}' is not a size (like 512mb or 8gb)`);
  return Math.round(Number(m[1]) * mult);
}

/** Formats bytes as PBS prints sizes: the largest unit that divides exactly, in kb at least. */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0kb';
  for (const [u, m] of [['tb', 1024 ** 4], ['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) {
    if (bytes % m === 0) return `${bytes / m}${u}`;
  }
  return `${Math.ceil(bytes / 1024)}kb`;
}

/** Parses `[[HH:]MM:]SS` (or plain seconds) into seconds. */
export function parseDuration(field: string, text: string): number {
  const parts = text.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) {
    throw invalid(field, `'${text}' is not a duration ([[HH:]MM:]SS)`);
  }
  return Math.round(parts.reduce((acc, p) => acc * 60 + Number(p), 0));
}

/** Formats seconds as PBS prints durations: `HH:MM:SS`, hours unbounded. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

function positiveInt(field: string, text: string, min = 0): number {
  if (!/^\d+$/.test(text)) throw invalid(field, `'${text}' is not a whole number`);
  const n = Number(text);
  if (n < min || n > 1_000_000) throw invalid(field, `${n} is out of range (${min}..1000000)`);
  return n;
}

/** Parses one chunk statement `[N:]res=val[:res=val…]`. */
export function parseChunk(text: string): ChunkReq {
  const field = 'Resource_List.select';
  const parts = text.split(':');
  let count = 1;
  if (parts[0] !== undefined && /^\d+$/.test(parts[0])) {
    count = positiveInt(field, parts[0], 1);
    parts.shift();
  }
  const chunk: ChunkReq = { count, ncpus: 1, mem_bytes: 0, ngpus: 0, mpiprocs: 0, ompthreads: 0, other: {} };
  let sawNcpus = false;
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) {
      throw invalid(field, p === text ? `'${text}' is not a chunk ([N:]res=value[:res=value…])` : `'${p}' in chunk '${text}' is not res=value`);
    }
    const key = p.slice(0, eq);
    const val = p.slice(eq + 1);
    if (!CHUNK_KEYS.has(key)) throw new FleetqError('UNKNOWN_RESOURCE', `Resource_List.${key}: not a chunk resource fleetq knows (${[...CHUNK_KEYS].join(', ')})`, { field: `Resource_List.${key}` });
    switch (key) {
      case 'ncpus': chunk.ncpus = positiveInt(`${field} ncpus`, val); sawNcpus = true; break;
      case 'mem': chunk.mem_bytes = parseSize(`${field} mem`, val); break;
      case 'ngpus': chunk.ngpus = positiveInt(`${field} ngpus`, val); break;
      case 'mpiprocs': chunk.mpiprocs = positiveInt(`${field} mpiprocs`, val); break;
      case 'ompthreads': chunk.ompthreads = positiveInt(`${field} ompthreads`, val); break;
      default: chunk.other[key] = checkChunkOther(key, val);
    }
  }
  if (!sawNcpus && chunk.ncpus === 1 && parts.length === 0 && count === 1 && text !== '1') {
    // a bare word like "banana" is neither a count nor res=value
    throw invalid(field, `'${text}' is not a chunk ([N:]res=value[:res=value…])`);
  }
  return chunk;
}

/**
 * fleetq's own chunk resources: `efa=true|false`, `capacity=spot|ondemand`, `instance_type=NAME`
 * (an EC2 type such as c5n.18xlarge). Values are kept as given once checked.
 */
function checkChunkOther(key: string, val: string): string {
  const field = `Resource_List.select ${key}`;
  switch (key) {
    case 'efa':
      if (!/^(true|false|[tfyn01]|True|False)$/.test(val)) throw invalid(field, `'${val}' is not true or false`);
      return /^(true|[ty1]|True)$/.test(val) ? 'true' : 'false';
    case 'capacity':
      if (val !== 'spot' && val !== 'ondemand') throw invalid(field, `'${val}' is not spot or ondemand`);
      return val;
    case 'instance_type':
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(val)) throw invalid(field, `'${val}' is not an instance type (like c5n.18xlarge)`);
      return val;
    default:
      return val;
  }
}

/** Parses a select statement: chunks joined by `+`. */
export function parseSelect(text: string): ChunkReq[] {
  if (text.trim() === '') throw invalid('Resource_List.select', 'empty select statement');
  return text.split('+').map((c) => parseChunk(c.trim()));
}

/** Canonical select text, as qstat shows it: `2:ncpus=4:mem=8gb+1:ncpus=1`. */
export function formatSelect(chunks: readonly ChunkReq[]): string {
  return chunks.map((c) => {
    const parts = [String(c.count), `ncpus=${c.ncpus}`];
    if (c.mem_bytes > 0) parts.push(`mem=${formatSize(c.mem_bytes)}`);
    if (c.ngpus > 0) parts.push(`ngpus=${c.ngpus}`);
    if (c.mpiprocs > 0) parts.push(`mpiprocs=${c.mpiprocs}`);
    if (c.ompthreads > 0) parts.push(`ompthreads=${c.ompthreads}`);
    for (const [k, v] of Object.entries(c.other)) parts.push(`${k}=${v}`);
    return parts.join(':');
  }).join('+');
}

/** Checks a place statement: `[arrangement][:sharing][:group=res]`. */
export function parsePlace(text: string): string {
  const field = 'Resource_List.place';
  for (const p of text.split(':')) {
    if (PLACE_ARRANGEMENTS.has(p) || PLACE_SHARING.has(p) || p === 'group=placement_group') continue;
    if (p.startsWith('group=')) throw invalid(field, `'${p}': fleetq groups chunks by group=placement_group only`);
    throw invalid(field, `'${p}' is not an arrangement (free|pack|scatter|vscatter), sharing (excl|shared|exclhost) or group=placement_group`);
  }
  return text;
}

/**
 * Splits a resource list `a=1,b=2` into pairs. Commas inside a value are not allowed by PBS
 * except in quoted strings, which fleetq does not need for the resources it knows.
 */
export function splitResourceList(list: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of list.split(',')) {
    const t = item.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw invalid('Resource_List', `'${t}' is not resource=value`);
    out.push([t.slice(0, eq), t.slice(eq + 1)]);
  }
  return out;
}

/**
 * Turns a job's `-l` list into a request. Without `select`, job-wide `ncpus`/`mem`/`ngpus`
 * (or their defaults) make one chunk, as PBS converts old-style requests. `nodes=N[:ppn=M]`
 * (Torque) becomes N chunks of M cpus.
 */
export function parseResourceList(list: string): ResourceReq {
  const req: ResourceReq = { chunks: [], select: '', place: '', walltime_seconds: 0, other: {} };
  let ncpus = 0; let mem = 0; let ngpus = 0; let select: string | undefined; let nodes: string | undefined;
  for (const [key, val] of splitResourceList(list)) {
    if (!JOB_KEYS.has(key)) throw new FleetqError('UNKNOWN_RESOURCE', `Resource_List.${key}: not a resource fleetq knows (${[...JOB_KEYS].join(', ')})`, { field: `Resource_List.${key}` });
    if (val === '') throw invalid(`Resource_List.${key}`, 'empty value');
    switch (key) {
      case 'select': select = val; break;
      case 'place': req.place = parsePlace(val); break;
      case 'walltime': req.walltime_seconds = parseDuration('Resource_List.walltime', val); break;
      case 'ncpus': ncpus = positiveInt('Resource_List.ncpus', val); break;
      case 'mem': mem = parseSize('Resource_List.mem', val); break;
      case 'ngpus': ngpus = positiveInt('Resource_List.ngpus', val); break;
      case 'nodes': nodes = val; break;
      case 'cput': req.other.cput = String(parseDuration('Resource_List.cput', val)); break;
      case 'checkpoint_signal': {
        const sig = val.toUpperCase().startsWith('SIG') ? val.toUpperCase() : `SIG${val.toUpperCase()}`;
        if (!(CHECKPOINT_SIGNALS as readonly string[]).includes(sig)) throw invalid('Resource_List.checkpoint_signal', `'${val}' is not one of ${CHECKPOINT_SIGNALS.join(', ')}`);
        req.other.checkpoint_signal = sig;
        break;
      }
      default: req.other[key] = val;
    }
  }
  if (select !== undefined) {
    req.chunks = parseSelect(select);
  } else if (nodes !== undefined) {
    const m = /^(\d+)(?::ppn=(\d+))?$/.exec(nodes);
    if (!m) throw invalid('Resource_List.nodes', `'${nodes}' is not N[:ppn=M]`);
    req.chunks = [{ count: positiveInt('Resource_List.nodes', m[1] ?? '1', 1), ncpus: m[2] ? positiveInt('Resource_List.nodes ppn', m[2], 1) : 1, mem_bytes: 0, ngpus: 0, mpiprocs: 0, ompthreads: 0, other: {} }];
    if (req.place === '') req.place = 'scatter';
  } else {
    req.chunks = [{ count: 1, ncpus: ncpus || 1, mem_bytes: mem, ngpus, mpiprocs: 0, ompthreads: 0, other: {} }];
  }
  if (req.place === '') req.place = 'free';
  req.select = formatSelect(req.chunks);
  return req;
}

/** Totals over all chunks: what Resource_List.ncpus/mem/ngpus/nodect show. */
export function totals(chunks: readonly ChunkReq[]): { ncpus: number; mem_bytes: number; ngpus: number; nodect: number; mpiprocs: number } {
  let ncpus = 0; let mem = 0; let ngpus = 0; let nodect = 0; let mpiprocs = 0;
  for (const c of chunks) {
    ncpus += c.count * c.ncpus; mem += c.count * c.mem_bytes; ngpus += c.count * c.ngpus;
    nodect += c.count; mpiprocs += c.count * (c.mpiprocs || 1);
  }
  return { ncpus, mem_bytes: mem, ngpus, nodect, mpiprocs };
}
