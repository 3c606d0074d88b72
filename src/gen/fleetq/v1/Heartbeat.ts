// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { RunningJob as _fleetq_v1_RunningJob, RunningJob__Output as _fleetq_v1_RunningJob__Output } from '../../fleetq/v1/RunningJob.js';
import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'time_unix'?: (number | string | Long);
  'running'?: (_fleetq_v1_RunningJob)[];
}

export interface Heartbeat__Output {
  'time_unix': (number);
  'running': (_fleetq_v1_RunningJob__Output)[];
}
