// Original file: /work/main/proto/fleetq/v1/agent.proto


export interface Signal {
  'job_id'?: (string);
  'signal'?: (string);
  'then_kill'?: (boolean);
  'forget'?: (boolean);
}

export interface Signal__Output {
  'job_id': (string);
  'signal': (string);
  'then_kill': (boolean);
  'forget': (boolean);
}
