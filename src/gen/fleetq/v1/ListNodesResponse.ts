// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { Node as _fleetq_v1_Node, Node__Output as _fleetq_v1_Node__Output } from '../../fleetq/v1/Node.js';

export interface ListNodesResponse {
  'nodes'?: (_fleetq_v1_Node)[];
}

export interface ListNodesResponse__Output {
  'nodes': (_fleetq_v1_Node__Output)[];
}
