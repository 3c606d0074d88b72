import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AlterJobRequest as _fleetq_v1_AlterJobRequest, AlterJobRequest__Output as _fleetq_v1_AlterJobRequest__Output } from './fleetq/v1/AlterJobRequest.js';
import type { AlterJobResponse as _fleetq_v1_AlterJobResponse, AlterJobResponse__Output as _fleetq_v1_AlterJobResponse__Output } from './fleetq/v1/AlterJobResponse.js';
import type { CancelJobRequest as _fleetq_v1_CancelJobRequest, CancelJobRequest__Output as _fleetq_v1_CancelJobRequest__Output } from './fleetq/v1/CancelJobRequest.js';
import type { CancelJobResponse as _fleetq_v1_CancelJobResponse, CancelJobResponse__Output as _fleetq_v1_CancelJobResponse__Output } from './fleetq/v1/CancelJobResponse.js';
import type { Chunk as _fleetq_v1_Chunk, Chunk__Output as _fleetq_v1_Chunk__Output } from './fleetq/v1/Chunk.js';
import type { ExecExit as _fleetq_v1_ExecExit, ExecExit__Output as _fleetq_v1_ExecExit__Output } from './fleetq/v1/ExecExit.js';
import type { ExecReply as _fleetq_v1_ExecReply, ExecReply__Output as _fleetq_v1_ExecReply__Output } from './fleetq/v1/ExecReply.js';
import type { ExecRequest as _fleetq_v1_ExecRequest, ExecRequest__Output as _fleetq_v1_ExecRequest__Output } from './fleetq/v1/ExecRequest.js';
import type { ExecStart as _fleetq_v1_ExecStart, ExecStart__Output as _fleetq_v1_ExecStart__Output } from './fleetq/v1/ExecStart.js';
import type { GetJobRequest as _fleetq_v1_GetJobRequest, GetJobRequest__Output as _fleetq_v1_GetJobRequest__Output } from './fleetq/v1/GetJobRequest.js';
import type { GetServerRequest as _fleetq_v1_GetServerRequest, GetServerRequest__Output as _fleetq_v1_GetServerRequest__Output } from './fleetq/v1/GetServerRequest.js';
import type { HoldJobRequest as _fleetq_v1_HoldJobRequest, HoldJobRequest__Output as _fleetq_v1_HoldJobRequest__Output } from './fleetq/v1/HoldJobRequest.js';
import type { HoldJobResponse as _fleetq_v1_HoldJobResponse, HoldJobResponse__Output as _fleetq_v1_HoldJobResponse__Output } from './fleetq/v1/HoldJobResponse.js';
import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from './fleetq/v1/Job.js';
import type { JobEvent as _fleetq_v1_JobEvent, JobEvent__Output as _fleetq_v1_JobEvent__Output } from './fleetq/v1/JobEvent.js';
import type { JobSpec as _fleetq_v1_JobSpec, JobSpec__Output as _fleetq_v1_JobSpec__Output } from './fleetq/v1/JobSpec.js';
import type { ListJobsRequest as _fleetq_v1_ListJobsRequest, ListJobsRequest__Output as _fleetq_v1_ListJobsRequest__Output } from './fleetq/v1/ListJobsRequest.js';
import type { ListJobsResponse as _fleetq_v1_ListJobsResponse, ListJobsResponse__Output as _fleetq_v1_ListJobsResponse__Output } from './fleetq/v1/ListJobsResponse.js';
import type { ListNodesRequest as _fleetq_v1_ListNodesRequest, ListNodesRequest__Output as _fleetq_v1_ListNodesRequest__Output } from './fleetq/v1/ListNodesRequest.js';
import type { ListNodesResponse as _fleetq_v1_ListNodesResponse, ListNodesResponse__Output as _fleetq_v1_ListNodesResponse__Output } from './fleetq/v1/ListNodesResponse.js';
import type { ListQueuesRequest as _fleetq_v1_ListQueuesRequest, ListQueuesRequest__Output as _fleetq_v1_ListQueuesRequest__Output } from './fleetq/v1/ListQueuesRequest.js';
import type { ListQueuesResponse as _fleetq_v1_ListQueuesResponse, ListQueuesResponse__Output as _fleetq_v1_ListQueuesResponse__Output } from './fleetq/v1/ListQueuesResponse.js';
import type { Node as _fleetq_v1_Node, Node__Output as _fleetq_v1_Node__Output } from './fleetq/v1/Node.js';
import type { Queue as _fleetq_v1_Queue, Queue__Output as _fleetq_v1_Queue__Output } from './fleetq/v1/Queue.js';
import type { ReleaseJobRequest as _fleetq_v1_ReleaseJobRequest, ReleaseJobRequest__Output as _fleetq_v1_ReleaseJobRequest__Output } from './fleetq/v1/ReleaseJobRequest.js';
import type { ReleaseJobResponse as _fleetq_v1_ReleaseJobResponse, ReleaseJobResponse__Output as _fleetq_v1_ReleaseJobResponse__Output } from './fleetq/v1/ReleaseJobResponse.js';
import type { Resources as _fleetq_v1_Resources, Resources__Output as _fleetq_v1_Resources__Output } from './fleetq/v1/Resources.js';
import type { SchedulerClient as _fleetq_v1_SchedulerClient, SchedulerDefinition as _fleetq_v1_SchedulerDefinition } from './fleetq/v1/Scheduler.js';
import type { Server as _fleetq_v1_Server, Server__Output as _fleetq_v1_Server__Output } from './fleetq/v1/Server.js';
import type { SetNodeRequest as _fleetq_v1_SetNodeRequest, SetNodeRequest__Output as _fleetq_v1_SetNodeRequest__Output } from './fleetq/v1/SetNodeRequest.js';
import type { SubmitJobRequest as _fleetq_v1_SubmitJobRequest, SubmitJobRequest__Output as _fleetq_v1_SubmitJobRequest__Output } from './fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse as _fleetq_v1_SubmitJobResponse, SubmitJobResponse__Output as _fleetq_v1_SubmitJobResponse__Output } from './fleetq/v1/SubmitJobResponse.js';
import type { WatchJobsRequest as _fleetq_v1_WatchJobsRequest, WatchJobsRequest__Output as _fleetq_v1_WatchJobsRequest__Output } from './fleetq/v1/WatchJobsRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fleetq: {
    v1: {
      AlterJobRequest: MessageTypeDefinition<_fleetq_v1_AlterJobRequest, _fleetq_v1_AlterJobRequest__Output>
      AlterJobResponse: MessageTypeDefinition<_fleetq_v1_AlterJobResponse, _fleetq_v1_AlterJobResponse__Output>
      CancelJobRequest: MessageTypeDefinition<_fleetq_v1_CancelJobRequest, _fleetq_v1_CancelJobRequest__Output>
      CancelJobResponse: MessageTypeDefinition<_fleetq_v1_CancelJobResponse, _fleetq_v1_CancelJobResponse__Output>
      Chunk: MessageTypeDefinition<_fleetq_v1_Chunk, _fleetq_v1_Chunk__Output>
      ExecExit: MessageTypeDefinition<_fleetq_v1_ExecExit, _fleetq_v1_ExecExit__Output>
      ExecReply: MessageTypeDefinition<_fleetq_v1_ExecReply, _fleetq_v1_ExecReply__Output>
      ExecRequest: MessageTypeDefinition<_fleetq_v1_ExecRequest, _fleetq_v1_ExecRequest__Output>
      ExecStart: MessageTypeDefinition<_fleetq_v1_ExecStart, _fleetq_v1_ExecStart__Output>
      GetJobRequest: MessageTypeDefinition<_fleetq_v1_GetJobRequest, _fleetq_v1_GetJobRequest__Output>
      GetServerRequest: MessageTypeDefinition<_fleetq_v1_GetServerRequest, _fleetq_v1_GetServerRequest__Output>
      HoldJobRequest: MessageTypeDefinition<_fleetq_v1_HoldJobRequest, _fleetq_v1_HoldJobRequest__Output>
      HoldJobResponse: MessageTypeDefinition<_fleetq_v1_HoldJobResponse, _fleetq_v1_HoldJobResponse__Output>
      Job: MessageTypeDefinition<_fleetq_v1_Job, _fleetq_v1_Job__Output>
      JobEvent: MessageTypeDefinition<_fleetq_v1_JobEvent, _fleetq_v1_JobEvent__Output>
      JobSpec: MessageTypeDefinition<_fleetq_v1_JobSpec, _fleetq_v1_JobSpec__Output>
      JobState: EnumTypeDefinition
      JobView: EnumTypeDefinition
      ListJobsRequest: MessageTypeDefinition<_fleetq_v1_ListJobsRequest, _fleetq_v1_ListJobsRequest__Output>
      ListJobsResponse: MessageTypeDefinition<_fleetq_v1_ListJobsResponse, _fleetq_v1_ListJobsResponse__Output>
      ListNodesRequest: MessageTypeDefinition<_fleetq_v1_ListNodesRequest, _fleetq_v1_ListNodesRequest__Output>
      ListNodesResponse: MessageTypeDefinition<_fleetq_v1_ListNodesResponse, _fleetq_v1_ListNodesResponse__Output>
      ListQueuesRequest: MessageTypeDefinition<_fleetq_v1_ListQueuesRequest, _fleetq_v1_ListQueuesRequest__Output>
      ListQueuesResponse: MessageTypeDefinition<_fleetq_v1_ListQueuesResponse, _fleetq_v1_ListQueuesResponse__Output>
      Node: MessageTypeDefinition<_fleetq_v1_Node, _fleetq_v1_Node__Output>
      NodeState: EnumTypeDefinition
      Queue: MessageTypeDefinition<_fleetq_v1_Queue, _fleetq_v1_Queue__Output>
      ReleaseJobRequest: MessageTypeDefinition<_fleetq_v1_ReleaseJobRequest, _fleetq_v1_ReleaseJobRequest__Output>
      ReleaseJobResponse: MessageTypeDefinition<_fleetq_v1_ReleaseJobResponse, _fleetq_v1_ReleaseJobResponse__Output>
      Resources: MessageTypeDefinition<_fleetq_v1_Resources, _fleetq_v1_Resources__Output>
      Scheduler: SubtypeConstructor<typeof grpc.Client, _fleetq_v1_SchedulerClient> & { service: _fleetq_v1_SchedulerDefinition }
      Server: MessageTypeDefinition<_fleetq_v1_Server, _fleetq_v1_Server__Output>
      SetNodeRequest: MessageTypeDefinition<_fleetq_v1_SetNodeRequest, _fleetq_v1_SetNodeRequest__Output>
      SubmitJobRequest: MessageTypeDefinition<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobRequest__Output>
      SubmitJobResponse: MessageTypeDefinition<_fleetq_v1_SubmitJobResponse, _fleetq_v1_SubmitJobResponse__Output>
      WatchJobsRequest: MessageTypeDefinition<_fleetq_v1_WatchJobsRequest, _fleetq_v1_WatchJobsRequest__Output>
    }
  }
}

