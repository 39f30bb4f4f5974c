/**
 * Backups inside a running core: device-local settings, the backup key,
 * jobs (backup, verify, restore) with progress events and cancellation, the
 * scheduler with retention, and the database swap of a restore.
 *
 * Settings and state live in `local_meta` (a USB path belongs to one
 * computer): `backup.config`, `backup.status` and `backup.key`. The backup
 * password itself is never stored: `backup.key` holds the scrypt-derived key
 * and its salt, inside the encrypted database, so it has exactly the
 * protection of the office data (OS keychain in the desktop app, the owner-only
 * key file in browser mode). A backup is a byte copy of the database, so it
 * holds these rows too, inside its encryption (the stored key is derived from
 * the same password that unwraps the backup); a restore replaces them with
 * this device's own and drops the other device's sessions before the file is
 * swapped in.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { BackupConfig, BackupJob, BackupStatus, Retention } from '../../../src-shared/contract/backup';
import { backupConfigSchema } from '../../../src-shared/contract/backup';
import { HarborError } from '../../../src-shared/errors';
import { appendAudit } from '../auth/audit';
import { openDatabase, type SqliteDb } from '../db/connection';
import { SCHEMA_VERSION, schemaVersionOf } from '../db/migrate';
import { runUpgrade, UpgradeCancelled } from '../db/upgrade';
import type { Services } from '../rpc/context';
import { readSettings } from '../system/settings';
import {
  backupError,
  createBackup,
  deleteBackup,
  fileStamp,
  parseFileStamp,
  inspectBackup,
  keyFor,
  listBackups,
  removeDatabaseFile,
  restoreToFile,
  verifyBackup,
  type BackupContents,
  type BackupEntry,
  type BackupKey,
} from './archive';
import type { Progress } from './copy';
import { fsyncPath } from './fsync';
import { SAFETY_DIR } from './safety';
import { deriveBackupKey, kdfSchema, newKdfParams } from './kdf';
import { selectRetained } from './retention';
import { isOverdue, nextRunAt } from './schedule';

export const DEFAULT_RETENTION: Retention = { keepLast: 10, daily: 7, weekly: 4, monthly: 12 };
/** After a failed scheduled backup (USB unplugged, share offline): try again this much later. */
export const RETRY_MS = 5 * 60_000;
/** Safety copies kept after a restore: each is a whole database, so older ones go. */
export const SAFETY_COPIES_KEPT = 3;

interface StoredConfig extends BackupConfig {
  configuredAt: number;
}

interface StoredStatus {
  lastSuccessAt: number | null;
  lastBackup: { name: string; path: string; bytes: number } | null;
  lastAttemptAt: number | null;
  lastError: { messageKey: string; params?: Record<string, string | number> } | null;
  retryAt: number | null;
}

const EMPTY_STATUS: StoredStatus = { lastSuccessAt: null, lastBackup: null, lastAttemptAt: null, lastError: null, retryAt: null };

/** What the service needs from the core that owns it. */
export interface BackupHost {
  services: Services;
  dbFile: string;
  /** The live database key (it changes when a restore adopts the key of a backup from another desktop). */
  readonly key: Buffer;
  /** Runs `fn` between dispatcher calls, after every call already queued. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Closes the database, runs `install` (which may replace the file with one under `fileKey`), opens it again. */
  reopen(install: () => void, fileKey?: Buffer): void;
  /** Makes a restored file ready to be this desktop's database (schema, device identity), before it is swapped in. */
  prepareRestored(file: string, fileKey: Buffer): void;
}

interface RunningJob extends BackupJob {
  controller: AbortController;
}

function readMeta<T>(db: SqliteDb, key: string): T | null {
  const row = db.prepare('SELECT value FROM local_meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

function writeMeta(db: SqliteDb, key: string, value: unknown, now: number): void {
  db.prepare(
    'INSERT INTO local_meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  ).run(key, JSON.stringify(value), now);
}

const registry = new WeakMap<Services, BackupService>();

export function backupServiceOf(services: Services): BackupService {
  const service = registry.get(services);
  if (!service) throw new HarborError('INTERNAL');
  return service;
}

/** The number of a safety copy among those of the same millisecond (1 for the first). */
function copyNumber(name: string): number {
  return Number(/-(\d+)\.db$/.exec(name)?.[1] ?? 1);
}

/**
 * A backup of an older Harbor is upgraded before the swap, in the upgrade
 * worker (db/upgrade.ts) with progress, so the app keeps answering meanwhile;
 * the swap then finds nothing left to migrate. No safety copy: the backup is one.
 */
async function upgradeStaged(staged: string, key: Buffer, progress: Progress, signal: AbortSignal): Promise<void> {
  const db = openDatabase({ file: staged, key, create: false });
  let from: number;
  try {
    from = schemaVersionOf(db);
  } finally {
    db.close();
  }
  if (from >= SCHEMA_VERSION) return;
  try {
    await runUpgrade({ file: staged, from, to: SCHEMA_VERSION, keys: [key] }, { signal, safetyCopy: false, onProgress: (p) => progress(p.done, p.total, 'upgrade') });
  } catch (error) {
    removeDatabaseFile(staged);
    throw error instanceof UpgradeCancelled ? backupError('cancelled') : error;
  }
}

export class BackupService {
  private readonly jobs = new Map<string, RunningJob>();
  private running: RunningJob | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: BackupHost) {
    registry.set(host.services, this);
  }

  private get db(): SqliteDb {
    return this.host.services.db;
  }

  private now(): number {
    return this.host.services.now();
  }

  /** Checks the schedule every `everyMs` while the core runs. */
  start(everyMs = 30_000): void {
    this.stop();
    this.timer = setInterval(() => void this.tick().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Cancels the running job, if any (the core is closing); its temp files are removed as it stops. */
  cancelRunning(): void {
    this.running?.controller.abort();
  }

  // ---- settings -----------------------------------------------------------

  config(db: SqliteDb = this.db): StoredConfig {
    const stored = readMeta<StoredConfig>(db, 'backup.config');
    const parsed = backupConfigSchema.safeParse(stored);
    if (!stored || !parsed.success) return { targetDir: null, schedule: { kind: 'off' }, retention: DEFAULT_RETENTION, configuredAt: 0 };
    return { ...parsed.data, configuredAt: stored.configuredAt ?? 0 };
  }

  setConfig(db: SqliteDb, patch: Partial<BackupConfig>): void {
    const current = this.config(db);
    const next: StoredConfig = {
      targetDir: patch.targetDir !== undefined ? patch.targetDir : current.targetDir,
      schedule: patch.schedule ?? current.schedule,
      retention: patch.retention ?? current.retention,
      configuredAt: current.configuredAt,
    };
    if (patch.schedule && JSON.stringify(patch.schedule) !== JSON.stringify(current.schedule)) next.configuredAt = this.now();
    if (patch.targetDir !== undefined && patch.targetDir !== current.targetDir) {
      // A new folder: the error about the old one no longer applies.
      writeMeta(db, 'backup.status', { ...this.storedStatus(db), lastError: null, retryAt: null }, this.now());
    }
    writeMeta(db, 'backup.config', next, this.now());
  }

  async setPassword(db: SqliteDb, password: string): Promise<void> {
    const kdf = newKdfParams();
    const key = await deriveBackupKey(password, kdf);
    writeMeta(db, 'backup.key', { kdf, key: key.toString('hex') }, this.now());
  }

  storedKey(db: SqliteDb = this.db): BackupKey | null {
    const stored = readMeta<{ kdf: unknown; key: string }>(db, 'backup.key');
    const kdf = kdfSchema.safeParse(stored?.kdf);
    if (!stored || !kdf.success || !/^[0-9a-f]{64}$/.test(stored.key)) return null;
    return { kdf: kdf.data, key: Buffer.from(stored.key, 'hex') };
  }

  private storedStatus(db: SqliteDb = this.db): StoredStatus {
    return { ...EMPTY_STATUS, ...(readMeta<StoredStatus>(db, 'backup.status') ?? {}) };
  }

  status(db: SqliteDb = this.db): BackupStatus {
    const config = this.config(db);
    const stored = this.storedStatus(db);
    const state = {
      schedule: config.schedule,
      configuredAt: config.configuredAt,
      lastSuccessAt: stored.lastSuccessAt,
      retryAt: stored.retryAt,
    };
    const active = config.targetDir !== null && this.storedKey(db) !== null;
    return {
      config: { targetDir: config.targetDir, schedule: config.schedule, retention: config.retention },
      passwordSet: this.storedKey(db) !== null,
      lastSuccessAt: stored.lastSuccessAt,
      lastBackup: stored.lastBackup,
      lastAttemptAt: stored.lastAttemptAt,
      lastError: stored.lastError,
      nextRunAt: active ? nextRunAt(state) : null,
      overdue: active && isOverdue(state, this.now()),
      job: this.latestJob(),
    };
  }

  // ---- jobs ---------------------------------------------------------------

  private latestJob(): BackupJob | null {
    let latest: RunningJob | null = null;
    for (const job of this.jobs.values()) if (!latest || job.startedAt >= latest.startedAt) latest = job;
    return latest ? this.view(latest) : null;
  }

  private view(job: RunningJob): BackupJob {
    const { controller: _controller, ...rest } = job;
    return { ...rest };
  }

  job(jobId: string): BackupJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new HarborError('NOT_FOUND');
    return this.view(job);
  }

  /** Whether a job runs (the caller refuses a second one). */
  get busy(): boolean {
    return this.running !== null;
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new HarborError('NOT_FOUND');
    if (job.state === 'running') job.controller.abort();
  }

  /** Waits for a job to end (tests, the CLI). */
  async waitFor(jobId: string): Promise<BackupJob> {
    for (;;) {
      const job = this.job(jobId);
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private startJob(
    kind: BackupJob['kind'],
    path: string | null,
    work: (progress: Progress, signal: AbortSignal, job: RunningJob) => Promise<{ path: string; contents: BackupContents }>,
    after?: (job: RunningJob) => Promise<void>,
  ): string {
    if (this.running) throw backupError('busy');
    const job: RunningJob = {
      id: uuidv7(),
      kind,
      state: 'running',
      stage: 'start',
      done: 0,
      total: 1,
      startedAt: this.now(),
      finishedAt: null,
      error: null,
      path,
      contents: null,
      controller: new AbortController(),
    };
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - 20))) this.jobs.delete(id);
    this.running = job;
    const { events } = this.host.services;
    const progress: Progress = (done, total, stage) => {
      job.done = done;
      job.total = total;
      job.stage = stage;
      events.emit('job.progress', { jobId: job.id, done, total, stage: `${kind}.${stage}` });
    };
    progress(0, 1, 'start');
    void (async () => {
      try {
        const result = await work(progress, job.controller.signal, job);
        job.path = result.path;
        job.contents = result.contents;
        job.state = 'done';
      } catch (error) {
        const harbor = error instanceof HarborError ? error : new HarborError('INTERNAL');
        if (!(error instanceof HarborError)) console.error(`[harbor] backup job failed:`, error instanceof Error ? error.message : String(error));
        job.state = harbor.messageKey === 'backup.errors.cancelled' ? 'cancelled' : 'failed';
        job.error = { code: harbor.code, messageKey: harbor.messageKey, ...(harbor.params ? { params: harbor.params } : {}) };
      }
      try {
        await after?.(job);
      } catch (error) {
        console.error('[harbor] backup bookkeeping failed:', error instanceof Error ? error.message : String(error));
      }
      job.finishedAt = this.now();
      this.running = null;
      events.emit('job.progress', { jobId: job.id, done: job.done, total: job.total, stage: `${kind}.${job.state}` });
    })();
    return job.id;
  }

  /** Starts a backup into the configured folder with the stored key. */
  startBackup(db: SqliteDb, trigger: 'manual' | 'scheduled'): string {
    const config = this.config(db);
    if (!config.targetDir) throw backupError('no_target');
    const backupKey = this.storedKey(db);
    if (!backupKey) throw backupError('no_password');
    const { services } = this.host;
    const officeName = readSettings(db).officeName;
    const targetDir = config.targetDir;
    let madeBytes = 0;
    return this.startJob(
      'backup',
      null,
      async (progress, signal) => {
        const made = await createBackup({
          srcFile: this.host.dbFile,
          srcKey: this.host.key,
          targetDir,
          backupKey,
          appVersion: services.appVersion,
          deviceId: services.deviceId,
          officeName,
          now: this.now(),
          onProgress: progress,
          signal,
        });
        try {
          this.applyRetention(targetDir, made.name, config.retention);
        } catch (error) {
          // The new backup is good; old ones stay until the next run can thin them.
          console.error('[harbor] backup retention failed:', error instanceof Error ? error.message : String(error));
        }
        madeBytes = made.bytes;
        return { path: made.path, contents: made.contents };
      },
      (job) =>
        this.host.exclusive(() => {
          if (!this.db.open) return; // the core was closed meanwhile
          const now = this.now();
          const previous = this.storedStatus();
          const next: StoredStatus =
            job.state === 'done'
              ? {
                  lastSuccessAt: job.contents!.createdAt,
                  lastBackup: { name: job.path!.split(/[\\/]/).pop()!, path: job.path!, bytes: madeBytes },
                  lastAttemptAt: now,
                  lastError: null,
                  retryAt: null,
                }
              : {
                  ...previous,
                  lastAttemptAt: now,
                  lastError: job.state === 'cancelled' ? previous.lastError : job.error,
                  retryAt: trigger === 'scheduled' && job.state === 'failed' ? now + RETRY_MS : previous.retryAt,
                };
          this.db.transaction(() => writeMeta(this.db, 'backup.status', next, now))();
        }),
    );
  }

  /** Deletes the backups of this office that the retention policy does not keep. */
  private applyRetention(dir: string, newest: string, retention: Retention): void {
    const prefix = newest.replace(/-\d{8}T\d{9}Z(-\d+)?\.harborbackup$/, '-');
    const ours = listBackups(dir).filter((b) => b.name.startsWith(prefix));
    for (const b of selectRetained(ours, retention).remove) {
      if (b.name !== newest) deleteBackup(b.path);
    }
  }

  /** Runs the scheduled backup when it is due. Returns the job id when one started. */
  async tick(): Promise<string | null> {
    if (this.running) return null;
    return this.host.exclusive(() => {
      const status = this.status();
      if (this.running || status.nextRunAt === null || status.nextRunAt > this.now()) return null;
      return this.startBackup(this.db, 'scheduled');
    });
  }

  async keyFor(path: string, password: string | undefined, db: SqliteDb = this.db): Promise<Buffer> {
    return keyFor(path, { password, known: this.storedKey(db) });
  }

  startVerify(path: string, key: Buffer): string {
    return this.startJob('verify', path, async (progress, signal) => ({
      path,
      contents: await verifyBackup(path, key, progress, signal),
    }));
  }

  // ---- restore ------------------------------------------------------------

  /** Checks password and manifest (errors come back to the caller at once), then starts the restore job. */
  startRestore(db: SqliteDb, path: string, key: Buffer, actor: { userId: string | null; username: string | null }): string {
    if (this.running) throw backupError('busy');
    inspectBackup(path, key);
    const localMeta = db.prepare('SELECT key, value, updated_at FROM local_meta').all() as {
      key: string;
      value: string;
      updated_at: number;
    }[];
    const staged = `${this.host.dbFile}.restoring`;
    return this.startJob('restore', path, async (progress, signal) => {
      const { contents, key: fileKey } = await restoreToFile({
        backupPath: path,
        backupKey: key,
        destFile: staged,
        destKey: this.host.key,
        localMeta,
        onProgress: progress,
        signal,
      });
      if (signal.aborted) {
        removeDatabaseFile(staged);
        throw backupError('cancelled');
      }
      await upgradeStaged(staged, fileKey, progress, signal);
      progress(0, 1, 'install');
      await this.host.exclusive(() => this.install(staged, fileKey, contents, path, actor));
      progress(1, 1, 'install');
      return { path, contents };
    });
  }

  /**
   * Swaps the restored file in. Runs between calls. At every instant
   * `harbor.db` is a complete database: the old one is hard-linked (or copied)
   * to the safety folder first, then the staged file is renamed over it.
   */
  private install(
    staged: string,
    fileKey: Buffer,
    contents: BackupContents,
    path: string,
    actor: { userId: string | null; username: string | null },
  ): void {
    const { dbFile } = this.host;
    const dataDir = this.host.services.dataDir;
    const meta = this.db.prepare('SELECT key, value, updated_at FROM local_meta').all() as {
      key: string;
      value: string;
      updated_at: number;
    }[];
    const safetyDir = join(dataDir, SAFETY_DIR);
    // Numbered after the newest of the same millisecond, so the order of names is the order of restores.
    const stem = `harbor-${fileStamp(this.now())}`;
    const sameStamp = this.safetyCopies().filter((c) => c.name === `${stem}.db` || c.name.startsWith(`${stem}-`));
    const number = sameStamp.length > 0 ? Math.max(...sameStamp.map((c) => copyNumber(c.name))) + 1 : 1;
    const safetyFile = join(safetyDir, number > 1 ? `${stem}-${number}.db` : `${stem}.db`);
    try {
      this.host.prepareRestored(staged, fileKey);
      this.host.reopen(() => {
        // The last connection to close removes both; if they remain, another
        // process (the app while the CLI restores, or the reverse) has the database open.
        if (existsSync(`${dbFile}-wal`) || existsSync(`${dbFile}-shm`)) throw backupError('busy');
        mkdirSync(safetyDir, { recursive: true });
        try {
          linkSync(dbFile, safetyFile);
        } catch {
          copyFileSync(dbFile, safetyFile);
          fsyncPath(safetyFile);
        }
        fsyncPath(safetyDir);
        renameSync(staged, dbFile);
        fsyncPath(dataDir);
      }, fileKey);
    } finally {
      removeDatabaseFile(staged);
    }
    const db = this.db;
    db.transaction(() => {
      db.exec('DELETE FROM local_meta');
      const insert = db.prepare('INSERT INTO local_meta (key, value, updated_at) VALUES (?, ?, ?)');
      for (const row of meta) insert.run(row.key, row.value, row.updated_at);
      db.exec('DELETE FROM local_sessions');
      db.exec('DELETE FROM local_login_throttle');
      appendAudit(db, {
        at: this.now(),
        deviceId: this.host.services.deviceId,
        userId: actor.userId,
        username: actor.username,
        action: 'backup.restored',
        outcome: 'ok',
        target: path,
        detail: { createdAt: contents.createdAt, officeName: contents.officeName, safetyCopy: safetyFile },
      });
    })();
    for (const old of this.safetyCopies().slice(SAFETY_COPIES_KEPT)) rmSync(old.path, { force: true });
    this.host.services.events.emit('data.changed', { tables: Object.keys(contents.counts) });
  }

  // ---- listing ------------------------------------------------------------

  list(dir: string | undefined): { dir: string | null; backups: BackupEntry[]; safetyCopies: BackupEntry[] } {
    const target = dir ?? this.config().targetDir;
    let backups: BackupEntry[] = [];
    if (target) {
      try {
        backups = listBackups(target);
      } catch (error) {
        if (dir) throw error;
      }
    }
    return { dir: target, backups, safetyCopies: this.safetyCopies() };
  }

  safetyCopies(): BackupEntry[] {
    const dir = join(this.host.services.dataDir, SAFETY_DIR);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.db'))
      .map((name) => {
        const path = join(dir, name);
        const st = statSync(path);
        return { name, path, createdAt: parseFileStamp(name) ?? st.mtimeMs, bytes: st.size };
      })
      // Newest first; restores within one millisecond are numbered -2, -3, ...
      .sort((a, b) => b.createdAt - a.createdAt || copyNumber(b.name) - copyNumber(a.name));
  }
}
