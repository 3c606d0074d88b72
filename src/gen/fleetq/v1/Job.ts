// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { JobSpec as _fleetq_v1_JobSpec, JobSpec__Output as _fleetq_v1_JobSpec__Output } from '../../fleetq/v1/JobSpec.js';
import type { Resources as _fleetq_v1_Resources, Resources__Output as _fleetq_v1_Resources__Output } from '../../fleetq/v1/Resources.js';
import type { JobState as _fleetq_v1_JobState, JobState__Output as _fleetq_v1_JobState__Output } from '../../fleetq/v1/JobState.js';
import type { Long } from '@grpc/proto-loader';

export interface Job {
  'id'?: (string);
  'seq'?: (number | string | Long);
  'spec'?: (_fleetq_v1_JobSpec | null);
  'resources'?: (_fleetq_v1_Resources | null);
  'state'?: (_fleetq_v1_JobState);
  'state_letter'?: (string);
  'owner'?: (string);
  'queue'?: (string);
  'comment'?: (string);
  'hold_types'?: (string);
  'create_time_unix'?: (number | string | Long);
  'queue_time_unix'?: (number | string | Long);
  'eligible_time_unix'?: (number | string | Long);
  'start_time_unix'?: (number | string | Long);
  'end_time_unix'?: (number | string | Long);
  'modify_time_unix'?: (number | string | Long);
  'has_exit_status'?: (boolean);
  'exit_status'?: (number);
  'exec_host'?: (string);
  'exec_vnode'?: (string);
  'nodes'?: (string)[];
  'run_count'?: (number);
  'session_id'?: (number);
  'used_walltime_seconds'?: (number | string | Long);
  'used_cput_seconds'?: (number | string | Long);
  'revision'?: (number | string | Long);
  'server'?: (string);
  'output_path'?: (string);
  'error_path'?: (string);
  'sched_priority'?: (number | string | Long);
  'sched_priority_parts'?: (string);
  '_sched_priority'?: "sched_priority";
  '_sched_priority_parts'?: "sched_priority_parts";
}

export interface Job__Output {
  'id': (string);
  'seq': (number);
  'spec': (_fleetq_v1_JobSpec__Output | null);
  'resources': (_fleetq_v1_Resources__Output | null);
  'state': (_fleetq_v1_JobState__Output);
  'state_letter': (string);
  'owner': (string);
  'queue': (string);
  'comment': (string);
  'hold_types': (string);
  'create_time_unix': (number);
  'queue_time_unix': (number);
  'eligible_time_unix': (number);
  'start_time_unix': (number);
  'end_time_unix': (number);
  'modify_time_unix': (number);
  'has_exit_status': (boolean);
  'exit_status': (number);
  'exec_host': (string);
  'exec_vnode': (string);
  'nodes': (string)[];
  'run_count': (number);
  'session_id': (number);
  'used_walltime_seconds': (number);
  'used_cput_seconds': (number);
  'revision': (number);
  'server': (string);
  'output_path': (string);
  'error_path': (string);
  'sched_priority'?: (number);
  'sched_priority_parts'?: (string);
  '_sched_priority'?: "sched_priority";
  '_sched_priority_parts'?: "sched_priority_parts";
}
