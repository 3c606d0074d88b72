/**
 * The one place errors become gRPC statuses. FleetqErrors keep their message (which names the
 * field) and carry the PBS error number in trailing metadata for the PBS shims; anything else
 * becomes INTERNAL without leaking internals.
 */
import * as grpc from '@grpc/grpc-js';
import { FleetqError, type ErrorCode } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { StoreError } from '../store/index.js';

const STATUS: Readonly<Record<ErrorCode, grpc.status>> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  UNKNOWN_RESOURCE: grpc.status.INVALID_ARGUMENT,
  UNKNOWN_QUEUE: grpc.status.NOT_FOUND,
  QUEUE_DISABLED: grpc.status.FAILED_PRECONDITION,
  JOB_NOT_FOUND: grpc.status.NOT_FOUND,
  JOB_FINISHED: grpc.status.FAILED_PRECONDITION,
  BAD_STATE: grpc.status.FAILED_PRECONDITION,
  BAD_DEPEND: grpc.status.INVALID_ARGUMENT,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  RESOURCE_LIMIT: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  BAD_USER: grpc.status.PERMISSION_DENIED,
  STORE_FULL: grpc.status.RESOURCE_EXHAUSTED,
};

export function toStatus(err0: unknown, log: Logger): Partial<grpc.StatusObject> {
  const md = new grpc.Metadata();
  let err = err0;
  if (err instanceof StoreError && err.full) {
    log.error({ err: err.message }, 'store full: writes refused');
    err = new FleetqError('STORE_FULL', 'store: cannot write: the disk or the LMDB map of the job store is full; submits and changes are refused until there is space, everything already stored is kept, and reads go on', { field: 'store' });
  }
  if (err instanceof FleetqError) {
    md.set('x-fleetq-code', err.code);
    md.set('x-fleetq-pbs-errno', String(err.pbsErrno));
    if (err.field) md.set('x-fleetq-field', err.field);
    return { code: STATUS[err.code], details: err.message, metadata: md };
  }
  log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'internal error');
  md.set('x-fleetq-code', 'INTERNAL');
  md.set('x-fleetq-pbs-errno', '15011');
  return { code: grpc.status.INTERNAL, details: 'Internal server error (see the daemon log)', metadata: md };
}

/** Wraps an async unary handler: resolve → callback(null, value); throw → mapped status. */
export function unary<Req, Res>(log: Logger, fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    Promise.resolve()
      .then(() => fn(call.request, call))
      .then((res) => cb(null, res), (err: unknown) => cb(toStatus(err, log) as grpc.ServiceError));
  };
}
