// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface AckEnded {
  'job_id'?: (string);
}

export interface AckEnded__Output {
  'job_id': (string);
}
