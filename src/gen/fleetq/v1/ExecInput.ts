// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface ExecInput {
  'exec_id'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'eof'?: (boolean);
  'signal'?: (string);
}

export interface ExecInput__Output {
  'exec_id': (string);
  'data': (Buffer);
  'eof': (boolean);
  'signal': (string);
}
