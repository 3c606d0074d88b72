// Original file: /work/main/proto/fleetq/v1/scheduler.proto

export const JobState = {
  JOB_STATE_UNSPECIFIED: 'JOB_STATE_UNSPECIFIED',
  JOB_STATE_QUEUED: 'JOB_STATE_QUEUED',
  JOB_STATE_HELD: 'JOB_STATE_HELD',
  JOB_STATE_WAITING: 'JOB_STATE_WAITING',
  JOB_STATE_RUNNING: 'JOB_STATE_RUNNING',
  JOB_STATE_EXITING: 'JOB_STATE_EXITING',
  JOB_STATE_FINISHED: 'JOB_STATE_FINISHED',
  JOB_STATE_BEGUN: 'JOB_STATE_BEGUN',
} as const;

export type JobState =
  | 'JOB_STATE_UNSPECIFIED'
  | 0
  | 'JOB_STATE_QUEUED'
  | 1
  | 'JOB_STATE_HELD'
  | 2
  | 'JOB_STATE_WAITING'
  | 3
  | 'JOB_STATE_RUNNING'
  | 4
  | 'JOB_STATE_EXITING'
  | 5
  | 'JOB_STATE_FINISHED'
  | 6
  | 'JOB_STATE_BEGUN'
  | 7

export type JobState__Output = typeof JobState[keyof typeof JobState]
