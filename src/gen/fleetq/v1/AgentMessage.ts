// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Register as _fleetq_v1_Register, Register__Output as _fleetq_v1_Register__Output } from '../../fleetq/v1/Register.js';
import type { Heartbeat as _fleetq_v1_Heartbeat, Heartbeat__Output as _fleetq_v1_Heartbeat__Output } from '../../fleetq/v1/Heartbeat.js';
import type { JobStarted as _fleetq_v1_JobStarted, JobStarted__Output as _fleetq_v1_JobStarted__Output } from '../../fleetq/v1/JobStarted.js';
import type { JobEnded as _fleetq_v1_JobEnded, JobEnded__Output as _fleetq_v1_JobEnded__Output } from '../../fleetq/v1/JobEnded.js';
import type { ExecOutput as _fleetq_v1_ExecOutput, ExecOutput__Output as _fleetq_v1_ExecOutput__Output } from '../../fleetq/v1/ExecOutput.js';
import type { ExecDone as _fleetq_v1_ExecDone, ExecDone__Output as _fleetq_v1_ExecDone__Output } from '../../fleetq/v1/ExecDone.js';
import type { Notice as _fleetq_v1_Notice, Notice__Output as _fleetq_v1_Notice__Output } from '../../fleetq/v1/Notice.js';
import type { JobUsage as _fleetq_v1_JobUsage, JobUsage__Output as _fleetq_v1_JobUsage__Output } from '../../fleetq/v1/JobUsage.js';

export interface AgentMessage {
  'register'?: (_fleetq_v1_Register | null);
  'heartbeat'?: (_fleetq_v1_Heartbeat | null);
  'started'?: (_fleetq_v1_JobStarted | null);
  'ended'?: (_fleetq_v1_JobEnded | null);
  'exec_output'?: (_fleetq_v1_ExecOutput | null);
  'exec_done'?: (_fleetq_v1_ExecDone | null);
  'notice'?: (_fleetq_v1_Notice | null);
  'usage'?: (_fleetq_v1_JobUsage | null);
  'msg'?: "register"|"heartbeat"|"started"|"ended"|"exec_output"|"exec_done"|"notice"|"usage";
}

export interface AgentMessage__Output {
  'register'?: (_fleetq_v1_Register__Output | null);
  'heartbeat'?: (_fleetq_v1_Heartbeat__Output | null);
  'started'?: (_fleetq_v1_JobStarted__Output | null);
  'ended'?: (_fleetq_v1_JobEnded__Output | null);
  'exec_output'?: (_fleetq_v1_ExecOutput__Output | null);
  'exec_done'?: (_fleetq_v1_ExecDone__Output | null);
  'notice'?: (_fleetq_v1_Notice__Output | null);
  'usage'?: (_fleetq_v1_JobUsage__Output | null);
  'msg'?: "register"|"heartbeat"|"started"|"ended"|"exec_output"|"exec_done"|"notice"|"usage";
}
