// Original file: /work/main/proto/fleetq/v1/scheduler.proto

import type { NodeState as _fleetq_v1_NodeState, NodeState__Output as _fleetq_v1_NodeState__Output } from '../../fleetq/v1/NodeState.js';
import type { Long } from '@grpc/proto-loader';

export interface Node {
  'name'?: (string);
  'state'?: (_fleetq_v1_NodeState);
  'state_text'?: (string);
  'ncpus'?: (number);
  'mem_bytes'?: (number | string | Long);
  'ngpus'?: (number);
  'assigned_ncpus'?: (number);
  'assigned_mem_bytes'?: (number | string | Long);
  'assigned_ngpus'?: (number);
  'jobs'?: (string)[];
  'host'?: (string);
  'provider'?: (string);
  'last_state_change_unix'?: (number | string | Long);
  'comment'?: (string);
  'arch'?: (string);
  'efa'?: (number);
  'instance_type'?: (string);
  'availability_zone'?: (string);
  'placement_group'?: (string);
  'network_nodes'?: (string)[];
  'spot'?: (boolean);
  'instance_id'?: (string);
}

export interface Node__Output {
  'name': (string);
  'state': (_fleetq_v1_NodeState__Output);
  'state_text': (string);
  'ncpus': (number);
  'mem_bytes': (number);
  'ngpus': (number);
  'assigned_ncpus': (number);
  'assigned_mem_bytes': (number);
  'assigned_ngpus': (number);
  'jobs': (string)[];
  'host': (string);
  'provider': (string);
  'last_state_change_unix': (number);
  'comment': (string);
  'arch': (string);
  'efa': (number);
  'instance_type': (string);
  'availability_zone': (string);
  'placement_group': (string);
  'network_nodes': (string)[];
  'spot': (boolean);
  'instance_id': (string);
}
