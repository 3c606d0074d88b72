// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from '../../fleetq/v1/Job.js';

export interface ListJobsResponse {
  'jobs'?: (_fleetq_v1_Job)[];
  'next_page_token'?: (string);
}

export interface ListJobsResponse__Output {
  'jobs': (_fleetq_v1_Job__Output)[];
  'next_page_token': (string);
}
