// Original file: /work/main/proto/fleetq/v1/scheduler.proto

export const JobView = {
  JOB_VIEW_UNSPECIFIED: 'JOB_VIEW_UNSPECIFIED',
  JOB_VIEW_BASIC: 'JOB_VIEW_BASIC',
  JOB_VIEW_FULL: 'JOB_VIEW_FULL',
} as const;

export type JobView =
  | 'JOB_VIEW_UNSPECIFIED'
  | 0
  | 'JOB_VIEW_BASIC'
  | 1
  | 'JOB_VIEW_FULL'
  | 2

export type JobView__Output = typeof JobView[keyof typeof JobView]
