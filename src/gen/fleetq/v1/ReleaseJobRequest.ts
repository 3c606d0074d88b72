// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface ReleaseJobRequest {
  'id'?: (string);
  'hold_types'?: (string);
}

export interface ReleaseJobRequest__Output {
  'id': (string);
  'hold_types': (string);
}
