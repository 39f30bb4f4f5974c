/**
 * The backup format and the operations on one backup.
 *
 * A backup is a folder `<office>-<UTC time>.harborbackup/` holding
 * - `backup.db`: a standard SQLCipher 4 database, a consistent snapshot of the
 *   office database copied page for page (see snapshot.ts), so still
 *   encrypted with the database's own random key;
 * - `manifest.json`: in clear only the format, the key-derivation parameters
 *   (salt, N, r, p), a 16-byte key check and the database key wrapped by the
 *   backup password (see kdf.ts for the derivation); everything else (app and
 *   schema version, office name, created at, device, record counts per table,
 *   size and SHA-256 of `backup.db`) is sealed with AES-256-GCM under a key
 *   derived from the backup key, so a lost USB stick shows nothing about the
 *   office and any change to the manifest or the database file is detected.
 *
 * A backup is written under a hidden temp name in the target folder, fsynced,
 * verified (opened with its key, integrity check, counts, checksum) and only
 * then renamed to its final name, so a half-written backup never looks like
 * a good one and never replaces one.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { HarborError, type ErrorCode } from '../../../src-shared/errors';
import { writeFileAtomic } from '../db/keystore';
import { SCHEMA_VERSION } from '../db/migrate';
import type { Counts, LocalMetaRow, Progress } from './copy';
import { fsyncPath } from './fsync';
import { deriveBackupKey, kdfSchema, manifestKey, unwrapDatabaseKey, wrapDatabaseKey, wrappedKeySchema, type KdfParams } from './kdf';
import { runWorker, WorkerFailure } from './run-worker';

export const BACKUP_EXT = '.harborbackup';
export const BACKUP_DB = 'backup.db';
export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'harbor-backup';
const PARTIAL = '.partial-';

export const BACKUP_FAILURES = [
  'target_missing',
  'not_a_backup',
  'wrong_password',
  'tampered',
  'truncated',
  'corrupt',
  'too_new',
  'cancelled',
  'no_password',
  'other_password',
  'no_target',
  'busy',
  'snapshot_busy',
] as const;
export type BackupFailure = (typeof BACKUP_FAILURES)[number];

const CODE_BY_FAILURE: Record<BackupFailure, ErrorCode> = {
  target_missing: 'NOT_FOUND',
  not_a_backup: 'NOT_FOUND',
  wrong_password: 'INVALID_CREDENTIALS',
  tampered: 'CONFLICT',
  truncated: 'CONFLICT',
  corrupt: 'CONFLICT',
  too_new: 'CONFLICT',
  cancelled: 'CONFLICT',
  no_password: 'VALIDATION_ERROR',
  other_password: 'VALIDATION_ERROR',
  no_target: 'VALIDATION_ERROR',
  busy: 'CONFLICT',
  snapshot_busy: 'CONFLICT',
};

export function backupError(reason: BackupFailure, params?: Record<string, string | number>): HarborError {
  return new HarborError(CODE_BY_FAILURE[reason], `backup.errors.${reason}`, params);
}

/** The failure behind an error thrown by this module, if it is one. */
export function failureOf(error: unknown): BackupFailure | null {
  if (!(error instanceof HarborError) || !error.messageKey.startsWith('backup.errors.')) return null;
  const reason = error.messageKey.slice('backup.errors.'.length);
  return (BACKUP_FAILURES as readonly string[]).includes(reason) ? (reason as BackupFailure) : null;
}

export const contentsSchema = z.object({
  appVersion: z.string(),
  schemaVersion: z.number().int(),
  officeName: z.string(),
  createdAt: z.number(),
  deviceId: z.string(),
  counts: z.record(z.string(), z.number()),
  db: z.object({ bytes: z.number(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
});
export type BackupContents = z.infer<typeof contentsSchema>;

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  /** 1: `backup.db` re-encrypted with the backup key; 2: a byte copy, its key in `wrappedKey`. */
  version: z.union([z.literal(1), z.literal(2)]),
  kdf: kdfSchema,
  keyCheck: z.string().regex(/^[0-9a-f]{32}$/),
  wrappedKey: wrappedKeySchema.optional(),
  sealed: z.object({ iv: z.string(), tag: z.string(), data: z.string() }),
});
type Manifest = z.infer<typeof manifestSchema>;

export interface BackupKey {
  key: Buffer;
  kdf: KdfParams;
}

function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('harbor-backup-key-check-v1').digest().subarray(0, 16).toString('hex');
}

function seal(contents: BackupContents, { key, kdf }: BackupKey, dbKey: Buffer): Manifest {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', manifestKey(key), iv);
  cipher.setAAD(Buffer.from(JSON.stringify(kdf)));
  const data = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
  return {
    format: FORMAT,
    version: 2,
    kdf,
    keyCheck: keyCheck(key),
    wrappedKey: wrapDatabaseKey(key, dbKey),
    sealed: { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') },
  };
}

function unseal(manifest: Manifest, key: Buffer): BackupContents {
  const a = Buffer.from(keyCheck(key), 'hex');
  if (!timingSafeEqual(a, Buffer.from(manifest.keyCheck, 'hex'))) throw backupError('wrong_password');
  try {
    const decipher = createDecipheriv('aes-256-gcm', manifestKey(key), Buffer.from(manifest.sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(JSON.stringify(manifest.kdf)));
    decipher.setAuthTag(Buffer.from(manifest.sealed.tag, 'base64'));
    const json = Buffer.concat([decipher.update(Buffer.from(manifest.sealed.data, 'base64')), decipher.final()]).toString('utf8');
    return contentsSchema.parse(JSON.parse(json));
  } catch {
    throw backupError('tampered');
  }
}

/** Accepts the backup folder or any file inside it. */
export function backupFolder(path: string): string {
  const name = basename(path);
  if (name === MANIFEST_FILE || name === BACKUP_DB) return dirname(path);
  return path;
}

function readManifest(folder: string): Manifest {
  const file = join(folder, MANIFEST_FILE);
  if (!existsSync(file) || !existsSync(join(folder, BACKUP_DB))) throw backupError('not_a_backup');
  try {
    return manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw backupError('not_a_backup');
  }
}

/** The key-derivation parameters of a backup (readable without the password). */
export function backupKdf(path: string): KdfParams {
  return readManifest(backupFolder(path)).kdf;
}

/**
 * The backup key for `path`: derived from the password when one is given,
 * else the stored key when the backup was made with it (same salt).
 */
export async function keyFor(path: string, secret: { password?: string; known?: BackupKey | null }): Promise<Buffer> {
  const kdf = backupKdf(path);
  if (secret.password !== undefined) return deriveBackupKey(secret.password, kdf);
  if (secret.known && secret.known.kdf.salt === kdf.salt && secret.known.kdf.N === kdf.N) return secret.known.key;
  throw backupError(secret.known ? 'other_password' : 'no_password');
}

/**
 * The key `backup.db` is encrypted with: the wrapped database key (version 2)
 * or the backup key itself (version 1).
 */
export function databaseKeyOf(path: string, key: Buffer): Buffer {
  const manifest = readManifest(backupFolder(path));
  unseal(manifest, key);
  if (manifest.version === 1) return key;
  const dbKey = manifest.wrappedKey ? unwrapDatabaseKey(key, manifest.wrappedKey) : null;
  if (!dbKey) throw backupError('tampered');
  return dbKey;
}

/** Opens the manifest with the key: what the backup contains. Cheap: does not read the database. */
export function inspectBackup(path: string, key: Buffer, options: { anySchema?: boolean } = {}): BackupContents {
  const contents = unseal(readManifest(backupFolder(path)), key);
  if (!options.anySchema && contents.schemaVersion > SCHEMA_VERSION) {
    throw backupError('too_new', { found: contents.schemaVersion, known: SCHEMA_VERSION });
  }
  return contents;
}

/** The database file matches the sealed size and checksum (nothing truncated or altered); hashed in a worker thread. */
async function checkFile(folder: string, contents: BackupContents, signal?: AbortSignal): Promise<void> {
  const file = join(folder, BACKUP_DB);
  const bytes = statSync(file).size;
  if (bytes < contents.db.bytes) throw backupError('truncated');
  if (bytes !== contents.db.bytes) throw backupError('tampered');
  let hashed;
  try {
    hashed = await runWorker({ op: 'hash', file, bytes }, undefined, signal);
  } catch (error) {
    workerError(error);
  }
  if (hashed.sha256 !== contents.db.sha256) throw backupError('tampered');
}

function sameCounts(a: Counts, b: Counts, ignore: (table: string) => boolean = () => false): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !ignore(k)));
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

function workerError(error: unknown): never {
  if (error instanceof WorkerFailure) {
    if (error.reason === 'cancelled') throw backupError('cancelled');
    if (error.reason === 'wrong_key') throw backupError('wrong_password');
    if (error.reason === 'source_missing') throw backupError('not_a_backup');
    if (error.reason === 'truncated') throw backupError('truncated');
    if (error.reason === 'tampered') throw backupError('tampered');
    if (error.reason === 'snapshot_busy') throw backupError('snapshot_busy');
  }
  if (error instanceof HarborError) throw error;
  if (process.env.HARBOR_DEBUG_BACKUP) console.error('[harbor] backup worker:', error);
  throw backupError('corrupt');
}

/**
 * Full verification: manifest sealed with this key, file size and checksum,
 * `PRAGMA integrity_check` and the record counts of every table.
 */
export async function verifyBackup(
  path: string,
  key: Buffer,
  onProgress?: Progress,
  signal?: AbortSignal,
  options: { anySchema?: boolean } = {},
): Promise<BackupContents> {
  const folder = backupFolder(path);
  const contents = inspectBackup(folder, key, options);
  const dbKey = databaseKeyOf(folder, key);
  // The checksum and the integrity check read the file side by side, each in its own thread; the first failure stops both.
  const both = new AbortController();
  const stop = () => both.abort();
  signal?.addEventListener('abort', stop);
  let check;
  try {
    [, check] = await Promise.all([
      checkFile(folder, contents, both.signal),
      runWorker({ op: 'check', file: join(folder, BACKUP_DB), key: dbKey.toString('hex') }, onProgress, both.signal).catch(workerError),
    ]);
  } catch (error) {
    stop();
    // A checksum that fails because the check was stopped is reported as what stopped it.
    throw signal?.aborted ? backupError('cancelled') : error;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (check.integrity !== 'ok' || check.schemaVersion !== contents.schemaVersion || !sameCounts(check.counts, contents.counts)) {
    throw backupError('corrupt');
  }
  return contents;
}

function slug(name: string): string {
  const s = name
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'harbor';
}

/** `20261123T091500123Z`: UTC, sortable, safe on every file system. */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/** The time in a name written with `fileStamp`, or null. */
export function parseFileStamp(name: string): number | null {
  const m = /(\d{8}T\d{9}Z)/.exec(name);
  if (!m) return null;
  const s = m[1]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export interface BackupEntry {
  name: string;
  path: string;
  createdAt: number;
  bytes: number;
}

function folderBytes(folder: string): number {
  let total = 0;
  for (const f of [BACKUP_DB, MANIFEST_FILE]) {
    try {
      total += statSync(join(folder, f)).size;
    } catch {
      // Listed anyway; verification reports what is missing.
    }
  }
  return total;
}

/** The complete backups in `dir`, newest first. Temp folders of backups in progress are not listed. */
export function listBackups(dir: string): BackupEntry[] {
  if (!existsSync(dir)) throw backupError('target_missing');
  const out: BackupEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || !name.endsWith(BACKUP_EXT)) continue;
    const path = join(dir, name);
    const createdAt = parseFileStamp(name) ?? statSync(path).mtimeMs;
    out.push({ name, path, createdAt, bytes: folderBytes(path) });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : -1));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp folders left by backups that were interrupted (process killed, power lost). */
export function removeStalePartials(dir: string, now = Date.now()): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const at = name.lastIndexOf(PARTIAL);
    if (!name.startsWith('.') || at < 0) continue;
    const pid = Number(name.slice(at + PARTIAL.length));
    const path = join(dir, name);
    const old = now - statSync(path).mtimeMs > 24 * 3600_000;
    const ours = pid === process.pid;
    if (old || (!ours && !(Number.isInteger(pid) && alive(pid)))) {
      rmSync(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** Deletes one backup: renamed to a temp name first, so a half-deleted backup is never listed. */
export function deleteBackup(path: string): void {
  const folder = backupFolder(path);
  const doomed = join(dirname(folder), `.${basename(folder)}.deleting${PARTIAL}${process.pid}`);
  renameSync(folder, doomed);
  rmSync(doomed, { recursive: true, force: true });
}

export interface CreateBackupOptions {
  /** The live database and its key. */
  srcFile: string;
  srcKey: Buffer;
  targetDir: string;
  backupKey: BackupKey;
  appVersion: string;
  deviceId: string;
  officeName: string;
  now: number;
  onProgress?: Progress;
  signal?: AbortSignal;
  /** Called once the snapshot is on the target, before it is verified (benchmarks). */
  onWritten?: () => void;
  /** How long to wait for a moment to take the snapshot (tests shorten it). */
  freezeTimeoutMs?: number;
}

export async function createBackup(options: CreateBackupOptions): Promise<BackupEntry & { contents: BackupContents }> {
  const { targetDir } = options;
  let isDir = false;
  try {
    isDir = statSync(targetDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw backupError('target_missing');
  removeStalePartials(targetDir, options.now);

  const base = `${slug(options.officeName)}-${fileStamp(options.now)}`;
  let name = `${base}${BACKUP_EXT}`;
  for (let i = 2; existsSync(join(targetDir, name)); i++) name = `${base}-${i}${BACKUP_EXT}`;
  const partial = join(targetDir, `.${name}${PARTIAL}${process.pid}`);
  const final = join(targetDir, name);
  const progress = options.onProgress ?? (() => {});
  try {
    mkdirSync(partial);
  } catch {
    throw backupError('target_missing');
  }
  try {
    const dbFile = join(partial, BACKUP_DB);
    let copied;
    try {
      copied = await runWorker(
        { op: 'snapshot', src: options.srcFile, key: options.srcKey.toString('hex'), dest: dbFile, freezeTimeoutMs: options.freezeTimeoutMs },
        (done, total) => progress(done, total, 'copy'),
        options.signal,
      );
    } catch (error) {
      if (!existsSync(targetDir)) throw backupError('target_missing');
      workerError(error);
    }
    const contents: BackupContents = {
      appVersion: options.appVersion,
      schemaVersion: copied.schemaVersion,
      officeName: options.officeName,
      createdAt: options.now,
      deviceId: options.deviceId,
      counts: copied.counts,
      db: { bytes: copied.bytes, sha256: copied.sha256 },
    };
    writeFileAtomic(join(partial, MANIFEST_FILE), `${JSON.stringify(seal(contents, options.backupKey, options.srcKey), null, 2)}\n`);
    fsyncPath(partial);
    options.onWritten?.();
    // Read back what is on the target, as a restore would.
    await verifyBackup(partial, options.backupKey.key, (done, total) => progress(done, total, 'verify'), options.signal, { anySchema: true });
    renameSync(partial, final);
    fsyncPath(targetDir);
    return { name, path: final, createdAt: options.now, bytes: folderBytes(final), contents };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(targetDir)) throw backupError('target_missing');
    throw error;
  }
}

/**
 * Removes a database file with the journal and WAL files SQLite may have left
 * beside it. A staged restore killed while it was open leaves them behind,
 * and SQLite would replay them into the next file of that name.
 */
export function removeDatabaseFile(file: string): void {
  for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`, file]) rmSync(f, { force: true });
}

export interface RestoreToFileOptions {
  backupPath: string;
  backupKey: Buffer;
  destFile: string;
  /** The live database key: a first-format backup is re-encrypted with it. */
  destKey: Buffer;
  localMeta?: LocalMetaRow[];
  onProgress?: Progress;
  signal?: AbortSignal;
}

export interface RestoredFile {
  contents: BackupContents;
  /** The key `destFile` is encrypted with: the backed-up database's own key (the live key when the backup was made here). */
  key: Buffer;
}

/**
 * Writes the backup's database to `destFile`, checking the sealed size and
 * checksum on the way: a byte copy under the backed-up database's key, or
 * for a first-format backup a copy re-encrypted with `destKey` whose counts
 * are checked. The caller installs the file; on any failure `destFile` is removed.
 */
export async function restoreToFile(options: RestoreToFileOptions): Promise<RestoredFile> {
  const folder = backupFolder(options.backupPath);
  const contents = inspectBackup(folder, options.backupKey);
  const fileKey = databaseKeyOf(folder, options.backupKey);
  const firstFormat = fileKey.equals(options.backupKey);
  const file = join(folder, BACKUP_DB);
  const bytes = statSync(file).size;
  if (bytes < contents.db.bytes) throw backupError('truncated');
  if (bytes !== contents.db.bytes) throw backupError('tampered');
  removeDatabaseFile(options.destFile);
  try {
    if (!firstFormat) {
      try {
        await runWorker(
          {
            op: 'stream',
            src: file,
            dest: options.destFile,
            bytes,
            sha256: contents.db.sha256,
            ...(options.localMeta ? { localize: { key: fileKey.toString('hex'), localMeta: options.localMeta } } : {}),
          },
          options.onProgress,
          options.signal,
        );
      } catch (error) {
        workerError(error);
      }
      return { contents, key: fileKey };
    }
    await checkFile(folder, contents);
    let copied;
    try {
      copied = await runWorker(
        {
          op: 'copy',
          src: file,
          srcKey: options.backupKey.toString('hex'),
          dest: options.destFile,
          destKey: options.destKey.toString('hex'),
          scrub: true,
          localMeta: options.localMeta,
        },
        options.onProgress,
        options.signal,
      );
    } catch (error) {
      workerError(error);
    }
    const deviceLocal = (t: string) => t.startsWith('local_');
    if (copied.schemaVersion !== contents.schemaVersion || !sameCounts(copied.counts, contents.counts, deviceLocal)) {
      throw backupError('corrupt');
    }
    return { contents, key: options.destKey };
  } catch (error) {
    removeDatabaseFile(options.destFile);
    throw error;
  }
}
