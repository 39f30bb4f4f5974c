/**
 * Database-level work of backups and restores, run inside a worker thread
 * (see worker.ts) so the app keeps answering while large files are copied.
 *
 * `copyDatabase` writes a consistent snapshot of one encrypted database into
 * a new file encrypted with another key. It works like SQLite's VACUUM: the
 * new file's connection attaches the source with its key and, inside one
 * transaction (so every table is read at the same moment while other
 * connections keep writing in WAL mode), recreates the schema and copies each
 * table with `INSERT ... SELECT *`, which SQLite turns into a raw record
 * transfer. Every page is decrypted with one key and encrypted with the other
 * exactly once.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { applyKey } from '../db/connection';
import { fsyncPath } from './fsync';

export type Counts = Record<string, number>;
export type Progress = (done: number, total: number, stage: string) => void;

export interface CopyRequest {
  src: string;
  srcKey: Buffer;
  dest: string;
  destKey: Buffer;
  /** Rows that belong to the device, not the office: cleared in the copy. */
  scrub?: boolean;
  /** Replace `local_meta` of the copy with these rows (restore keeps this device's identity and settings). */
  localMeta?: LocalMetaRow[];
}

export interface CopyResult {
  counts: Counts;
  schemaVersion: number;
}

interface SchemaRow {
  type: string;
  name: string;
  sql: string;
  rootpage: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables whose rows are counted in a manifest: every real table except SQLite's own. */
function countedTables(db: Database.Database, schema: string): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM ${schema}.sqlite_schema WHERE type = 'table' AND rootpage > 0 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

export function countRows(db: Database.Database, schema = 'main'): Counts {
  const counts: Counts = {};
  for (const name of countedTables(db, schema)) {
    counts[name] = (db.prepare(`SELECT count(*) AS n FROM ${schema}.${quote(name)}`).get() as { n: number }).n;
  }
  return counts;
}

export function copyDatabase(req: CopyRequest, onProgress: Progress = () => {}): CopyResult {
  if (!existsSync(req.src)) throw new CopyError('source_missing');
  if (existsSync(req.dest)) throw new Error(`refusing to overwrite ${req.dest}`);
  const dest = new Database(req.dest);
  try {
    applyKey(dest, req.destKey);
    // A temp file: it is fsynced and verified before anything trusts it.
    dest.pragma('journal_mode = OFF');
    dest.pragma('synchronous = OFF');
    dest.pragma('cache_size = -65536');
    dest.pragma('temp_store = MEMORY');
    // Shadow tables of full-text indexes are copied as plain tables, like VACUUM does.
    dest.unsafeMode(true);
    try {
      dest.prepare('ATTACH DATABASE ? AS src KEY ?').run(req.src, `x'${req.srcKey.toString('hex')}'`);
      dest.prepare('SELECT count(*) FROM src.sqlite_schema').get();
    } catch {
      throw new CopyError('wrong_key');
    }
    let result: CopyResult;
    dest.exec('BEGIN');
    try {
      result = copyInTransaction(dest, req, onProgress);
      dest.exec('COMMIT');
    } catch (error) {
      if (dest.inTransaction) dest.exec('ROLLBACK');
      throw error;
    }
    dest.exec('DETACH DATABASE src');
    dest.close();
    fsyncPath(req.dest);
    return result;
  } finally {
    if (dest.open) dest.close();
  }
}

function copyInTransaction(dest: Database.Database, req: CopyRequest, onProgress: Progress): CopyResult {
  // The first read fixes the snapshot: everything below sees the same moment.
  const schemaVersion = dest.pragma('src.user_version', { simple: true }) as number;
  const rows = dest
    .prepare(`SELECT type, name, sql, rootpage FROM src.sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid`)
    .all() as SchemaRow[];
  const isCopied = (r: SchemaRow) => r.type === 'table' && r.rootpage > 0 && !r.name.startsWith('sqlite_');
  const tables = rows.filter(isCopied);
  // Progress in pages: the copy grows towards the size of the source (counting rows first would read everything twice).
  const total = Math.max(1, dest.pragma('src.page_count', { simple: true }) as number);
  const pagesDone = () => Math.min(total, dest.pragma('main.page_count', { simple: true }) as number);
  onProgress(0, total, 'copy');

  dest.pragma('writable_schema = ON');
  // Tables and indexes first: an identical empty table lets SQLite transfer records and index entries raw.
  for (const r of tables) dest.exec(r.sql);
  for (const r of rows) if (r.type === 'index') dest.exec(r.sql);
  for (const r of tables) {
    dest.exec(`INSERT INTO main.${quote(r.name)} SELECT * FROM src.${quote(r.name)}`);
    onProgress(pagesDone(), total, 'copy');
  }
  const hasSequence = rows.some((r) => r.name === 'sqlite_sequence');
  if (hasSequence) {
    dest.exec('DELETE FROM main.sqlite_sequence');
    dest.exec('INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence');
  }
  // Virtual tables (full-text indexes): their definitions only; the data lives in the shadow tables copied above.
  dest.exec(
    `INSERT INTO main.sqlite_schema SELECT type, name, tbl_name, 0, sql FROM src.sqlite_schema WHERE type = 'table' AND rootpage = 0 AND sql LIKE 'CREATE VIRTUAL TABLE%'`,
  );
  dest.pragma('writable_schema = OFF');
  for (const r of rows) if (r.type === 'view' || r.type === 'trigger') dest.exec(r.sql);
  dest.pragma(`main.user_version = ${Number(schemaVersion)}`);

  replaceDeviceRows(dest, new Set(tables.map((t) => t.name)), req);
  onProgress(total, total, 'copy');
  return { counts: countRows(dest, 'main'), schemaVersion };
}

export type LocalMetaRow = { key: string; value: string; updated_at: number };

/** Clears what belongs to the device that wrote a copy (sessions, sign-in throttle, backup settings) and sets `localMeta`. */
function replaceDeviceRows(db: Database.Database, names: Set<string>, req: { scrub?: boolean; localMeta?: LocalMetaRow[] }): void {
  if (req.scrub) {
    if (names.has('local_sessions')) db.exec('DELETE FROM main.local_sessions');
    if (names.has('local_login_throttle')) db.exec('DELETE FROM main.local_login_throttle');
    if (names.has('local_meta')) db.exec(`DELETE FROM main.local_meta WHERE key LIKE 'backup.%'`);
  }
  if (req.localMeta && names.has('local_meta')) {
    db.exec('DELETE FROM main.local_meta');
    const insert = db.prepare('INSERT INTO main.local_meta (key, value, updated_at) VALUES (?, ?, ?)');
    for (const row of req.localMeta) insert.run(row.key, row.value, row.updated_at);
  }
}

/**
 * A restored byte copy made this device's before it is installed: the other
 * device's sessions and settings go, this device's `local_meta` (its id,
 * backup settings) comes in, so a crash right after the swap never leaves
 * this desktop with another one's identity.
 */
export function localizeCopy(file: string, key: Buffer, localMeta: LocalMetaRow[]): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    applyKey(db, key);
    db.pragma('secure_delete = ON');
    const names = new Set(countedTables(db, 'main'));
    db.transaction(() => replaceDeviceRows(db, names, { scrub: true, localMeta }))();
  } finally {
    db.close();
  }
  fsyncPath(file);
}

export interface CheckResult {
  integrity: string;
  counts: Counts;
  schemaVersion: number;
}

/** Opens a database read-only with `key` and runs the full integrity check. */
export function checkDatabase(file: string, key: Buffer, onProgress: Progress = () => {}): CheckResult {
  if (!existsSync(file)) throw new CopyError('source_missing');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    try {
      applyKey(db, key);
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
    } catch {
      throw new CopyError('wrong_key');
    }
    onProgress(0, 2, 'check');
    let integrity: string;
    try {
      const messages = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
      integrity = messages.map((m) => m.integrity_check).join('\n');
    } catch (error) {
      integrity = error instanceof Error ? error.message : String(error);
    }
    onProgress(1, 2, 'check');
    let counts: Counts = {};
    if (integrity === 'ok') counts = countRows(db);
    onProgress(2, 2, 'check');
    return { integrity, counts, schemaVersion: db.pragma('user_version', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/** A failure the caller turns into a translated message. */
export type CopyFailure = 'wrong_key' | 'source_missing' | 'truncated' | 'tampered' | 'snapshot_busy';

export class CopyError extends Error {
  constructor(readonly reason: CopyFailure) {
    super(reason);
    this.name = 'CopyError';
  }
}
