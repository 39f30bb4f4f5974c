/**
 * The conflict view's data: values that lost a concurrent edit. Each table's
 * conflicts are visible to users who may read that table and restorable by
 * users who may write it; restoring is an ordinary new local write, which then
 * syncs like any edit and wins over the value it replaces.
 */
import type { Permission } from '../../../src-shared/permissions';
import { HarborError } from '../../../src-shared/errors';
import type { SqliteDb } from '../db/connection';
import { cachedStatement, tableInfo, type Writer } from '../db/writer';
import { syncedTableByName } from './merge';

const CUSTOMER_TABLES = ['companies', 'contacts', 'tags', 'record_tags', 'categories', 'notes', 'saved_views'];

/** Who may see / restore conflicts of a table; tables not listed need `sync.manage` for both. */
export function tablePermissions(tbl: string): { read: Permission; write: Permission } {
  if (tbl === 'users') return { read: 'users.read', write: 'users.manage' };
  if (tbl === 'settings') return { read: 'settings.read', write: 'settings.manage' };
  if (CUSTOMER_TABLES.includes(tbl)) return { read: 'customers.read', write: 'customers.write' };
  return { read: 'sync.manage', write: 'sync.manage' };
}

/** Columns whose values are never shown, even as a lost value. */
const SECRET_COLUMNS = new Set(['password_hash']);

export interface ConflictRow {
  id: number;
  tbl: string;
  rowId: string;
  col: string;
  kind: 'field' | 'purged';
  lostValue: string | null;
  wonValue: string | null;
  lostHlc: string;
  wonHlc: string;
  detectedAt: number;
  resolvedAt: number | null;
}

export interface ConflictView {
  id: number;
  table: string;
  rowId: string;
  column: string;
  kind: 'field' | 'purged';
  lostValue: unknown;
  wonValue: unknown;
  /** Epoch ms of the losing and winning writes (from their clock stamps). */
  lostAt: number;
  wonAt: number;
  detectedAt: number;
  resolvedAt: number | null;
  restorable: boolean;
  hidden: boolean;
}

function decode(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function listConflicts(
  db: SqliteDb,
  options: { includeResolved: boolean; limit: number; canRead: (p: Permission) => boolean; canWrite: (p: Permission) => boolean },
): ConflictView[] {
  const rows = cachedStatement(
    db,
    `SELECT id, tbl, row_id AS rowId, col, kind, lost_value AS lostValue, won_value AS wonValue, lost_hlc AS lostHlc,
       won_hlc AS wonHlc, detected_at AS detectedAt, resolved_at AS resolvedAt
     FROM sync_conflicts WHERE (? OR resolved_at IS NULL) ORDER BY id DESC LIMIT ?`,
  ).all(options.includeResolved ? 1 : 0, options.limit * 4) as ConflictRow[];
  const out: ConflictView[] = [];
  for (const r of rows) {
    const perms = tablePermissions(r.tbl);
    if (!options.canRead(perms.read)) continue;
    const hidden = SECRET_COLUMNS.has(r.col);
    out.push({
      id: r.id,
      table: r.tbl,
      rowId: r.rowId,
      column: r.col,
      kind: r.kind,
      lostValue: hidden ? null : decode(r.lostValue),
      wonValue: hidden ? null : decode(r.wonValue),
      lostAt: Number(r.lostHlc.slice(0, 15)),
      wonAt: Number(r.wonHlc.slice(0, 15)),
      detectedAt: r.detectedAt,
      resolvedAt: r.resolvedAt,
      restorable: r.kind === 'field' && r.resolvedAt === null && options.canWrite(perms.write) && rowExists(db, r.tbl, r.rowId),
      hidden,
    });
    if (out.length >= options.limit) break;
  }
  return out;
}

function rowExists(db: SqliteDb, tbl: string, rowId: string): boolean {
  if (!syncedTableByName(tbl)) return false;
  return Boolean(cachedStatement(db, `SELECT 1 FROM "${tbl}" WHERE id = ?`).get(rowId));
}

export function getConflict(db: SqliteDb, id: number): ConflictRow | null {
  return (
    (cachedStatement(
      db,
      `SELECT id, tbl, row_id AS rowId, col, kind, lost_value AS lostValue, won_value AS wonValue, lost_hlc AS lostHlc,
         won_hlc AS wonHlc, detected_at AS detectedAt, resolved_at AS resolvedAt FROM sync_conflicts WHERE id = ?`,
    ).get(id) as ConflictRow | undefined) ?? null
  );
}

/** Writes the lost value back as a new local edit and marks the conflict resolved. */
export function restoreConflict(db: SqliteDb, write: Writer, conflict: ConflictRow, now: number): void {
  const table = syncedTableByName(conflict.tbl);
  if (!table || conflict.kind !== 'field' || conflict.resolvedAt !== null || !rowExists(db, conflict.tbl, conflict.rowId)) {
    throw new HarborError('CONFLICT', 'sync.errors.not_restorable');
  }
  const col = tableInfo(table).byName.get(conflict.col);
  if (!col) throw new HarborError('CONFLICT', 'sync.errors.not_restorable');
  const stored = decode(conflict.lostValue);
  const value = stored === null ? null : col.column.mapFromDriverValue(stored);
  write.update(table, conflict.rowId, { [col.key]: value } as never);
  resolveConflict(db, conflict.id, now);
}

export function resolveConflict(db: SqliteDb, id: number, now: number): boolean {
  return cachedStatement(db, 'UPDATE sync_conflicts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(now, id).changes > 0;
}
