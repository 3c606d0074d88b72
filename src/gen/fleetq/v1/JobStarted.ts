// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface JobStarted {
  'job_id'?: (string);
  'pid'?: (number);
  'start_time_unix'?: (number | string | Long);
}

export interface JobStarted__Output {
  'job_id': (string);
  'pid': (number);
  'start_time_unix': (number);
}
