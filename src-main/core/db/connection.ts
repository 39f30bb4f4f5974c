/**
 * Opens the encrypted database: SQLCipher 4 format with a raw 256-bit key.
 * A wrong or missing key never creates, truncates or rewrites the file.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HarborError } from '../../../src-shared/errors';

export type SqliteDb = Database.Database;

export const KEY_BYTES = 32;

/** Applies the SQLCipher 4 cipher settings and the raw key. Nothing is read or written yet. */
export function applyKey(db: SqliteDb, key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error('database key must be 32 bytes');
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${key.toString('hex')}'"`);
}

export interface OpenOptions {
  file: string;
  key: Buffer;
  /** Create the file when it does not exist (first run). Default true. */
  create?: boolean;
  readonly?: boolean;
}

export function openDatabase({ file, key, create = true, readonly = false }: OpenOptions): SqliteDb {
  const exists = existsSync(file) && statSync(file).size > 0;
  if (!exists && !create) throw new HarborError('NOT_FOUND', 'errors.NOT_FOUND');
  const db = new Database(file, { fileMustExist: exists, readonly });
  try {
    applyKey(db, key);
    // First read: fails with "file is not a database" on a wrong key before anything is written.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
  } catch (error) {
    db.close();
    if (exists) throw new HarborError('INTERNAL', 'errors.db_wrong_key');
    throw error;
  }
  if (!readonly) {
    // Encrypted anyway, but nobody else on the machine needs to read it.
    if (!exists) chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('busy_timeout = 5000');
  // 64 MiB of decrypted pages: list and search queries over large tables stay in memory.
  db.pragma('cache_size = -65536');
  return db;
}

/**
 * Opens `file` with the first of `keys` that fits (a key ring, the current key
 * first); only a wrong key moves on to the next.
 */
export function openWithKeys(file: string, keys: Buffer[], create: boolean): { db: SqliteDb; key: Buffer } {
  for (const [i, key] of keys.entries()) {
    try {
      return { db: openDatabase({ file, key, create }), key };
    } catch (error) {
      const wrongKey = error instanceof HarborError && error.messageKey === 'errors.db_wrong_key';
      if (!wrongKey || i === keys.length - 1) throw error;
    }
  }
  throw new HarborError('INTERNAL', 'errors.db_wrong_key');
}
