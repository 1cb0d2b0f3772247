#!/usr/bin/env node
// The `sevlab` bin: starts the CLI under the Bun that npm installed as a devDependency, so a machine
// with only Node.js and npm runs it after `npm install`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let bun;
try {
  bun = join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');
} catch {
  console.error('sevlab: Bun is not installed here; run `npm install` in the sevlab folder first.');
  process.exit(2);
}
const r = spawnSync(bun, [join(here, 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
