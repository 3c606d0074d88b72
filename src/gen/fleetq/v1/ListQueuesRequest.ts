// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface ListQueuesRequest {
  'names'?: (string)[];
}

export interface ListQueuesRequest__Output {
  'names': (string)[];
}
