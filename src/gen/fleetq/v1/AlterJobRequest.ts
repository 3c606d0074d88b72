// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { JobSpec as _fleetq_v1_JobSpec, JobSpec__Output as _fleetq_v1_JobSpec__Output } from '../../fleetq/v1/JobSpec.js';

export interface AlterJobRequest {
  'id'?: (string);
  'spec'?: (_fleetq_v1_JobSpec | null);
  'update_mask'?: (string)[];
}

export interface AlterJobRequest__Output {
  'id': (string);
  'spec': (_fleetq_v1_JobSpec__Output | null);
  'update_mask': (string)[];
}
