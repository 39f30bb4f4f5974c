/**
 * Writes pairs of rows (a settings row and its change_log entry, in one
 * transaction) into an office database as fast as it can, printing the
 * number of each committed pair. Used by consistency.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../../src-main/core/db/connection';

const dir = process.env.HARBOR_DIR!;
const db = openDatabase({ file: join(dir, 'harbor.db'), key: Buffer.from(readFileSync(join(dir, 'harbor.key'), 'utf8').trim(), 'hex'), create: false });
const insertRow = db.prepare('INSERT INTO settings (id, created_at, updated_at, value) VALUES (?, ?, ?, ?)');
const insertLog = db.prepare(`INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data) VALUES (?, 'writer', 'settings', ?, 'insert', '{}')`);
const pair = db.transaction((i: number) => {
  const id = `w-${String(i).padStart(8, '0')}`;
  insertRow.run(id, Date.now(), Date.now(), '"x"');
  insertLog.run(`${Date.now()}-${i}`, id);
});
process.on('SIGTERM', () => {
  db.close();
  process.exit(0);
});
let i = 0;
function burst(): void {
  for (let n = 0; n < 20; n++, i++) {
    pair(i);
    process.stdout.write(`A ${i}\n`);
  }
  setImmediate(burst);
}
burst();
