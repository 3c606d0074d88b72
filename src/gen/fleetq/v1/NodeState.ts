// Original file: /work/main/proto/fleetq/v1/scheduler.proto

export const NodeState = {
  NODE_STATE_UNSPECIFIED: 'NODE_STATE_UNSPECIFIED',
  NODE_STATE_FREE: 'NODE_STATE_FREE',
  NODE_STATE_JOB_BUSY: 'NODE_STATE_JOB_BUSY',
  NODE_STATE_DOWN: 'NODE_STATE_DOWN',
  NODE_STATE_OFFLINE: 'NODE_STATE_OFFLINE',
} as const;

export type NodeState =
  | 'NODE_STATE_UNSPECIFIED'
  | 0
  | 'NODE_STATE_FREE'
  | 1
  | 'NODE_STATE_JOB_BUSY'
  | 2
  | 'NODE_STATE_DOWN'
  | 3
  | 'NODE_STATE_OFFLINE'
  | 4

export type NodeState__Output = typeof NodeState[keyof typeof NodeState]
