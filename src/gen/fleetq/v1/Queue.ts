// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface Queue {
  'name'?: (string);
  'priority'?: (number);
  'enabled'?: (boolean);
  'started'?: (boolean);
  'queue_type'?: (string);
  'default_walltime_seconds'?: (number | string | Long);
  'max_running'?: (number);
  'state_count'?: ({[key: string]: number});
  'total_jobs'?: (number);
  'is_default'?: (boolean);
  'comment'?: (string);
}

export interface Queue__Output {
  'name': (string);
  'priority': (number);
  'enabled': (boolean);
  'started': (boolean);
  'queue_type': (string);
  'default_walltime_seconds': (number);
  'max_running': (number);
  'state_count': ({[key: string]: number});
  'total_jobs': (number);
  'is_default': (boolean);
  'comment': (string);
}
