// Original file: /work/main/proto/fleetq/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _fleetq_v1_AgentMessage, AgentMessage__Output as _fleetq_v1_AgentMessage__Output } from '../../fleetq/v1/AgentMessage.js';
import type { DaemonMessage as _fleetq_v1_DaemonMessage, DaemonMessage__Output as _fleetq_v1_DaemonMessage__Output } from '../../fleetq/v1/DaemonMessage.js';

export interface AgentClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_AgentMessage, _fleetq_v1_DaemonMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_AgentMessage, _fleetq_v1_DaemonMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_AgentMessage, _fleetq_v1_DaemonMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_AgentMessage, _fleetq_v1_DaemonMessage__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_fleetq_v1_AgentMessage__Output, _fleetq_v1_DaemonMessage>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_fleetq_v1_AgentMessage, _fleetq_v1_DaemonMessage, _fleetq_v1_AgentMessage__Output, _fleetq_v1_DaemonMessage__Output>
}
