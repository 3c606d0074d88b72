// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface Registered {
  'node'?: (string);
}

export interface Registered__Output {
  'node': (string);
}
