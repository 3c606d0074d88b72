// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface HoldJobRequest {
  'id'?: (string);
  'hold_types'?: (string);
}

export interface HoldJobRequest__Output {
  'id': (string);
  'hold_types': (string);
}
