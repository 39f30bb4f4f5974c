#!/usr/bin/env node
// Makes sure the native SQLite module (better-sqlite3, the SQLCipher build) loads under
// this Node. `npm start` rebuilds it for Electron's ABI, after which Node cannot load it;
// this runs before the tests and rebuilds it for Node when needed (`npm run rebuild:node`).
// What it says goes to stderr, so `npm run bench`'s stdout stays JSON lines.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const probe = "const D = require('better-sqlite3'); const db = new D(':memory:'); db.prepare('select 1').get(); db.close();";

function loads() {
  const result = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  return { ok: result.status === 0, detail: (result.stderr || '').split('\n').find((line) => /Error|error/.test(line)) ?? '' };
}

const first = loads();
if (first.ok) process.exit(0);
console.error(`better-sqlite3 does not load under Node ${process.version} (${first.detail.trim() || 'unknown error'}).`);
console.error('Rebuilding it for Node (it was probably built for Electron by `npm start`)...');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const rebuild = spawnSync(npm, ['rebuild', 'better-sqlite3'], { cwd: root, stdio: ['inherit', 2, 2], shell: process.platform === 'win32' });
if (rebuild.status !== 0) {
  console.error('`npm rebuild better-sqlite3` failed.');
  process.exit(1);
}
const second = loads();
if (!second.ok) {
  console.error(`better-sqlite3 still does not load: ${second.detail.trim()}`);
  process.exit(1);
}
console.error('better-sqlite3 rebuilt for Node.');
