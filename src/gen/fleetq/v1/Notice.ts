// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface Notice {
  'kind'?: (string);
  'action'?: (string);
  'time'?: (string);
}

export interface Notice__Output {
  'kind': (string);
  'action': (string);
  'time': (string);
}
