// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AlterJobRequest as _fleetq_v1_AlterJobRequest, AlterJobRequest__Output as _fleetq_v1_AlterJobRequest__Output } from '../../fleetq/v1/AlterJobRequest.js';
import type { AlterJobResponse as _fleetq_v1_AlterJobResponse, AlterJobResponse__Output as _fleetq_v1_AlterJobResponse__Output } from '../../fleetq/v1/AlterJobResponse.js';
import type { CancelJobRequest as _fleetq_v1_CancelJobRequest, CancelJobRequest__Output as _fleetq_v1_CancelJobRequest__Output } from '../../fleetq/v1/CancelJobRequest.js';
import type { CancelJobResponse as _fleetq_v1_CancelJobResponse, CancelJobResponse__Output as _fleetq_v1_CancelJobResponse__Output } from '../../fleetq/v1/CancelJobResponse.js';
import type { ExecReply as _fleetq_v1_ExecReply, ExecReply__Output as _fleetq_v1_ExecReply__Output } from '../../fleetq/v1/ExecReply.js';
import type { ExecRequest as _fleetq_v1_ExecRequest, ExecRequest__Output as _fleetq_v1_ExecRequest__Output } from '../../fleetq/v1/ExecRequest.js';
import type { GetJobRequest as _fleetq_v1_GetJobRequest, GetJobRequest__Output as _fleetq_v1_GetJobRequest__Output } from '../../fleetq/v1/GetJobRequest.js';
import type { GetServerRequest as _fleetq_v1_GetServerRequest, GetServerRequest__Output as _fleetq_v1_GetServerRequest__Output } from '../../fleetq/v1/GetServerRequest.js';
import type { HoldJobRequest as _fleetq_v1_HoldJobRequest, HoldJobRequest__Output as _fleetq_v1_HoldJobRequest__Output } from '../../fleetq/v1/HoldJobRequest.js';
import type { HoldJobResponse as _fleetq_v1_HoldJobResponse, HoldJobResponse__Output as _fleetq_v1_HoldJobResponse__Output } from '../../fleetq/v1/HoldJobResponse.js';
import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from '../../fleetq/v1/Job.js';
import type { JobEvent as _fleetq_v1_JobEvent, JobEvent__Output as _fleetq_v1_JobEvent__Output } from '../../fleetq/v1/JobEvent.js';
import type { ListJobsRequest as _fleetq_v1_ListJobsRequest, ListJobsRequest__Output as _fleetq_v1_ListJobsRequest__Output } from '../../fleetq/v1/ListJobsRequest.js';
import type { ListJobsResponse as _fleetq_v1_ListJobsResponse, ListJobsResponse__Output as _fleetq_v1_ListJobsResponse__Output } from '../../fleetq/v1/ListJobsResponse.js';
import type { ListNodesRequest as _fleetq_v1_ListNodesRequest, ListNodesRequest__Output as _fleetq_v1_ListNodesRequest__Output } from '../../fleetq/v1/ListNodesRequest.js';
import type { ListNodesResponse as _fleetq_v1_ListNodesResponse, ListNodesResponse__Output as _fleetq_v1_ListNodesResponse__Output } from '../../fleetq/v1/ListNodesResponse.js';
import type { ListQueuesRequest as _fleetq_v1_ListQueuesRequest, ListQueuesRequest__Output as _fleetq_v1_ListQueuesRequest__Output } from '../../fleetq/v1/ListQueuesRequest.js';
import type { ListQueuesResponse as _fleetq_v1_ListQueuesResponse, ListQueuesResponse__Output as _fleetq_v1_ListQueuesResponse__Output } from '../../fleetq/v1/ListQueuesResponse.js';
import type { Node as _fleetq_v1_Node, Node__Output as _fleetq_v1_Node__Output } from '../../fleetq/v1/Node.js';
import type { ReleaseJobRequest as _fleetq_v1_ReleaseJobRequest, ReleaseJobRequest__Output as _fleetq_v1_ReleaseJobRequest__Output } from '../../fleetq/v1/ReleaseJobRequest.js';
import type { ReleaseJobResponse as _fleetq_v1_ReleaseJobResponse, ReleaseJobResponse__Output as _fleetq_v1_ReleaseJobResponse__Output } from '../../fleetq/v1/ReleaseJobResponse.js';
import type { Server as _fleetq_v1_Server, Server__Output as _fleetq_v1_Server__Output } from '../../fleetq/v1/Server.js';
import type { SetNodeRequest as _fleetq_v1_SetNodeRequest, SetNodeRequest__Output as _fleetq_v1_SetNodeRequest__Output } from '../../fleetq/v1/SetNodeRequest.js';
import type { SubmitJobRequest as _fleetq_v1_SubmitJobRequest, SubmitJobRequest__Output as _fleetq_v1_SubmitJobRequest__Output } from '../../fleetq/v1/SubmitJobRequest.js';
import type { SubmitJobResponse as _fleetq_v1_SubmitJobResponse, SubmitJobResponse__Output as _fleetq_v1_SubmitJobResponse__Output } from '../../fleetq/v1/SubmitJobResponse.js';
import type { WatchJobsRequest as _fleetq_v1_WatchJobsRequest, WatchJobsRequest__Output as _fleetq_v1_WatchJobsRequest__Output } from '../../fleetq/v1/WatchJobsRequest.js';

export interface SchedulerClient extends grpc.Client {
  AlterJob(argument: _fleetq_v1_AlterJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  AlterJob(argument: _fleetq_v1_AlterJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  AlterJob(argument: _fleetq_v1_AlterJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  AlterJob(argument: _fleetq_v1_AlterJobRequest, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  alterJob(argument: _fleetq_v1_AlterJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  alterJob(argument: _fleetq_v1_AlterJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  alterJob(argument: _fleetq_v1_AlterJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  alterJob(argument: _fleetq_v1_AlterJobRequest, callback: grpc.requestCallback<_fleetq_v1_AlterJobResponse__Output>): grpc.ClientUnaryCall;
  
  CancelJob(argument: _fleetq_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fleetq_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fleetq_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fleetq_v1_CancelJobRequest, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fleetq_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fleetq_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fleetq_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fleetq_v1_CancelJobRequest, callback: grpc.requestCallback<_fleetq_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  
  Exec(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_ExecRequest, _fleetq_v1_ExecReply__Output>;
  Exec(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_ExecRequest, _fleetq_v1_ExecReply__Output>;
  exec(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_ExecRequest, _fleetq_v1_ExecReply__Output>;
  exec(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_ExecRequest, _fleetq_v1_ExecReply__Output>;
  
  GetJob(argument: _fleetq_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _fleetq_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _fleetq_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _fleetq_v1_GetJobRequest, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _fleetq_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _fleetq_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _fleetq_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _fleetq_v1_GetJobRequest, callback: grpc.requestCallback<_fleetq_v1_Job__Output>): grpc.ClientUnaryCall;
  
  GetServer(argument: _fleetq_v1_GetServerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  GetServer(argument: _fleetq_v1_GetServerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  GetServer(argument: _fleetq_v1_GetServerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  GetServer(argument: _fleetq_v1_GetServerRequest, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  getServer(argument: _fleetq_v1_GetServerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  getServer(argument: _fleetq_v1_GetServerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  getServer(argument: _fleetq_v1_GetServerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  getServer(argument: _fleetq_v1_GetServerRequest, callback: grpc.requestCallback<_fleetq_v1_Server__Output>): grpc.ClientUnaryCall;
  
  HoldJob(argument: _fleetq_v1_HoldJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  HoldJob(argument: _fleetq_v1_HoldJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  HoldJob(argument: _fleetq_v1_HoldJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  HoldJob(argument: _fleetq_v1_HoldJobRequest, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  holdJob(argument: _fleetq_v1_HoldJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  holdJob(argument: _fleetq_v1_HoldJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  holdJob(argument: _fleetq_v1_HoldJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  holdJob(argument: _fleetq_v1_HoldJobRequest, callback: grpc.requestCallback<_fleetq_v1_HoldJobResponse__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _fleetq_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fleetq_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fleetq_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fleetq_v1_ListJobsRequest, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fleetq_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fleetq_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fleetq_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fleetq_v1_ListJobsRequest, callback: grpc.requestCallback<_fleetq_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _fleetq_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _fleetq_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _fleetq_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _fleetq_v1_ListNodesRequest, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _fleetq_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _fleetq_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _fleetq_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _fleetq_v1_ListNodesRequest, callback: grpc.requestCallback<_fleetq_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  ListQueues(argument: _fleetq_v1_ListQueuesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _fleetq_v1_ListQueuesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _fleetq_v1_ListQueuesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  ListQueues(argument: _fleetq_v1_ListQueuesRequest, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _fleetq_v1_ListQueuesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _fleetq_v1_ListQueuesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _fleetq_v1_ListQueuesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  listQueues(argument: _fleetq_v1_ListQueuesRequest, callback: grpc.requestCallback<_fleetq_v1_ListQueuesResponse__Output>): grpc.ClientUnaryCall;
  
  ReleaseJob(argument: _fleetq_v1_ReleaseJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  ReleaseJob(argument: _fleetq_v1_ReleaseJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  ReleaseJob(argument: _fleetq_v1_ReleaseJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  ReleaseJob(argument: _fleetq_v1_ReleaseJobRequest, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  releaseJob(argument: _fleetq_v1_ReleaseJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  releaseJob(argument: _fleetq_v1_ReleaseJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  releaseJob(argument: _fleetq_v1_ReleaseJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  releaseJob(argument: _fleetq_v1_ReleaseJobRequest, callback: grpc.requestCallback<_fleetq_v1_ReleaseJobResponse__Output>): grpc.ClientUnaryCall;
  
  SetNode(argument: _fleetq_v1_SetNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  SetNode(argument: _fleetq_v1_SetNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  SetNode(argument: _fleetq_v1_SetNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  SetNode(argument: _fleetq_v1_SetNodeRequest, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  setNode(argument: _fleetq_v1_SetNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  setNode(argument: _fleetq_v1_SetNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  setNode(argument: _fleetq_v1_SetNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  setNode(argument: _fleetq_v1_SetNodeRequest, callback: grpc.requestCallback<_fleetq_v1_Node__Output>): grpc.ClientUnaryCall;
  
  SubmitJob(argument: _fleetq_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fleetq_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fleetq_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fleetq_v1_SubmitJobRequest, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fleetq_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fleetq_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fleetq_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fleetq_v1_SubmitJobRequest, callback: grpc.requestCallback<_fleetq_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  
  SubmitJobs(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse__Output>;
  SubmitJobs(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse__Output>;
  submitJobs(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse__Output>;
  submitJobs(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse__Output>;
  
  WatchJobs(argument: _fleetq_v1_WatchJobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetq_v1_JobEvent__Output>;
  WatchJobs(argument: _fleetq_v1_WatchJobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetq_v1_JobEvent__Output>;
  watchJobs(argument: _fleetq_v1_WatchJobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetq_v1_JobEvent__Output>;
  watchJobs(argument: _fleetq_v1_WatchJobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleetq_v1_JobEvent__Output>;
  
}

export interface SchedulerHandlers extends grpc.UntypedServiceImplementation {
  AlterJob: grpc.handleUnaryCall<_fleetq_v1_AlterJobRequest__Output, _fleetq_v1_AlterJobResponse>;
  
  CancelJob: grpc.handleUnaryCall<_fleetq_v1_CancelJobRequest__Output, _fleetq_v1_CancelJobResponse>;
  
  Exec: grpc.handleBidiStreamingCall<_fleetq_v1_ExecRequest__Output, _fleetq_v1_ExecReply>;
  
  GetJob: grpc.handleUnaryCall<_fleetq_v1_GetJobRequest__Output, _fleetq_v1_Job>;
  
  GetServer: grpc.handleUnaryCall<_fleetq_v1_GetServerRequest__Output, _fleetq_v1_Server>;
  
  HoldJob: grpc.handleUnaryCall<_fleetq_v1_HoldJobRequest__Output, _fleetq_v1_HoldJobResponse>;
  
  ListJobs: grpc.handleUnaryCall<_fleetq_v1_ListJobsRequest__Output, _fleetq_v1_ListJobsResponse>;
  
  ListNodes: grpc.handleUnaryCall<_fleetq_v1_ListNodesRequest__Output, _fleetq_v1_ListNodesResponse>;
  
  ListQueues: grpc.handleUnaryCall<_fleetq_v1_ListQueuesRequest__Output, _fleetq_v1_ListQueuesResponse>;
  
  ReleaseJob: grpc.handleUnaryCall<_fleetq_v1_ReleaseJobRequest__Output, _fleetq_v1_ReleaseJobResponse>;
  
  SetNode: grpc.handleUnaryCall<_fleetq_v1_SetNodeRequest__Output, _fleetq_v1_Node>;
  
  SubmitJob: grpc.handleUnaryCall<_fleetq_v1_SubmitJobRequest__Output, _fleetq_v1_SubmitJobResponse>;
  
  SubmitJobs: grpc.handleBidiStreamingCall<_fleetq_v1_SubmitJobRequest__Output, _fleetq_v1_SubmitJobResponse>;
  
  WatchJobs: grpc.handleServerStreamingCall<_fleetq_v1_WatchJobsRequest__Output, _fleetq_v1_JobEvent>;
  
}

export interface SchedulerDefinition extends grpc.ServiceDefinition {
  AlterJob: MethodDefinition<_fleetq_v1_AlterJobRequest, _fleetq_v1_AlterJobResponse, _fleetq_v1_AlterJobRequest__Output, _fleetq_v1_AlterJobResponse__Output>
  CancelJob: MethodDefinition<_fleetq_v1_CancelJobRequest, _fleetq_v1_CancelJobResponse, _fleetq_v1_CancelJobRequest__Output, _fleetq_v1_CancelJobResponse__Output>
  Exec: MethodDefinition<_fleetq_v1_ExecRequest, _fleetq_v1_ExecReply, _fleetq_v1_ExecRequest__Output, _fleetq_v1_ExecReply__Output>
  GetJob: MethodDefinition<_fleetq_v1_GetJobRequest, _fleetq_v1_Job, _fleetq_v1_GetJobRequest__Output, _fleetq_v1_Job__Output>
  GetServer: MethodDefinition<_fleetq_v1_GetServerRequest, _fleetq_v1_Server, _fleetq_v1_GetServerRequest__Output, _fleetq_v1_Server__Output>
  HoldJob: MethodDefinition<_fleetq_v1_HoldJobRequest, _fleetq_v1_HoldJobResponse, _fleetq_v1_HoldJobRequest__Output, _fleetq_v1_HoldJobResponse__Output>
  ListJobs: MethodDefinition<_fleetq_v1_ListJobsRequest, _fleetq_v1_ListJobsResponse, _fleetq_v1_ListJobsRequest__Output, _fleetq_v1_ListJobsResponse__Output>
  ListNodes: MethodDefinition<_fleetq_v1_ListNodesRequest, _fleetq_v1_ListNodesResponse, _fleetq_v1_ListNodesRequest__Output, _fleetq_v1_ListNodesResponse__Output>
  ListQueues: MethodDefinition<_fleetq_v1_ListQueuesRequest, _fleetq_v1_ListQueuesResponse, _fleetq_v1_ListQueuesRequest__Output, _fleetq_v1_ListQueuesResponse__Output>
  ReleaseJob: MethodDefinition<_fleetq_v1_ReleaseJobRequest, _fleetq_v1_ReleaseJobResponse, _fleetq_v1_ReleaseJobRequest__Output, _fleetq_v1_ReleaseJobResponse__Output>
  SetNode: MethodDefinition<_fleetq_v1_SetNodeRequest, _fleetq_v1_Node, _fleetq_v1_SetNodeRequest__Output, _fleetq_v1_Node__Output>
  SubmitJob: MethodDefinition<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse, _fleetq_v1_SubmitJobRequest__Output, _fleetq_v1_SubmitJobResponse__Output>
  SubmitJobs: MethodDefinition<_fleetq_v1_SubmitJobRequest, _fleetq_v1_SubmitJobResponse, _fleetq_v1_SubmitJobRequest__Output, _fleetq_v1_SubmitJobResponse__Output>
  WatchJobs: MethodDefinition<_fleetq_v1_WatchJobsRequest, _fleetq_v1_JobEvent, _fleetq_v1_WatchJobsRequest__Output, _fleetq_v1_JobEvent__Output>
}
