#!/usr/bin/env node
// `npm run bench -- NAME [args…]` runs bench/NAME/main.ts as built into dist/.
// Each benchmark prints its figures and, last, its ratio against the baseline it runs beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...args] = process.argv.slice(2);
const names = existsSync(join(root, 'bench'))
  ? readdirSync(join(root, 'bench')).filter((n) => existsSync(join(root, 'bench', n, 'main.ts')))
  : [];
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${names.join(', ') || 'none yet'})`);
  process.exit(2);
}
const main = join(root, 'dist', 'bench', name, 'main.js');
if (!existsSync(main)) {
  console.error(`bench: ${main} is missing; run 'npm run build' first`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [main, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
