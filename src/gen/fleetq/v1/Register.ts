// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { NodeResources as _fleetq_v1_NodeResources, NodeResources__Output as _fleetq_v1_NodeResources__Output } from '../../fleetq/v1/NodeResources.js';
import type { RunningJob as _fleetq_v1_RunningJob, RunningJob__Output as _fleetq_v1_RunningJob__Output } from '../../fleetq/v1/RunningJob.js';
import type { JobEnded as _fleetq_v1_JobEnded, JobEnded__Output as _fleetq_v1_JobEnded__Output } from '../../fleetq/v1/JobEnded.js';

export interface Register {
  'node'?: (string);
  'resources'?: (_fleetq_v1_NodeResources | null);
  'running'?: (_fleetq_v1_RunningJob)[];
  'ended'?: (_fleetq_v1_JobEnded)[];
  'pid'?: (number);
  'host'?: (string);
}

export interface Register__Output {
  'node': (string);
  'resources': (_fleetq_v1_NodeResources__Output | null);
  'running': (_fleetq_v1_RunningJob__Output)[];
  'ended': (_fleetq_v1_JobEnded__Output)[];
  'pid': (number);
  'host': (string);
}
