// Original file: /work/main/proto/fleetq/v1/scheduler.proto


export interface SetNodeRequest {
  'name'?: (string);
  'set_offline'?: (boolean);
  'offline'?: (boolean);
  'set_comment'?: (boolean);
  'comment'?: (string);
}

export interface SetNodeRequest__Output {
  'name': (string);
  'set_offline': (boolean);
  'offline': (boolean);
  'set_comment': (boolean);
  'comment': (string);
}
