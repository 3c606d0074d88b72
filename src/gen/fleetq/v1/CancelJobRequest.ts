// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface CancelJobRequest {
  'id'?: (string);
  'force'?: (boolean);
}

export interface CancelJobRequest__Output {
  'id': (string);
  'force': (boolean);
}
