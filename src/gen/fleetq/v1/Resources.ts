// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Chunk as _fleetq_v1_Chunk, Chunk__Output as _fleetq_v1_Chunk__Output } from '../../fleetq/v1/Chunk.js';
import type { Long } from '@grpc/proto-loader';

export interface Resources {
  'chunks'?: (_fleetq_v1_Chunk)[];
  'select'?: (string);
  'place'?: (string);
  'walltime_seconds'?: (number | string | Long);
  'other'?: ({[key: string]: string});
}

export interface Resources__Output {
  'chunks': (_fleetq_v1_Chunk__Output)[];
  'select': (string);
  'place': (string);
  'walltime_seconds': (number);
  'other': ({[key: string]: string});
}
