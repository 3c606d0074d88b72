// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Launch as _fleetq_v1_Launch, Launch__Output as _fleetq_v1_Launch__Output } from '../../fleetq/v1/Launch.js';
import type { Signal as _fleetq_v1_Signal, Signal__Output as _fleetq_v1_Signal__Output } from '../../fleetq/v1/Signal.js';
import type { AckEnded as _fleetq_v1_AckEnded, AckEnded__Output as _fleetq_v1_AckEnded__Output } from '../../fleetq/v1/AckEnded.js';
import type { Shutdown as _fleetq_v1_Shutdown, Shutdown__Output as _fleetq_v1_Shutdown__Output } from '../../fleetq/v1/Shutdown.js';
import type { Registered as _fleetq_v1_Registered, Registered__Output as _fleetq_v1_Registered__Output } from '../../fleetq/v1/Registered.js';
import type { ExecOpen as _fleetq_v1_ExecOpen, ExecOpen__Output as _fleetq_v1_ExecOpen__Output } from '../../fleetq/v1/ExecOpen.js';
import type { ExecInput as _fleetq_v1_ExecInput, ExecInput__Output as _fleetq_v1_ExecInput__Output } from '../../fleetq/v1/ExecInput.js';

export interface DaemonMessage {
  'launch'?: (_fleetq_v1_Launch | null);
  'signal'?: (_fleetq_v1_Signal | null);
  'ack_ended'?: (_fleetq_v1_AckEnded | null);
  'shutdown'?: (_fleetq_v1_Shutdown | null);
  'registered'?: (_fleetq_v1_Registered | null);
  'exec_open'?: (_fleetq_v1_ExecOpen | null);
  'exec_input'?: (_fleetq_v1_ExecInput | null);
  'msg'?: "launch"|"signal"|"ack_ended"|"shutdown"|"registered"|"exec_open"|"exec_input";
}

export interface DaemonMessage__Output {
  'launch'?: (_fleetq_v1_Launch__Output | null);
  'signal'?: (_fleetq_v1_Signal__Output | null);
  'ack_ended'?: (_fleetq_v1_AckEnded__Output | null);
  'shutdown'?: (_fleetq_v1_Shutdown__Output | null);
  'registered'?: (_fleetq_v1_Registered__Output | null);
  'exec_open'?: (_fleetq_v1_ExecOpen__Output | null);
  'exec_input'?: (_fleetq_v1_ExecInput__Output | null);
  'msg'?: "launch"|"signal"|"ack_ended"|"shutdown"|"registered"|"exec_open"|"exec_input";
}
