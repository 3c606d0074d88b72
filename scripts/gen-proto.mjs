#!/usr/bin/env node
// Generates what the code needs from proto/: a JSON descriptor that proto-loader reads at run time
// without parsing .proto text (faster command start-up), and, with --types, the TypeScript types
// in src/gen/ (committed; test/proto.test checks they are current).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = ['fleetq/v1/scheduler.proto', 'fleetq/v1/agent.proto'];
const args = process.argv.slice(2);

const r = new protobuf.Root();
r.resolvePath = (_origin, target) => join(root, 'proto', target);
r.loadSync(files, { keepCase: true });
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'dist', 'proto', 'fleetq.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(r.toJSON({ keepComments: false })));

if (args.includes('--types')) {
  const outDir = args.includes('--types-dir') ? args[args.indexOf('--types-dir') + 1] : join(root, 'src', 'gen');
  execFileSync(process.execPath, [
    join(root, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js'),
    '--keepCase', '--longs=Number', '--enums=String', '--defaults', '--oneofs',
    '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js', '-I', join(root, 'proto'), '-O', outDir, ...files,
  ], { stdio: 'inherit' });
}
