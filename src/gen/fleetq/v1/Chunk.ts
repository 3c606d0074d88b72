// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Long } from '@grpc/proto-loader';

export interface Chunk {
  'count'?: (number);
  'ncpus'?: (number);
  'mem_bytes'?: (number | string | Long);
  'ngpus'?: (number);
  'mpiprocs'?: (number);
  'ompthreads'?: (number);
  'other'?: ({[key: string]: string});
}

export interface Chunk__Output {
  'count': (number);
  'ncpus': (number);
  'mem_bytes': (number);
  'ngpus': (number);
  'mpiprocs': (number);
  'ompthreads': (number);
  'other': ({[key: string]: string});
}
