// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface ExecExit {
  'code'?: (number);
  'signal'?: (string);
}

export interface ExecExit__Output {
  'code': (number);
  'signal': (string);
}
