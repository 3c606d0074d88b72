// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface JobUsage {
  'job_id'?: (string);
  'cput_seconds'?: (number | string | Long);
  'mem_bytes'?: (number | string | Long);
  'final'?: (boolean);
}

export interface JobUsage__Output {
  'job_id': (string);
  'cput_seconds': (number);
  'mem_bytes': (number);
  'final': (boolean);
}
