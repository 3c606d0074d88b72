// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { ExecStart as _fleetq_v1_ExecStart, ExecStart__Output as _fleetq_v1_ExecStart__Output } from '../../fleetq/v1/ExecStart.js';

export interface ExecRequest {
  'start'?: (_fleetq_v1_ExecStart | null);
  'stdin'?: (Buffer | Uint8Array | string);
  'stdin_eof'?: (boolean);
  'signal'?: (string);
  'msg'?: "start"|"stdin"|"stdin_eof"|"signal";
}

export interface ExecRequest__Output {
  'start'?: (_fleetq_v1_ExecStart__Output | null);
  'stdin'?: (Buffer);
  'stdin_eof'?: (boolean);
  'signal'?: (string);
  'msg'?: "start"|"stdin"|"stdin_eof"|"signal";
}
