// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface Server {
  'name'?: (string);
  'version'?: (string);
  'default_queue'?: (string);
  'state_count'?: ({[key: string]: number});
  'total_jobs'?: (number);
  'start_time_unix'?: (number | string | Long);
  'revision'?: (number | string | Long);
}

export interface Server__Output {
  'name': (string);
  'version': (string);
  'default_queue': (string);
  'state_count': ({[key: string]: number});
  'total_jobs': (number);
  'start_time_unix': (number);
  'revision': (number);
}
