/**
 * Schema versions live in `PRAGMA user_version`. Each migration runs in its
 * own transaction; a copy of the file is taken before an existing database is
 * migrated; a database from a newer app is refused before anything changes.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { HarborError } from '../../../src-shared/errors';
import type { SqliteDb } from './connection';
import { migrations as allMigrations, type Migration } from './migrations';

export const SCHEMA_VERSION = allMigrations.length;

export function schemaVersionOf(db: SqliteDb): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export interface MigrateResult {
  from: number;
  to: number;
  backupFile: string | null;
}

export function migrate(db: SqliteDb, file: string | null, migrations: Migration[] = allMigrations): MigrateResult {
  const known = migrations.length;
  const from = schemaVersionOf(db);
  if (from > known) {
    throw new HarborError('INTERNAL', 'errors.db_too_new', { found: from, known });
  }
  if (from === known) return { from, to: from, backupFile: null };

  let backupFile: string | null = null;
  if (from > 0 && file && existsSync(file)) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    backupFile = `${file}.pre-v${known}-${Date.now()}.bak`;
    copyFileSync(file, backupFile);
  }
  for (const migration of migrations.slice(from)) {
    db.transaction(() => {
      for (const statement of migration.statements) db.exec(statement);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  // Planner statistics are left to the background refresh (db/statistics.ts): analysing a large table takes seconds.
  return { from, to: known, backupFile };
}
