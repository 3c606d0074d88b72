// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Job as _fleetq_v1_Job, Job__Output as _fleetq_v1_Job__Output } from '../../fleetq/v1/Job.js';

export interface AlterJobResponse {
  'job'?: (_fleetq_v1_Job | null);
}

export interface AlterJobResponse__Output {
  'job': (_fleetq_v1_Job__Output | null);
}
