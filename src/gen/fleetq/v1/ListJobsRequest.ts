// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { JobState as _fleetq_v1_JobState, JobState__Output as _fleetq_v1_JobState__Output } from '../../fleetq/v1/JobState.js';
import type { JobView as _fleetq_v1_JobView, JobView__Output as _fleetq_v1_JobView__Output } from '../../fleetq/v1/JobView.js';

export interface ListJobsRequest {
  'states'?: (_fleetq_v1_JobState)[];
  'users'?: (string)[];
  'queues'?: (string)[];
  'ids'?: (string)[];
  'include_finished'?: (boolean);
  'page_size'?: (number);
  'page_token'?: (string);
  'view'?: (_fleetq_v1_JobView);
  'include_subjobs'?: (boolean);
}

export interface ListJobsRequest__Output {
  'states': (_fleetq_v1_JobState__Output)[];
  'users': (string)[];
  'queues': (string)[];
  'ids': (string)[];
  'include_finished': (boolean);
  'page_size': (number);
  'page_token': (string);
  'view': (_fleetq_v1_JobView__Output);
  'include_subjobs': (boolean);
}
