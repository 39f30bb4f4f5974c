import Database from 'better-sqlite3';
import { migrate } from '../../src-main/core/db/migrate';
import { SYNCED_TABLES } from '../../src-main/core/db/schema';
import { tableInfo } from '../../src-main/core/db/writer';
import type { SqliteDb } from '../../src-main/core/db/connection';

interface Entry {
  tbl: string;
  row_id: string;
  op: 'insert' | 'update' | 'purge';
  data: string;
}

/** Rebuilds the synced tables from nothing but the change log, into a fresh in-memory database. */
export function replayChangeLog(source: SqliteDb): SqliteDb {
  const target = new Database(':memory:');
  migrate(target, null);
  const entries = source.prepare('SELECT tbl, row_id, op, data FROM change_log ORDER BY seq').all() as Entry[];
  for (const e of entries) {
    const data = JSON.parse(e.data) as Record<string, unknown>;
    const cols = Object.keys(data);
    if (e.op === 'insert') {
      target
        .prepare(`INSERT INTO "${e.tbl}" ("id"${cols.map((c) => `, "${c}"`).join('')}) VALUES (?${cols.map(() => ', ?').join('')})`)
        .run(e.row_id, ...cols.map((c) => data[c]));
    } else if (e.op === 'update') {
      target.prepare(`UPDATE "${e.tbl}" SET ${cols.map((c) => `"${c}" = ?`).join(', ')} WHERE "id" = ?`).run(...cols.map((c) => data[c]), e.row_id);
    } else {
      target.prepare(`DELETE FROM "${e.tbl}" WHERE "id" = ?`).run(e.row_id);
    }
  }
  return target;
}

/** Every synced table's rows, ordered by id: what two replicas must agree on. */
export function syncedDump(db: SqliteDb): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const table of Object.values(SYNCED_TABLES)) {
    const name = tableInfo(table).name;
    out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY id`).all();
  }
  return out;
}
