/** One structured logger (pino, JSON lines on stderr); components take child loggers. */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}
