// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from '../../fleetq/v1/Job.js';

export interface SubmitJobResponse {
  'job'?: (_fleetq_v1_Job | null);
  'existing'?: (boolean);
}

export interface SubmitJobResponse__Output {
  'job': (_fleetq_v1_Job__Output | null);
  'existing': (boolean);
}
