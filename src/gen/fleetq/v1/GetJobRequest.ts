// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface GetJobRequest {
  'id'?: (string);
}

export interface GetJobRequest__Output {
  'id': (string);
}
