// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface ExecDone {
  'exec_id'?: (string);
  'code'?: (number);
  'signal'?: (string);
  'error'?: (string);
}

export interface ExecDone__Output {
  'exec_id': (string);
  'code': (number);
  'signal': (string);
  'error': (string);
}
