/**
 * fleetq's small error catalogue. Every error that crosses the API carries a stable string code,
 * the PBS error number that the shims turn into text and exit status, and the canonical gRPC status
 * it maps to (src/api/errors.ts). `cause` is always kept.
 */
export const PBSE = {
  UNKJOBID: 15001, NOATTR: 15002, PERM: 15007, SYSTEM: 15010, INTERNAL: 15011, BADATVAL: 15014,
  MODATRRUN: 15015, BADSTATE: 15016, UNKQUE: 15018, QUNOENB: 15021, UNKRESC: 15035, EXCQRESC: 15036,
  BADDEPEND: 15041, JOBEXIST: 15009, NOSERVER: 15034, HISTJOBID: 15139, BADCRED: 15019, BADUSER: 15023,
} as const;

/** PBS's texts for its errors (pbs_messages.c). */
export const PBSE_TEXT: Readonly<Record<number, string>> = {
  15001: 'Unknown Job Id', 15002: 'Undefined attribute', 15007: 'Unauthorized Request',
  15010: 'System error', 15011: 'Internal server error', 15014: 'Illegal attribute or resource value',
  15015: 'Cannot modify attribute while job running', 15016: 'Request invalid for state of job',
  15018: 'Unknown queue', 15021: 'Queue is not enabled', 15035: 'Unknown resource',
  15036: 'Job violates queue and/or server resource limits', 15041: 'Invalid Job Dependency',
  15009: 'Job with requested ID already exists', 15034: 'No server to connect to', 15139: 'Job has finished',
  15019: 'Invalid credential', 15023: 'Bad UID for job execution',
};

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'UNKNOWN_RESOURCE' | 'UNKNOWN_QUEUE' | 'QUEUE_DISABLED' | 'JOB_NOT_FOUND'
  | 'JOB_FINISHED' | 'BAD_STATE' | 'BAD_DEPEND' | 'PERMISSION_DENIED' | 'RESOURCE_LIMIT' | 'UNAVAILABLE' | 'INTERNAL'
  | 'UNAUTHENTICATED' | 'BAD_USER' | 'STORE_FULL';

const PBSE_OF: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: PBSE.BADATVAL, UNKNOWN_RESOURCE: PBSE.UNKRESC, UNKNOWN_QUEUE: PBSE.UNKQUE,
  QUEUE_DISABLED: PBSE.QUNOENB, JOB_NOT_FOUND: PBSE.UNKJOBID, JOB_FINISHED: PBSE.HISTJOBID,
  BAD_STATE: PBSE.BADSTATE, BAD_DEPEND: PBSE.BADDEPEND, PERMISSION_DENIED: PBSE.PERM, RESOURCE_LIMIT: PBSE.EXCQRESC,
  UNAVAILABLE: PBSE.NOSERVER, INTERNAL: PBSE.INTERNAL, UNAUTHENTICATED: PBSE.BADCRED, BAD_USER: PBSE.BADUSER, STORE_FULL: PBSE.SYSTEM,
};

export class FleetqError extends Error {
  readonly code: ErrorCode;
  /** The field at fault, e.g. `Resource_List.select`, when there is one. */
  readonly field: string | undefined;
  readonly pbsErrno: number;

  constructor(code: ErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FleetqError';
    this.code = code;
    this.field = opts.field;
    this.pbsErrno = PBSE_OF[code];
  }
}

/** Shorthand for the most common error: a field with a bad value. */
export function invalid(field: string, reason: string): FleetqError {
  return new FleetqError('INVALID_ARGUMENT', `${field}: ${reason}`, { field });
}
