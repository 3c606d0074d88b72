// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchJobsRequest {
  'since_revision'?: (number | string | Long);
  'ids'?: (string)[];
}

export interface WatchJobsRequest__Output {
  'since_revision': (number);
  'ids': (string)[];
}
