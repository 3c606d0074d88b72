// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface ExecStart {
  'job_id'?: (string);
  'host'?: (string);
  'command'?: (string);
  'token'?: (string);
  'env'?: ({[key: string]: string});
  'cwd'?: (string);
}

export interface ExecStart__Output {
  'job_id': (string);
  'host': (string);
  'command': (string);
  'token': (string);
  'env': ({[key: string]: string});
  'cwd': (string);
}
