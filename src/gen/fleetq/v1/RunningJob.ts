// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface RunningJob {
  'job_id'?: (string);
  'pid'?: (number);
  'start_time_unix'?: (number | string | Long);
}

export interface RunningJob__Output {
  'job_id': (string);
  'pid': (number);
  'start_time_unix': (number);
}
