/**
 * Schema versions live in `PRAGMA user_version`. Each migration runs in its
 * own transaction; a copy of the file is taken before an existing database is
 * migrated; a database from a newer app is refused before anything changes.
 *
 * Progress: the work is weighed up front (rows of the tables a statement
 * reads, bytes of the copy) so one fraction runs from 0 to 1 over the whole
 * upgrade. A statement marked `harbor:slice-by-rowid <table>` in its .sql
 * (see scripts/embed-migrations.mjs) runs once per slice of that table's
 * rowids, inside the migration's one transaction, with progress between slices.
 */
import { closeSync, existsSync, fsyncSync, fstatSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HarborError } from '../../../src-shared/errors';
import { fsyncPath } from '../backup/fsync';
import type { SqliteDb } from './connection';
import { migrations as allMigrations, type Migration, type SlicedStatement } from './migrations';

export const SCHEMA_VERSION = allMigrations.length;

export function schemaVersionOf(db: SqliteDb): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export interface MigrateResult {
  from: number;
  to: number;
  backupFile: string | null;
}

export interface MigrateProgress {
  /** `copy`: the safety copy of the file; `migrate`: the migrations. */
  stage: 'copy' | 'migrate';
  /** Work done and in all, in estimated units: `done` never goes back and ends equal to `total`. */
  done: number;
  total: number;
  /** The schema version being written (stage `migrate`). */
  version?: number;
  /** Inside a sliced statement: rowids of `table` covered so far, of `total`. */
  rows?: { table: string; done: number; total: number };
}

export interface MigrateOptions {
  /** Called between steps, on the migrating thread: between slices, statements and copied chunks. */
  onProgress?: (progress: MigrateProgress) => void;
  /** Called with the name of the safety copy once it is complete, before the first migration. */
  onSafetyCopy?: (file: string) => void;
  /** Rowids per slice of a sliced statement. */
  sliceRows?: number;
}

/** A slice per 5,000 rowids: smaller slices cost more, FTS5 flushing its pending terms at each statement (1,000: about 15% more for a trigram refill). */
export const SLICE_ROWS = 5_000;

/**
 * What each step weighs, about a microsecond a unit (measured on 100,000
 * contacts): a safety copy moves a KiB per unit, a trigram refill indexes a
 * row in six, an index is built at one and a half a row, and a commit (with
 * the checkpoint it triggers) takes about half the time its migration's rows did.
 */
const COST = { statement: 1_000, slicedRow: 6, indexedRow: 1.5, copiedKiB: 1, commitShare: 0.5 } as const;

const CREATE_INDEX = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b[\s\S]*?\bON\s+[`"]?(\w+)/im;

/** A safety copy still being written (the process was killed, say): removed before the next one. */
const PARTIAL = '.partial';
/** How many upgrade safety copies stay beside the database (the newest). */
export const KEPT_SAFETY_COPIES = 2;
const SAFETY_COPY = /^pre-v\d+-(\d+)\.bak$/;
const COPY_CHUNK = 8 * 1024 * 1024;

export function migrate(db: SqliteDb, file: string | null, migrations: Migration[] = allMigrations, options: MigrateOptions = {}): MigrateResult {
  const known = migrations.length;
  const from = schemaVersionOf(db);
  if (from > known) {
    throw new HarborError('INTERNAL', 'errors.db_too_new', { found: from, known });
  }
  if (from === known) return { from, to: from, backupFile: null };

  const pending = migrations.slice(from);
  const copying = from > 0 && file !== null && existsSync(file);
  if (copying) db.pragma('wal_checkpoint(TRUNCATE)');
  const plan = pending.map((migration) => migration.statements.map((statement) => statementCost(db, statement)));
  const commits = plan.map((costs) => COST.statement + COST.commitShare * costs.reduce((sum, c) => sum + c - COST.statement, 0));
  const copyCost = copying ? (statSync(file).size / 1024) * COST.copiedKiB : 0;
  const progress = new Progress(copyCost + plan.flat().reduce((a, b) => a + b, 0) + commits.reduce((a, b) => a + b, 0), options.onProgress);

  const backupFile = copying ? keepSafetyCopy(file, known, (done, total) => progress.report({ stage: 'copy' }, (copyCost * done) / total)) : null;
  if (backupFile) options.onSafetyCopy?.(backupFile);
  const sliceRows = options.sliceRows ?? SLICE_ROWS;
  try {
    for (const [m, migration] of pending.entries()) {
      const at = { stage: 'migrate', version: migration.version } as const;
      progress.report(at, 0);
      db.transaction(() => {
        for (const [s, statement] of migration.statements.entries()) {
          const cost = plan[m]![s]!;
          if (typeof statement === 'string') db.exec(statement);
          else runSliced(db, statement, sliceRows, (rows) => progress.report({ ...at, rows }, (cost * rows.done) / Math.max(rows.total, 1)));
          progress.step(at, cost);
        }
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
      progress.step(at, commits[m]!);
    }
    progress.finish({ stage: 'migrate', version: pending.at(-1)!.version });
  } catch (error) {
    // Nothing was committed: the file is as it was, so its copy is no use (and a start that fails each time would pile them up).
    if (backupFile && schemaVersionOf(db) === from) rmSync(backupFile, { force: true });
    throw error;
  }
  // Planner statistics are left to the background refresh (db/statistics.ts): analysing a large table takes seconds.
  return { from, to: known, backupFile };
}

/** Adds up weighed steps into one monotone fraction for `onProgress`. */
class Progress {
  private base = 0;
  private last = -1;

  constructor(
    private readonly total: number,
    private readonly onProgress: ((progress: MigrateProgress) => void) | undefined,
  ) {}

  /** Reports `within` units done of the step under way. */
  report(at: Omit<MigrateProgress, 'done' | 'total'>, within: number): void {
    if (!this.onProgress) return;
    const done = Math.min(this.total, Math.max(this.last, this.base + within));
    this.last = done;
    this.onProgress({ ...at, done, total: this.total });
  }

  /** All done: `done` is `total` exactly (the weights may not add up to it to the last bit). */
  finish(at: Omit<MigrateProgress, 'done' | 'total'>): void {
    this.base = this.total;
    this.report(at, 0);
  }

  /** Ends the step under way, which weighed `cost`. */
  step(at: Omit<MigrateProgress, 'done' | 'total'>, cost: number): void {
    this.base += cost;
    this.report(at, 0);
  }
}

/** Rowids a table spans now (0 when it has none, or does not exist yet: the migration creating it runs later). */
function rowidSpan(db: SqliteDb, table: string): { first: number; count: number } {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table)) return { first: 0, count: 0 };
  const row = db.prepare(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM "${table}"`).get() as { lo: number | null; hi: number | null };
  return row.lo === null || row.hi === null ? { first: 0, count: 0 } : { first: row.lo, count: row.hi - row.lo + 1 };
}

function statementCost(db: SqliteDb, statement: string | SlicedStatement): number {
  if (typeof statement !== 'string') return COST.statement + COST.slicedRow * rowidSpan(db, statement.sliceByRowid).count;
  const index = CREATE_INDEX.exec(statement);
  return COST.statement + (index ? COST.indexedRow * rowidSpan(db, index[1]!).count : 0);
}

/** Runs `statement` once per slice of its table's rowids (as they are when it starts), binding :first and :last. */
function runSliced(db: SqliteDb, statement: SlicedStatement, sliceRows: number, onSlice: (rows: NonNullable<MigrateProgress['rows']>) => void): void {
  const { first, count } = rowidSpan(db, statement.sliceByRowid);
  const run = db.prepare(statement.sql);
  for (let done = 0; done < count; ) {
    const rows = Math.min(sliceRows, count - done);
    run.run({ first: first + done, last: first + done + rows - 1 });
    done += rows;
    onSlice({ table: statement.sliceByRowid, done, total: count });
  }
}

/**
 * Copies the database file (checkpointed by the caller) to
 * `<file>.pre-v<version>-<ms>.bak`: written under a `.partial` name, flushed,
 * then renamed, so a copy under the final name is always whole. Partial
 * copies an interrupted upgrade left behind are removed first.
 */
export function keepSafetyCopy(file: string, version: number, onCopied: (done: number, total: number) => void = () => {}): string {
  const dir = dirname(file);
  const prefix = `${basename(file)}.pre-v`;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && name.endsWith(`.bak${PARTIAL}`)) rmSync(join(dir, name), { force: true });
  }
  const target = `${file}.pre-v${version}-${Date.now()}.bak`;
  const partial = `${target}${PARTIAL}`;
  const input = openSync(file, 'r');
  try {
    const output = openSync(partial, 'wx', 0o600);
    try {
      const total = fstatSync(input).size;
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(COPY_CHUNK, total)));
      for (let done = 0; done < total; ) {
        const read = readSync(input, buffer, 0, Math.min(buffer.length, total - done), done);
        if (read === 0) throw new Error('the database file shrank while it was copied');
        for (let written = 0; written < read; ) written += writeSync(output, buffer, written, read - written, done + written);
        done += read;
        onCopied(done, total);
      }
      fsyncSync(output);
    } finally {
      closeSync(output);
    }
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    closeSync(input);
  }
  renameSync(partial, target);
  fsyncPath(dir);
  // Copies of older versions go once two newer ones exist: each is as big as the database.
  const base = `${basename(file)}.`;
  const copies = readdirSync(dir)
    .filter((name) => name.startsWith(base) && SAFETY_COPY.test(name.slice(base.length)))
    .sort((a, b) => Number(SAFETY_COPY.exec(b.slice(base.length))![1]) - Number(SAFETY_COPY.exec(a.slice(base.length))![1]));
  for (const name of copies.slice(KEPT_SAFETY_COPIES)) rmSync(join(dir, name), { force: true });
  return target;
}
