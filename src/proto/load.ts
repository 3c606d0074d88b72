/**
 * Loads fleetq's gRPC definitions from the JSON descriptor that `scripts/gen-proto.mjs` writes at
 * build time (dist/proto/fleetq.json): no .proto parsing at run time, so the commands start fast.
 * Options are chosen once here for every side (server, agents, client): snake_case field names as
 * in the proto, 64-bit integers as JS numbers, enums as their names, defaults filled in.
 */
import { readFileSync } from 'node:fs';
import { fromJSON, type Options } from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType as SchedulerProto } from '../gen/scheduler.js';
import type { ProtoGrpcType as AgentProto } from '../gen/agent.js';

export const LOADER_OPTIONS: Options = {
  keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: false, oneofs: true,
};

import { DESCRIPTOR_PATH } from './paths.js';

export { DESCRIPTOR_PATH, PROTO_DIR } from './paths.js';

let cached: (SchedulerProto & AgentProto) | undefined;
let cachedDef: ReturnType<typeof fromJSON> | undefined;

export function packageDefinition(): ReturnType<typeof fromJSON> {
  cachedDef ??= fromJSON(JSON.parse(readFileSync(DESCRIPTOR_PATH, 'utf8')), LOADER_OPTIONS);
  return cachedDef;
}

export function loadProto(): SchedulerProto & AgentProto {
  cached ??= grpc.loadPackageDefinition(packageDefinition()) as unknown as SchedulerProto & AgentProto;
  return cached;
}
