// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Launch {
  'job_id'?: (string);
  'job_name'?: (string);
  'script'?: (string);
  'workdir'?: (string);
  'stdout_path'?: (string);
  'stderr_path'?: (string);
  'env'?: ({[key: string]: string});
  'walltime_seconds'?: (number | string | Long);
  'kill_delay_seconds'?: (number);
  'shell'?: (string);
  'nodefile'?: (string)[];
  'uid'?: (number);
  'gid'?: (number);
  'hostfile'?: (string);
  'rankfile'?: (string);
  'machinefile'?: (string);
  'ncpus'?: (number);
  'mem_bytes'?: (number | string | Long);
  'cpu_ids'?: (number)[];
  'cput_limit_seconds'?: (number | string | Long);
}

export interface Launch__Output {
  'job_id': (string);
  'job_name': (string);
  'script': (string);
  'workdir': (string);
  'stdout_path': (string);
  'stderr_path': (string);
  'env': ({[key: string]: string});
  'walltime_seconds': (number);
  'kill_delay_seconds': (number);
  'shell': (string);
  'nodefile': (string)[];
  'uid': (number);
  'gid': (number);
  'hostfile': (string);
  'rankfile': (string);
  'machinefile': (string);
  'ncpus': (number);
  'mem_bytes': (number);
  'cpu_ids': (number)[];
  'cput_limit_seconds': (number);
}
