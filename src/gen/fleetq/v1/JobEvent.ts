// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { JobState as _fleetq_v1_JobState, JobState__Output as _fleetq_v1_JobState__Output } from '../../fleetq/v1/JobState.js';
import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from '../../fleetq/v1/Job.js';
import type { Long } from '@grpc/proto-loader';

export interface JobEvent {
  'revision'?: (number | string | Long);
  'job_id'?: (string);
  'kind'?: (string);
  'state'?: (_fleetq_v1_JobState);
  'time_unix'?: (number | string | Long);
  'message'?: (string);
  'job'?: (_fleetq_v1_Job | null);
}

export interface JobEvent__Output {
  'revision': (number);
  'job_id': (string);
  'kind': (string);
  'state': (_fleetq_v1_JobState__Output);
  'time_unix': (number);
  'message': (string);
  'job': (_fleetq_v1_Job__Output | null);
}
