// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ExecOpen {
  'exec_id'?: (string);
  'job_id'?: (string);
  'command'?: (string);
  'env'?: ({[key: string]: string});
  'cwd'?: (string);
  'uid'?: (number);
  'gid'?: (number);
  'ncpus'?: (number);
  'mem_bytes'?: (number | string | Long);
  'cpu_ids'?: (number)[];
}

export interface ExecOpen__Output {
  'exec_id': (string);
  'job_id': (string);
  'command': (string);
  'env': ({[key: string]: string});
  'cwd': (string);
  'uid': (number);
  'gid': (number);
  'ncpus': (number);
  'mem_bytes': (number);
  'cpu_ids': (number)[];
}
