// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { RunningJob as _fleetq_v1_RunningJob, RunningJob__Output as _fleetq_v1_RunningJob__Output } from '../../fleetq/v1/RunningJob.js';
import type { JobUsage as _fleetq_v1_JobUsage, JobUsage__Output as _fleetq_v1_JobUsage__Output } from '../../fleetq/v1/JobUsage.js';
import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'time_unix'?: (number | string | Long);
  'running'?: (_fleetq_v1_RunningJob)[];
  'usage'?: (_fleetq_v1_JobUsage)[];
}

export interface Heartbeat__Output {
  'time_unix': (number);
  'running': (_fleetq_v1_RunningJob__Output)[];
  'usage': (_fleetq_v1_JobUsage__Output)[];
}
