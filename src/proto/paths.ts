/** Where the generated descriptor and the .proto sources are, relative to this compiled file (dist/src/proto/). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/proto/fleetq.json, written by scripts/gen-proto.mjs at build time. */
export const DESCRIPTOR_PATH = join(here, '..', '..', 'proto', 'fleetq.json');
/** The .proto sources, for other languages' code generators. */
export const PROTO_DIR = join(here, '..', '..', '..', 'proto');
