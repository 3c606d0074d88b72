// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface JobEnded {
  'job_id'?: (string);
  'exit_status'?: (number);
  'end_time_unix'?: (number | string | Long);
  'cput_seconds'?: (number | string | Long);
  'walltime_seconds'?: (number | string | Long);
  'reason'?: (string);
  'mem_bytes'?: (number | string | Long);
}

export interface JobEnded__Output {
  'job_id': (string);
  'exit_status': (number);
  'end_time_unix': (number);
  'cput_seconds': (number);
  'walltime_seconds': (number);
  'reason': (string);
  'mem_bytes': (number);
}
