/**
 * Loads fleetq's gRPC definitions from the JSON descriptor that `scripts/gen-proto.mjs` writes at
 * build time (dist/proto/fleetq.json): no .proto parsing at run time, so the commands start fast.
 * Options are chosen once here for every side (server, agents, client): snake_case field names as
 * in the proto, 64-bit integers as JS numbers, enums as their names, defaults filled in.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromJSON, type Options } from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType as SchedulerProto } from '../gen/scheduler.js';
import type { ProtoGrpcType as AgentProto } from '../gen/agent.js';

export const LOADER_OPTIONS: Options = {
  keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: false, oneofs: true,
};

/** dist/proto/fleetq.json, relative to this file's compiled place dist/src/proto/. */
export const DESCRIPTOR_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'fleetq.json');
/** The .proto sources, for reflection and for other languages' code generators. */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto');

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
