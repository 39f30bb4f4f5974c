/**
 * The only write path for synced tables. Each insert, update, soft delete,
 * restore and purge writes the row and, in the same transaction, one
 * `change_log` entry holding exactly the columns it set, stamped with a
 * hybrid-logical-clock value and this device's id. Sync, the audit trail and
 * record timelines read that log.
 */
import { getTableColumns, type InferInsertModel, type InferSelectModel } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { HarborError } from '../../../src-shared/errors';
import type { SqliteDb } from './connection';
import type { Hlc } from './hlc';

type Row = Record<string, unknown>;

interface ColumnInfo {
  key: string;
  name: string;
  column: SQLiteColumn;
}

interface TableInfo {
  name: string;
  byKey: Map<string, ColumnInfo>;
  byName: Map<string, ColumnInfo>;
}

const tableInfoCache = new WeakMap<SQLiteTable, TableInfo>();
const statementCache = new WeakMap<SqliteDb, Map<string, Statement>>();
/** Bound parameters one statement may take (SQLite's default limit is 32,766). */
const MAX_BOUND_PARAMS = 32_000;

/** Prepares a statement once per connection. */
export function cachedStatement(db: SqliteDb, sql: string): Statement {
  let byDb = statementCache.get(db);
  if (!byDb) {
    byDb = new Map();
    statementCache.set(db, byDb);
  }
  let stmt = byDb.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    byDb.set(sql, stmt);
  }
  return stmt;
}

export function tableInfo(table: SQLiteTable): TableInfo {
  let info = tableInfoCache.get(table);
  if (!info) {
    const byKey = new Map<string, ColumnInfo>();
    const byName = new Map<string, ColumnInfo>();
    for (const [key, column] of Object.entries(getTableColumns(table))) {
      const entry = { key, name: column.name, column: column as SQLiteColumn };
      byKey.set(key, entry);
      byName.set(column.name, entry);
    }
    info = { name: getTableConfig(table).name, byKey, byName };
    tableInfoCache.set(table, info);
  }
  return info;
}

/** Converts a JS value to what SQLite stores for this column. */
function toDriver(col: ColumnInfo, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const mapped = col.column.mapToDriverValue(value);
  return typeof mapped === 'boolean' ? (mapped ? 1 : 0) : mapped;
}

/** Converts a stored row (database column names) into the table's JS shape. */
export function fromDriverRow<T extends SQLiteTable>(table: T, raw: Row): InferSelectModel<T> {
  const info = tableInfo(table);
  const out: Row = {};
  for (const [name, value] of Object.entries(raw)) {
    const col = info.byName.get(name);
    if (!col) continue;
    out[col.key] = value === null ? null : col.column.mapFromDriverValue(value);
  }
  return out as InferSelectModel<T>;
}

export interface WriterOptions {
  db: SqliteDb;
  clock: Hlc;
  deviceId: string;
  actorId: string | null;
  now?: () => number;
}

export class Writer {
  /** Tables written through this writer, for change notifications after commit. */
  readonly touched = new Set<string>();
  private readonly db: SqliteDb;
  private readonly clock: Hlc;
  private readonly deviceId: string;
  private readonly actorId: string | null;
  private readonly now: () => number;

  constructor(options: WriterOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.deviceId = options.deviceId;
    this.actorId = options.actorId;
    this.now = options.now ?? Date.now;
  }

  /** Inserts a row (id, timestamps and authorship filled in) and returns it. */
  insert<T extends SQLiteTable>(
    table: T,
    values: Omit<InferInsertModel<T>, 'id' | 'createdAt' | 'updatedAt'> & Partial<InferInsertModel<T>>,
  ): InferSelectModel<T> {
    const id = this.insertRaw(table, values as Row);
    return this.get(table, id)!;
  }

  /** Inserts without reading the row back; returns its id. The fast path for single writes. */
  insertRaw(table: SQLiteTable, values: Row): string {
    const info = tableInfo(table);
    const row = this.insertable(info, values);
    this.statement(`INSERT INTO "${info.name}" (${row.columns}) VALUES (${row.names.map(() => '?').join(', ')})`).run(row.params);
    this.log(info.name, row.id, 'insert', row.data);
    return row.id;
  }

  /**
   * Inserts many rows (imports), several per statement, each with its own
   * change-log entry; returns their ids in order. Every statement that writes
   * a table with triggers opens a savepoint, and the FTS5 search index writes
   * what it holds in memory at each one: a statement per row would store one
   * tiny index segment per row and spend the import merging them.
   */
  insertManyRaw(table: SQLiteTable, rows: Row[]): string[] {
    const info = tableInfo(table);
    const prepared = rows.map((values) => this.insertable(info, values));
    for (let start = 0; start < prepared.length; ) {
      // A run of rows setting the same columns, as many as one statement can bind.
      const { columns, names } = prepared[start]!;
      const max = Math.max(1, Math.floor(MAX_BOUND_PARAMS / names.length));
      let end = start + 1;
      while (end < prepared.length && end - start < max && prepared[end]!.columns === columns) end++;
      const chunk = prepared.slice(start, end);
      const sql = `INSERT INTO "${info.name}" (${columns}) VALUES ${chunk.map(() => `(${names.map(() => '?').join(', ')})`).join(', ')}`;
      // Full-size statements recur and are kept; a run's odd-sized tail is prepared once.
      (chunk.length === max ? this.statement(sql) : this.db.prepare(sql)).run(chunk.flatMap((r) => r.params));
      for (const r of chunk) this.log(info.name, r.id, 'insert', r.data);
      start = end;
    }
    return prepared.map((r) => r.id);
  }

  /** A new row's stored columns and values, with id, timestamps and authorship filled in. */
  private insertable(info: TableInfo, values: Row): { id: string; names: string[]; columns: string; params: unknown[]; data: Row } {
    const now = this.now();
    const row: Row = {
      ...values,
      id: (values.id as string | undefined) ?? uuidv7(),
      createdAt: values.createdAt ?? now,
      updatedAt: values.updatedAt ?? now,
      createdBy: values.createdBy ?? this.actorId,
      updatedBy: values.updatedBy ?? this.actorId,
    };
    const names: string[] = [];
    const params: unknown[] = [];
    const data: Row = {};
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      const col = info.byKey.get(key);
      if (!col) throw new Error(`unknown column ${info.name}.${key}`);
      const stored = toDriver(col, value);
      names.push(col.name);
      params.push(stored);
      if (col.name !== 'id') data[col.name] = stored;
    }
    return { id: row.id as string, names, columns: names.map((n) => `"${n}"`).join(', '), params, data };
  }

  /** Updates the given fields; only values that really change are written and logged. */
  update<T extends SQLiteTable>(table: T, id: string, patch: Partial<InferInsertModel<T>>): InferSelectModel<T> {
    const info = tableInfo(table);
    const current = this.statement(`SELECT * FROM "${info.name}" WHERE "id" = ?`).get(id) as Row | undefined;
    if (!current) throw new HarborError('NOT_FOUND');
    const changes: Row = {};
    for (const [key, value] of Object.entries(patch as Row)) {
      if (value === undefined || key === 'id') continue;
      const col = info.byKey.get(key);
      if (!col) throw new Error(`unknown column ${info.name}.${key}`);
      const stored = toDriver(col, value);
      if (current[col.name] !== stored) changes[col.name] = stored;
    }
    if (Object.keys(changes).length === 0) return fromDriverRow(table, current);
    changes.updated_at = this.now();
    changes.updated_by = this.actorId;
    const names = Object.keys(changes);
    const sql = `UPDATE "${info.name}" SET ${names.map((n) => `"${n}" = ?`).join(', ')} WHERE "id" = ?`;
    this.statement(sql).run(...names.map((n) => changes[n]), id);
    this.log(info.name, id, 'update', changes);
    return fromDriverRow(table, { ...current, ...changes });
  }

  /** Moves a row to the recycle bin. */
  softDelete<T extends SQLiteTable>(table: T, id: string): InferSelectModel<T> {
    return this.update(table, id, { deletedAt: this.now() } as Partial<InferInsertModel<T>>);
  }

  /** Takes a row out of the recycle bin. */
  restore<T extends SQLiteTable>(table: T, id: string): InferSelectModel<T> {
    return this.update(table, id, { deletedAt: null } as Partial<InferInsertModel<T>>);
  }

  /** Removes a row for good; the log keeps a tombstone so other devices remove it too. */
  purge(table: SQLiteTable, id: string): void {
    const info = tableInfo(table);
    const result = this.statement(`DELETE FROM "${info.name}" WHERE "id" = ?`).run(id);
    if (result.changes === 0) throw new HarborError('NOT_FOUND');
    this.log(info.name, id, 'purge', {});
  }

  get<T extends SQLiteTable>(table: T, id: string): InferSelectModel<T> | null {
    const info = tableInfo(table);
    const raw = this.statement(`SELECT * FROM "${info.name}" WHERE "id" = ?`).get(id) as Row | undefined;
    return raw ? fromDriverRow(table, raw) : null;
  }

  private log(tbl: string, rowId: string, op: 'insert' | 'update' | 'purge', data: Row): void {
    this.touched.add(tbl);
    this.statement(
      'INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(this.clock.tick(), this.deviceId, tbl, rowId, op, JSON.stringify(data), this.actorId);
  }

  private statement(sql: string) {
    return cachedStatement(this.db, sql);
  }
}
