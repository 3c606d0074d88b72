// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface Shutdown {
}

export interface Shutdown__Output {
}
