// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface GetServerRequest {
}

export interface GetServerRequest__Output {
}
