/**
 * Backups and restores as file copies, run inside a worker thread (see
 * worker.ts). A backup holds the live database's pages exactly as they are on
 * disk, still encrypted with the database key (the manifest carries that key
 * wrapped by the backup password, see archive.ts), so nothing is decrypted or
 * re-encrypted and a backup costs about what copying the file costs.
 *
 * A consistent snapshot of a database in WAL mode, while other connections
 * keep writing: with the write lock held for a moment (a second connection's
 * `BEGIN IMMEDIATE`, so no commit can slip in), a passive checkpoint moves
 * every committed frame into the main file; the reading connection then
 * starts its transaction. With the WAL fully checkpointed SQLite gives that
 * reader the "main file only" read lock (WAL_READ_LOCK(0)), and no checkpoint
 * can write into the main file while that lock is held. The main file is
 * frozen at that moment until the read transaction ends, while writers go on
 * appending to the WAL. Copying its bytes gives exactly the database as of the
 * snapshot; row counts are read inside the same transaction.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:fs';
import { copyFile, open, type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { applyKey } from '../db/connection';
import { CopyError, countRows, type Counts, type Progress } from './copy';
import { PAGE_SIZE, withRollbackJournal } from './sqlcipher-page';

const CHUNK = 4 * 1024 * 1024;
/** How long to look for a moment with a fully checkpointed WAL before giving up. */
export const FREEZE_TIMEOUT_MS = 10_000;

export interface SnapshotResult {
  counts: Counts;
  schemaVersion: number;
  bytes: number;
  sha256: string;
}

async function readFully(file: FileHandle, buffer: Buffer, position: number): Promise<void> {
  for (let got = 0; got < buffer.length; ) {
    const { bytesRead } = await file.read(buffer, got, buffer.length - got, position + got);
    if (bytesRead === 0) throw new CopyError('truncated');
    got += bytesRead;
  }
}

/** SHA-256 of the first `bytes` of a file, the next chunk read while one is hashed. */
export async function hashFile(file: string, bytes: number, onChunk: (chunk: Buffer, offset: number) => void = () => {}): Promise<string> {
  const input = await open(file, 'r');
  try {
    const hash = createHash('sha256');
    const readAt = async (pos: number) => {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, bytes - pos));
      await readFully(input, chunk, pos);
      return chunk;
    };
    let next = bytes > 0 ? readAt(0) : null;
    for (let pos = 0; pos < bytes; pos += CHUNK) {
      const chunk = await next!;
      next = pos + CHUNK < bytes ? readAt(pos + CHUNK) : null;
      onChunk(chunk, pos);
      hash.update(chunk);
    }
    return hash.digest('hex');
  } finally {
    await input.close();
  }
}

/**
 * Copies the first `bytes` of `src` to a new file `dest` and fsyncs it,
 * returning the SHA-256 of what was written. The OS copies the file (in the
 * kernel, on a thread of its own) and flushes it while this thread reads and
 * hashes the same bytes, so on two cores the checksum adds little.
 * `patchFirstPage` may change the first page: it is written and hashed changed.
 */
export async function streamFile(
  src: string,
  dest: string,
  bytes: number,
  onProgress: (done: number, total: number) => void = () => {},
  patchFirstPage?: (page: Buffer) => Buffer,
): Promise<string> {
  let firstPage: Buffer | null = null;
  if (patchFirstPage && bytes >= PAGE_SIZE) {
    const input = await open(src, 'r');
    try {
      firstPage = Buffer.alloc(PAGE_SIZE);
      await readFully(input, firstPage, 0);
    } finally {
      await input.close();
    }
    firstPage = patchFirstPage(firstPage);
  }
  const page = firstPage;
  const copying = (async () => {
    await copyFile(src, dest, constants.COPYFILE_EXCL);
    const output = await open(dest, 'r+');
    try {
      if ((await output.stat()).size !== bytes) await output.truncate(bytes);
      if (page) await output.write(page, 0, PAGE_SIZE, 0);
      await output.sync();
    } finally {
      await output.close();
    }
  })();
  const hashing = hashFile(src, bytes, (chunk, offset) => {
    if (offset === 0 && page) page.copy(chunk, 0);
    // The copy keeps pace with the checksum: its position is the progress.
    onProgress(offset, bytes);
  });
  // Both settle before this returns (also on failure), so the caller can remove `dest`.
  const [copied, hashed] = await Promise.allSettled([copying, hashing]);
  if (copied.status === 'rejected') throw copied.reason;
  if (hashed.status === 'rejected') throw hashed.reason;
  onProgress(bytes, bytes);
  return hashed.value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a read transaction on `reader` that sees the main file only (see the
 * top of this file). Returns false when no such moment came (a reader kept an
 * old snapshot open the whole time).
 */
async function freeze(reader: Database.Database, gate: Database.Database, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; performance.now() < deadline; attempt++) {
    try {
      gate.exec('BEGIN IMMEDIATE');
    } catch (error) {
      // A long write elsewhere (a sync batch): try again in a moment.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      await sleep(50);
      continue;
    }
    try {
      const [ckpt] = reader.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      if (ckpt && ckpt.log === ckpt.checkpointed) {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM sqlite_schema').get();
        return true;
      }
    } finally {
      gate.exec('ROLLBACK');
    }
    await sleep(Math.min(200, 5 * (attempt + 1)));
  }
  return false;
}

function connect(file: string, key: Buffer): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  try {
    applyKey(db, key);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch {
    db.close();
    throw new CopyError('wrong_key');
  }
  db.pragma('busy_timeout = 2000');
  return db;
}

/**
 * Writes a consistent snapshot of the live database `src` (encrypted with
 * `key`) to the new file `dest`: the same pages, the same key, marked for a
 * rollback journal so the copy opens read-only on its own.
 */
export async function snapshotDatabase(
  src: string,
  key: Buffer,
  dest: string,
  onProgress: Progress = () => {},
  freezeTimeoutMs = FREEZE_TIMEOUT_MS,
): Promise<SnapshotResult> {
  if (!existsSync(src)) throw new CopyError('source_missing');
  if (existsSync(dest)) throw new Error(`refusing to overwrite ${dest}`);
  const reader = connect(src, key);
  try {
    const gate = connect(src, key);
    let frozen: boolean;
    try {
      frozen = await freeze(reader, gate, freezeTimeoutMs);
    } finally {
      gate.close();
    }
    if (!frozen) throw new CopyError('snapshot_busy');
    try {
      const schemaVersion = reader.pragma('user_version', { simple: true }) as number;
      const pageSize = reader.pragma('page_size', { simple: true }) as number;
      const pages = reader.pragma('page_count', { simple: true }) as number;
      if (pageSize !== PAGE_SIZE) throw new Error(`unexpected page size ${pageSize}`);
      const bytes = pages * pageSize;
      if (statSync(src).size < bytes) throw new CopyError('truncated');
      onProgress(0, bytes, 'copy');
      const copying = streamFile(src, dest, bytes, (done, total) => onProgress(done, total, 'copy'), (page1) => {
        const changed = withRollbackJournal(key, page1);
        if (!changed) throw new CopyError('wrong_key');
        return changed;
      });
      // Counted while the OS copies (the snapshot stays the same until COMMIT).
      let counts: Counts = {};
      let failure: unknown = null;
      try {
        counts = countRows(reader);
      } catch (error) {
        failure = error;
      }
      // Even after a failure the copy is awaited, so the caller can remove its file.
      const sha256 = await copying;
      if (failure) throw failure;
      return { counts, schemaVersion, bytes, sha256 };
    } finally {
      if (reader.inTransaction) reader.exec('COMMIT');
    }
  } finally {
    reader.close();
  }
}
