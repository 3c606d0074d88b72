// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { JobSpec as _fleetq_v1_JobSpec, JobSpec__Output as _fleetq_v1_JobSpec__Output } from '../../fleetq/v1/JobSpec.js';

export interface SubmitJobRequest {
  'spec'?: (_fleetq_v1_JobSpec | null);
  'request_id'?: (string);
}

export interface SubmitJobRequest__Output {
  'spec': (_fleetq_v1_JobSpec__Output | null);
  'request_id': (string);
}
