#!/usr/bin/env node
// Builds the native addon (build/Release/fleetq_native.node): with cmake-js when cmake is here,
// else with the node-gyp inside npm (binding.gyp, same sources). Run by `npm ci` (install) and
// before the tests. On a machine with no C++ toolchain yet it says so and exits 0, so `npm ci`
// still installs; `npm test` runs scripts/test-deps.sh (which installs the toolchain) and then
// this again. FLEETQ_NATIVE_BUILDER=node-gyp chooses binding.gyp. Usage: node scripts/build-native.mjs [--strict]  (--strict: a missing toolchain fails)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// Node's own headers (installed with it) so that nothing is downloaded; npm passes the same as
// npm_config_nodedir when this runs as an npm script.
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, npm_config_nodedir: nodedir } }).status ?? 1;

if (!has('c++') && !has('g++')) {
  console.error('build-native: no C++ compiler here; the addon is not built (scripts/test-deps.sh installs one)');
  process.exit(strict ? 1 : 0);
}
// FLEETQ_NATIVE_BUILDER=node-gyp builds with binding.gyp even where cmake is (to check that build).
if (has('cmake') && process.env.FLEETQ_NATIVE_BUILDER !== 'node-gyp') {
  process.exit(run(process.execPath, [join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '--log-level', 'warn']));
}
const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
const gyp = join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp) || !has('make')) {
  console.error('build-native: neither cmake nor node-gyp with make is here; the addon is not built (scripts/test-deps.sh installs cmake)');
  process.exit(strict ? 1 : 0);
}
process.exit(run(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`]));
