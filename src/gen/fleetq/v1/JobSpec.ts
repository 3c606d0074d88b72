// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface JobSpec {
  'name'?: (string);
  'queue'?: (string);
  'script'?: (string);
  'resource_list'?: (string);
  'workdir'?: (string);
  'output_path'?: (string);
  'error_path'?: (string);
  'join_path'?: (string);
  'variables'?: ({[key: string]: string});
  'account'?: (string);
  'priority'?: (number);
  'has_rerunnable'?: (boolean);
  'rerunnable'?: (boolean);
  'execution_time_unix'?: (number | string | Long);
  'mail_points'?: (string);
  'mail_users'?: (string);
  'shell'?: (string);
  'depend'?: (string);
  'hold'?: (boolean);
  'submit_args'?: (string);
  'submit_host'?: (string);
  'user'?: (string);
  'attributes'?: ({[key: string]: string});
  'script_name'?: (string);
  'array_indices'?: (string);
  'max_run_subjobs'?: (number);
}

export interface JobSpec__Output {
  'name': (string);
  'queue': (string);
  'script': (string);
  'resource_list': (string);
  'workdir': (string);
  'output_path': (string);
  'error_path': (string);
  'join_path': (string);
  'variables': ({[key: string]: string});
  'account': (string);
  'priority': (number);
  'has_rerunnable': (boolean);
  'rerunnable': (boolean);
  'execution_time_unix': (number);
  'mail_points': (string);
  'mail_users': (string);
  'shell': (string);
  'depend': (string);
  'hold': (boolean);
  'submit_args': (string);
  'submit_host': (string);
  'user': (string);
  'attributes': ({[key: string]: string});
  'script_name': (string);
  'array_indices': (string);
  'max_run_subjobs': (number);
}
