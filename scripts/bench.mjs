#!/usr/bin/env node
// `npm run bench NAME [args]` runs the compiled bench/NAME (dist/bench/NAME.js or dist/bench/NAME/index.js).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...rest] = process.argv.slice(2);
const dir = join(root, 'dist', 'bench');
const avail = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') || !f.includes('.')).map((f) => f.replace(/\.js$/, '')) : [];
if (!name) { console.error(`usage: npm run bench NAME   (one of: ${avail.join(', ')})`); process.exit(2); }
const file = [join(dir, `${name}.js`), join(dir, name, 'index.js')].find((f) => existsSync(f));
if (!file) { console.error(`bench: no benchmark '${name}' (one of: ${avail.join(', ')})`); process.exit(2); }
const r = spawnSync(process.execPath, [file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
