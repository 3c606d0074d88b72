// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface ExecOutput {
  'exec_id'?: (string);
  'fd'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ExecOutput__Output {
  'exec_id': (string);
  'fd': (number);
  'data': (Buffer);
}
