// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface ListNodesRequest {
  'names'?: (string)[];
}

export interface ListNodesRequest__Output {
  'names': (string)[];
}
