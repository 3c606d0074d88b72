// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface ExecOpen {
  'exec_id'?: (string);
  'job_id'?: (string);
  'command'?: (string);
  'env'?: ({[key: string]: string});
  'cwd'?: (string);
  'uid'?: (number);
  'gid'?: (number);
}

export interface ExecOpen__Output {
  'exec_id': (string);
  'job_id': (string);
  'command': (string);
  'env': ({[key: string]: string});
  'cwd': (string);
  'uid': (number);
  'gid': (number);
}
