// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { ExecExit as _fleetq_v1_ExecExit, ExecExit__Output as _fleetq_v1_ExecExit__Output } from '../../fleetq/v1/ExecExit.js';

export interface ExecReply {
  'stdout'?: (Buffer | Uint8Array | string);
  'stderr'?: (Buffer | Uint8Array | string);
  'exit'?: (_fleetq_v1_ExecExit | null);
  'msg'?: "stdout"|"stderr"|"exit";
}

export interface ExecReply__Output {
  'stdout'?: (Buffer);
  'stderr'?: (Buffer);
  'exit'?: (_fleetq_v1_ExecExit__Output | null);
  'msg'?: "stdout"|"stderr"|"exit";
}
