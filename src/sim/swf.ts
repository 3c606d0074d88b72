/**
 * Standard Workload Format (SWF) reader for the trace simulator.
 *
 * SWF (Feitelson's Parallel Workloads Archive): one job per line, 18 whitespace-separated numeric
 * fields, -1 meaning unknown; comment lines start with ';' and the header's comments are
 * `; Label: value`. Fields used here (1-based, as the format numbers them):
 *   1 job id, 2 submit time, 3 wait time, 4 run time, 5 allocated processors,
 *   8 requested processors, 9 requested time, 12 user, 13 group, 15 queue.
 *
 * Pure: no scheduler, no clock. `readSwf` streams a file (plain or gzip, told apart by its magic
 * bytes) line by line so a large trace is held once, as its parsed jobs; `parseSwfText` does the
 * same for a string.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { FleetqError } from '../util/errors.js';

/** One usable job of the trace, in file order (SWF traces are sorted by submit time). */
export interface SwfJob {
  /** Field 1. */
  id: number;
  /** Field 2, seconds from the trace start. */
  submit: number;
  /** Field 3, the wait the real machine gave it (-1 if unknown); for comparison only. */
  wait: number;
  /** Field 4, seconds; always > 0. */
  run: number;
  /** Requested processors (field 8), else allocated (field 5); 1..machine_procs. */
  procs: number;
  /** Requested time (field 9), else the run time; > 0. May be below `run` (the trace says so). */
  estimate: number;
  /** Fields 12, 13, 15; -1 if unknown. */
  user: number;
  group: number;
  queue: number;
  /** Field 17: the id of a job this one waits for (it is submitted after that one ends), -1 if none. */
  preceding: number;
  /** Field 18: seconds after the preceding job's end before this one is submitted; -1 if unknown. */
  think: number;
}

export interface SwfHeader {
  /** `; MaxProcs:` if present and positive, else null. */
  max_procs: number | null;
  /** `; MaxNodes:` if present and positive, else null. */
  max_nodes: number | null;
  /** Every `; Label: value` comment, values in file order (labels like `Queue` repeat). */
  fields: Record<string, string[]>;
}

/**
 * Why a record was left out; keys of `skipped_by_reason`. A record is counted once, under the
 * first reason that applies, in this order: no size (fields 8 and 5 both ≤ 0), no run time
 * (field 4 < 0), zero run time (field 4 = 0), larger than the machine.
 */
export type SkipReason = 'no_size' | 'no_run_time' | 'zero_run_time' | 'too_large';
export const SKIP_REASONS: readonly SkipReason[] = ['no_size', 'no_run_time', 'zero_run_time', 'too_large'];

export interface SwfTrace {
  header: SwfHeader;
  machine_procs: number;
  jobs: SwfJob[];
  /** Records left out; equals the sum of `skipped_by_reason`. */
  skipped: number;
  /** Every reason of SKIP_REASONS is present (0 when none). */
  skipped_by_reason: Record<SkipReason, number>;
  /** Seconds spent reading and parsing. */
  parse_s: number;
}

export interface SwfOptions {
  /** `--procs`: the machine size, overriding the header. */
  procs?: number;
  /** The machine size when the header has neither MaxProcs nor MaxNodes. */
  fallback_procs?: number;
  /**
   * Run time 0 is a real SWF value (a job under a second), but with no usable run time it is
   * skipped by default (reason `zero_run_time`); `true` keeps such jobs (the reference Python
   * simulator's 54,044 SDSC-SP2 jobs include the 10 of them).
   */
  keep_zero_run?: boolean;
}

const FIELD_COUNT = 18;
const FIELD_NAMES = [
  'job_id', 'submit_time', 'wait_time', 'run_time', 'allocated_procs', 'avg_cpu_time', 'used_memory',
  'requested_procs', 'requested_time', 'requested_memory', 'status', 'user_id', 'group_id',
  'executable', 'queue', 'partition', 'preceding_job', 'think_time',
] as const;
// Decimal only: Number() alone would also take '0x1f', 'Infinity' and '' as numbers.
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const HEADER_LABEL = /^;\s?([A-Za-z][A-Za-z0-9_]*):\s*(.*?)\s*$/;

function fail(line: number, field: string, reason: string): FleetqError {
  return new FleetqError('INVALID_ARGUMENT', `SWF line ${line}: ${field}: ${reason}`, { field });
}

/**
 * Incremental parser: feed lines with `line()`, then `finish()`. Throws FleetqError
 * (INVALID_ARGUMENT, message `SWF line N: field: reason`) on the first malformed line.
 */
export class SwfParser {
  private readonly opts: SwfOptions;
  private readonly header: SwfHeader = { max_procs: null, max_nodes: null, fields: {} };
  private readonly jobs: SwfJob[] = [];
  private readonly skips: Record<SkipReason, number> = { no_size: 0, no_run_time: 0, zero_run_time: 0, too_large: 0 };
  private readonly values = new Array<number>(FIELD_COUNT).fill(0);
  private lineNo = 0;

  constructor(opts: SwfOptions = {}) {
    checkProcsOption('procs', opts.procs);
    checkProcsOption('fallback_procs', opts.fallback_procs);
    this.opts = opts;
  }

  /** Parses the next line (without its newline). */
  line(text: string): void {
    this.lineNo++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith(';')) this.comment(trimmed);
    else this.record(trimmed);
  }

  private comment(text: string): void {
    const m = HEADER_LABEL.exec(text);
    if (!m) return; // a continuation or free-text comment
    const label = m[1]!;
    const value = m[2]!;
    (this.header.fields[label] ??= []).push(value);
    if (label === 'MaxProcs') this.header.max_procs = this.headerCount(label, value);
    if (label === 'MaxNodes') this.header.max_nodes = this.headerCount(label, value);
  }

  private headerCount(label: string, value: string): number | null {
    const n = Number(value);
    if (!DECIMAL.test(value) || !Number.isInteger(n)) throw fail(this.lineNo, label, `expected an integer, got '${value}'`);
    return n > 0 ? n : null;
  }

  private record(text: string): void {
    const parts = text.split(/\s+/);
    if (parts.length !== FIELD_COUNT) {
      throw fail(this.lineNo, 'fields', `expected ${FIELD_COUNT} fields, got ${parts.length}`);
    }
    const v = this.values;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const part = parts[i]!;
      if (!DECIMAL.test(part)) throw fail(this.lineNo, `field ${i + 1} (${FIELD_NAMES[i]})`, `expected a number, got '${part}'`);
      v[i] = Number(part);
    }
    const requested = v[7]!;
    const procs = requested > 0 ? requested : v[4]!;
    const run = v[3]!;
    if (procs <= 0) { this.skips.no_size++; return; }
    if (run < 0) { this.skips.no_run_time++; return; }
    if (run === 0 && !this.opts.keep_zero_run) { this.skips.zero_run_time++; return; }
    const reqTime = v[8]!;
    this.jobs.push({
      id: v[0]!, submit: v[1]!, wait: v[2]!, run, procs,
      estimate: reqTime > 0 ? reqTime : run,
      user: v[11]!, group: v[12]!, queue: v[14]!, preceding: v[16]! > 0 ? v[16]! : -1, think: v[17]!,
    });
  }

  /**
   * Ends the trace: fixes the machine size (`procs`, else MaxProcs, else MaxNodes, else
   * `fallback_procs`; none of them is an error) and drops the jobs larger than the machine. The
   * size is fixed here, not at the first record, so a header label after the records still counts.
   */
  finish(parse_s = 0): SwfTrace {
    const machine = this.opts.procs ?? this.header.max_procs ?? this.header.max_nodes ?? this.opts.fallback_procs;
    if (machine === undefined) {
      throw new FleetqError('INVALID_ARGUMENT', 'SWF: the machine size is unknown: the header has no MaxProcs or MaxNodes; give --procs', { field: 'procs' });
    }
    let kept = 0;
    for (const job of this.jobs) {
      if (job.procs > machine) this.skips.too_large++;
      else this.jobs[kept++] = job;
    }
    this.jobs.length = kept;
    const skipped = SKIP_REASONS.reduce((s, r) => s + this.skips[r], 0);
    return { header: this.header, machine_procs: machine, jobs: this.jobs, skipped, skipped_by_reason: { ...this.skips }, parse_s };
  }
}

function checkProcsOption(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new FleetqError('INVALID_ARGUMENT', `${name}: expected a positive integer, got ${value}`, { field: name });
  }
}

/** Parses a whole SWF text (tests, small traces). Same rules and errors as `readSwf`. */
export function parseSwfText(text: string, opts: SwfOptions = {}): SwfTrace {
  const t0 = process.hrtime.bigint();
  const parser = new SwfParser(opts);
  for (const line of text.split(/\r?\n/)) parser.line(line);
  return parser.finish(seconds(t0));
}

/** Parses SWF from a stream of (decompressed) bytes, line by line. */
export async function readSwfStream(input: Readable, opts: SwfOptions = {}): Promise<SwfTrace> {
  const t0 = process.hrtime.bigint();
  const parser = new SwfParser(opts);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) parser.line(line);
  return parser.finish(seconds(t0));
}

/**
 * Reads an SWF file, gzipped or not (gzip recognized by its magic bytes 1f 8b, whatever the
 * name). Rejects with FleetqError on a malformed line or an unknown machine size, and with the
 * fs/zlib error on an unreadable or corrupt file.
 */
export async function readSwf(path: string, opts: SwfOptions = {}): Promise<SwfTrace> {
  const t0 = process.hrtime.bigint();
  const gzipped = await isGzip(path);
  const file = createReadStream(path);
  let input: Readable = file;
  if (gzipped) {
    const gunzip = createGunzip();
    file.on('error', (err) => gunzip.destroy(err));
    input = file.pipe(gunzip);
  }
  try {
    const trace = await readSwfStream(input, opts);
    trace.parse_s = seconds(t0);
    return trace;
  } finally {
    // A malformed line stops the reading early: release the file and the inflater.
    input.destroy();
    file.destroy();
  }
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
