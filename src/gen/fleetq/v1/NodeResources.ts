// Original file: /work/main/proto/fleetq/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeResources {
  'ncpus'?: (number);
  'mem_bytes'?: (number | string | Long);
  'ngpus'?: (number);
  'arch'?: (string);
  'efa'?: (number);
  'instance_type'?: (string);
  'availability_zone'?: (string);
  'placement_group'?: (string);
  'network_nodes'?: (string)[];
  'spot'?: (boolean);
  'numa'?: (number);
  'instance_id'?: (string);
  'cores'?: (number);
}

export interface NodeResources__Output {
  'ncpus': (number);
  'mem_bytes': (number);
  'ngpus': (number);
  'arch': (string);
  'efa': (number);
  'instance_type': (string);
  'availability_zone': (string);
  'placement_group': (string);
  'network_nodes': (string)[];
  'spot': (boolean);
  'numa': (number);
  'instance_id': (string);
  'cores': (number);
}
