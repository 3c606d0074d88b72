// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Queue as _fleetq_v1_Queue, Queue__Output as _fleetq_v1_Queue__Output } from '../../fleetq/v1/Queue.js';

export interface ListQueuesResponse {
  'queues'?: (_fleetq_v1_Queue)[];
}

export interface ListQueuesResponse__Output {
  'queues': (_fleetq_v1_Queue__Output)[];
}
