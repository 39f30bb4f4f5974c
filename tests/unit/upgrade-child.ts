/**
 * Child process for the upgrade kill tests: upgrades the office in
 * HARBOR_DIR through the upgrade worker, printing each progress as a JSON
 * line and holding the worker there until the parent writes a byte on stdin
 * (or kills this process). Bundled by upgrade.test.ts.
 */
import { join } from 'node:path';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { pendingUpgrade, runUpgrade } from '../../src-main/core/db/upgrade';

const dir = process.env.HARBOR_DIR!;
const pending = pendingUpgrade(dir, new FileKeyStore(join(dir, 'harbor.key')));
if (!pending) throw new Error('nothing to upgrade');
const gate = new SharedArrayBuffer(4);
const open = new Int32Array(gate);
process.stdin.on('data', (bytes: Buffer) => {
  Atomics.add(open, 0, bytes.length);
  Atomics.notify(open, 0);
});
runUpgrade(pending, { gate, sliceRows: 1_000, onProgress: (progress) => process.stdout.write(`${JSON.stringify(progress)}\n`) }).then(
  (result) => {
    process.stdout.write(`done ${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
