import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AckEnded as _fleetq_v1_AckEnded, AckEnded__Output as _fleetq_v1_AckEnded__Output } from './fleetq/v1/AckEnded.js';
import type { AgentClient as _fleetq_v1_AgentClient, AgentDefinition as _fleetq_v1_AgentDefinition } from './fleetq/v1/Agent.js';
import type { AgentMessage as _fleetq_v1_AgentMessage, AgentMessage__Output as _fleetq_v1_AgentMessage__Output } from './fleetq/v1/AgentMessage.js';
import type { DaemonMessage as _fleetq_v1_DaemonMessage, DaemonMessage__Output as _fleetq_v1_DaemonMessage__Output } from './fleetq/v1/DaemonMessage.js';
import type { ExecDone as _fleetq_v1_ExecDone, ExecDone__Output as _fleetq_v1_ExecDone__Output } from './fleetq/v1/ExecDone.js';
import type { ExecInput as _fleetq_v1_ExecInput, ExecInput__Output as _fleetq_v1_ExecInput__Output } from './fleetq/v1/ExecInput.js';
import type { ExecOpen as _fleetq_v1_ExecOpen, ExecOpen__Output as _fleetq_v1_ExecOpen__Output } from './fleetq/v1/ExecOpen.js';
import type { ExecOutput as _fleetq_v1_ExecOutput, ExecOutput__Output as _fleetq_v1_ExecOutput__Output } from './fleetq/v1/ExecOutput.js';
import type { Heartbeat as _fleetq_v1_Heartbeat, Heartbeat__Output as _fleetq_v1_Heartbeat__Output } from './fleetq/v1/Heartbeat.js';
import type { JobEnded as _fleetq_v1_JobEnded, JobEnded__Output as _fleetq_v1_JobEnded__Output } from './fleetq/v1/JobEnded.js';
import type { JobStarted as _fleetq_v1_JobStarted, JobStarted__Output as _fleetq_v1_JobStarted__Output } from './fleetq/v1/JobStarted.js';
import type { JobUsage as _fleetq_v1_JobUsage, JobUsage__Output as _fleetq_v1_JobUsage__Output } from './fleetq/v1/JobUsage.js';
import type { Launch as _fleetq_v1_Launch, Launch__Output as _fleetq_v1_Launch__Output } from './fleetq/v1/Launch.js';
import type { NodeResources as _fleetq_v1_NodeResources, NodeResources__Output as _fleetq_v1_NodeResources__Output } from './fleetq/v1/NodeResources.js';
import type { Notice as _fleetq_v1_Notice, Notice__Output as _fleetq_v1_Notice__Output } from './fleetq/v1/Notice.js';
import type { Register as _fleetq_v1_Register, Register__Output as _fleetq_v1_Register__Output } from './fleetq/v1/Register.js';
import type { Registered as _fleetq_v1_Registered, Registered__Output as _fleetq_v1_Registered__Output } from './fleetq/v1/Registered.js';
import type { RunningJob as _fleetq_v1_RunningJob, RunningJob__Output as _fleetq_v1_RunningJob__Output } from './fleetq/v1/RunningJob.js';
import type { Shutdown as _fleetq_v1_Shutdown, Shutdown__Output as _fleetq_v1_Shutdown__Output } from './fleetq/v1/Shutdown.js';
import type { Signal as _fleetq_v1_Signal, Signal__Output as _fleetq_v1_Signal__Output } from './fleetq/v1/Signal.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fleetq: {
    v1: {
      AckEnded: MessageTypeDefinition<_fleetq_v1_AckEnded, _fleetq_v1_AckEnded__Output>
      Agent: SubtypeConstructor<typeof grpc.Client, _fleetq_v1_AgentClient> & { service: _fleetq_v1_AgentDefinition }
      AgentMessage: MessageTypeDefinition<_fleetq_v1_AgentMessage, _fleetq_v1_AgentMessage__Output>
      DaemonMessage: MessageTypeDefinition<_fleetq_v1_DaemonMessage, _fleetq_v1_DaemonMessage__Output>
      ExecDone: MessageTypeDefinition<_fleetq_v1_ExecDone, _fleetq_v1_ExecDone__Output>
      ExecInput: MessageTypeDefinition<_fleetq_v1_ExecInput, _fleetq_v1_ExecInput__Output>
      ExecOpen: MessageTypeDefinition<_fleetq_v1_ExecOpen, _fleetq_v1_ExecOpen__Output>
      ExecOutput: MessageTypeDefinition<_fleetq_v1_ExecOutput, _fleetq_v1_ExecOutput__Output>
      Heartbeat: MessageTypeDefinition<_fleetq_v1_Heartbeat, _fleetq_v1_Heartbeat__Output>
      JobEnded: MessageTypeDefinition<_fleetq_v1_JobEnded, _fleetq_v1_JobEnded__Output>
      JobStarted: MessageTypeDefinition<_fleetq_v1_JobStarted, _fleetq_v1_JobStarted__Output>
      JobUsage: MessageTypeDefinition<_fleetq_v1_JobUsage, _fleetq_v1_JobUsage__Output>
      Launch: MessageTypeDefinition<_fleetq_v1_Launch, _fleetq_v1_Launch__Output>
      NodeResources: MessageTypeDefinition<_fleetq_v1_NodeResources, _fleetq_v1_NodeResources__Output>
      Notice: MessageTypeDefinition<_fleetq_v1_Notice, _fleetq_v1_Notice__Output>
      Register: MessageTypeDefinition<_fleetq_v1_Register, _fleetq_v1_Register__Output>
      Registered: MessageTypeDefinition<_fleetq_v1_Registered, _fleetq_v1_Registered__Output>
      RunningJob: MessageTypeDefinition<_fleetq_v1_RunningJob, _fleetq_v1_RunningJob__Output>
      Shutdown: MessageTypeDefinition<_fleetq_v1_Shutdown, _fleetq_v1_Shutdown__Output>
      Signal: MessageTypeDefinition<_fleetq_v1_Signal, _fleetq_v1_Signal__Output>
    }
  }
}

