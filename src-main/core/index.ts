/**
 * A running Harbor core: the encrypted database, migrations, clock, events
 * and the dispatcher. Electron, browser mode, the CLI and tests all start here.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { HarborError } from '../../src-shared/errors';
import { openDatabase, openWithKeys, type SqliteDb } from './db/connection';
import { Hlc } from './db/hlc';
import type { KeyStore } from './db/keystore';
import { migrate, type MigrateResult } from './db/migrate';
import * as schema from './db/schema';
import { PlannerStatistics } from './db/statistics';
import { CoreEvents } from './events';
import type { Services } from './rpc/context';
import { Dispatcher } from './rpc/dispatcher';
import { handlers } from './rpc/handlers';
import { dropUnfinishedSafetyCopies } from './backup/safety';
import { BackupService } from './backup/service';
import { applyWorkerFor, registerSyncDatabase, releaseSyncDatabase, syncStatisticsChanged } from './sync/apply';
import { adoptRestoredSync, syncStateBeforeRestore } from './sync/restore';
import { DB_FILE } from './paths';

export { DB_FILE };

export interface CoreOptions {
  dataDir: string;
  keyStore: KeyStore;
  appVersion?: string;
  now?: () => number;
}

export interface Core {
  services: Services;
  dispatcher: Dispatcher;
  events: CoreEvents;
  migration: MigrateResult;
  dbFile: string;
  /** Backup settings, jobs and the scheduler of this core. */
  backup: BackupService;
  /** The background refresh of planner statistics. */
  statistics: PlannerStatistics;
  close(): void;
}

function readOrCreateDeviceId(db: SqliteDb): string {
  const row = db.prepare("SELECT value FROM local_meta WHERE key = 'device_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  // Short and unique: the tail of a UUIDv7 is random.
  const id = uuidv7().replace(/-/g, '').slice(-16);
  db.prepare("INSERT INTO local_meta (key, value, updated_at) VALUES ('device_id', ?, ?)").run(id, Date.now());
  return id;
}

/**
 * Opens the database with the first key of the ring that fits. The current
 * key normally does; an earlier one can only fit right after a restore that
 * was interrupted between swapping the file and recording its key, and is
 * then made current.
 */
function openWithKeyRing(dbFile: string, keyStore: KeyStore): { db: SqliteDb; key: Buffer } {
  let keys = keyStore.loadAll();
  if (keys.length === 0) {
    if (existsSync(dbFile)) throw new HarborError('INTERNAL', 'errors.db_key_missing');
    keys = [keyStore.create()];
  }
  const opened = openWithKeys(dbFile, keys, true);
  if (!opened.key.equals(keys[0]!)) keyStore.save([opened.key, ...keys]);
  return opened;
}

export function openCore(options: CoreOptions): Core {
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = join(options.dataDir, DB_FILE);
  const { keyStore } = options;
  dropUnfinishedSafetyCopies(options.dataDir, dbFile);
  const opened = openWithKeyRing(dbFile, keyStore);
  const db = opened.db;
  let key = opened.key;
  let migration: MigrateResult;
  try {
    migration = migrate(db, dbFile);
  } catch (error) {
    db.close();
    throw error;
  }
  const deviceId = readOrCreateDeviceId(db);
  const lastStamp = (db.prepare('SELECT max(hlc) AS hlc FROM change_log').get() as { hlc: string | null }).hlc;
  const now = options.now ?? Date.now;
  const events = new CoreEvents();
  const services: Services = {
    db,
    orm: drizzle(db, { schema }),
    clock: new Hlc(deviceId, lastStamp, now),
    deviceId,
    events,
    appVersion: options.appVersion ?? '0.0.0',
    keyProtection: options.keyStore.protection,
    dataDir: options.dataDir,
    now,
  };
  const dispatcher = new Dispatcher(services, handlers);
  // The sync worker opens the same file with the same key on its own connection.
  const location = { file: dbFile, key };
  registerSyncDatabase(services, location);
  // Stale planner statistics (after an import, say) are refreshed in the background, never while opening.
  const statistics = new PlannerStatistics({
    db: () => services.db,
    exclusive: (fn) => dispatcher.exclusive(fn),
    location: () => location,
    onWritten: () => syncStatisticsChanged(services),
  });
  // A restore replaces the database file while the core runs. `reopen` is only
  // called through `dispatcher.exclusive` (no call in flight): it closes the
  // connection, lets `install` move files, then opens and migrates whatever is
  // now at `dbFile` and points `services` at it. If `install` throws, the
  // untouched old file is reopened. A file under another key (`fileKey`, a
  // backup of another desktop) is installed with both keys in the ring, so
  // whichever file is in place after a crash opens; then its key is made current.
  const reopen = (install: () => void, fileKey: Buffer = key) => {
    const adopting = !fileKey.equals(key);
    const ring = keyStore.loadAll();
    if (adopting) keyStore.save([key, fileKey, ...ring]);
    // No worker may still read the file when it is checkpointed and swapped.
    statistics.release();
    releaseSyncDatabase(services, false);
    // This desktop's sync identity survives the swap; the restored file is fixed up before use (sync/restore.ts).
    const syncBefore = syncStateBeforeRestore(services.db);
    services.db.pragma('wal_checkpoint(TRUNCATE)');
    services.db.close();
    let failure: unknown = null;
    try {
      install();
    } catch (error) {
      failure = error;
    }
    // Whichever file is in place: normally the new one, the old one when `install` failed.
    const { db: next, key: nextKey } = openWithKeys(dbFile, failure ? [key, fileKey] : [fileKey, key], false);
    try {
      migrate(next, dbFile);
      if (!failure) adoptRestoredSync(next, syncBefore);
    } catch (error) {
      next.close();
      throw error;
    }
    if (adopting) {
      keyStore.save(nextKey.equals(key) ? ring : [fileKey, key, ...ring]);
      if (!nextKey.equals(key)) {
        key = nextKey;
        location.key = nextKey;
        // Its thread holds the old key: the next batch starts one with the new key.
        void applyWorkerFor(services)?.kill();
      }
    }
    const stamp = (next.prepare('SELECT max(hlc) AS hlc FROM change_log').get() as { hlc: string | null }).hlc;
    services.db = next;
    services.orm = drizzle(next, { schema });
    services.clock = new Hlc(services.deviceId, stamp, now);
    if (failure) throw failure;
  };
  // A restored file becomes this desktop's before it is swapped in (migrated,
  // this desktop's sync identity), so a crash right after the swap starts it as such.
  const prepareRestored = (file: string, fileKey: Buffer) => {
    const restored = openDatabase({ file, key: fileKey, create: false });
    try {
      migrate(restored, null);
      adoptRestoredSync(restored, syncStateBeforeRestore(services.db));
      restored.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      restored.close();
    }
  };
  const backup = new BackupService({
    services,
    dbFile,
    get key() {
      return key;
    },
    exclusive: (fn) => dispatcher.exclusive(fn),
    reopen,
    prepareRestored,
  });
  backup.start();
  statistics.start();
  return {
    services,
    dispatcher,
    events,
    migration,
    dbFile,
    backup,
    statistics,
    close() {
      statistics.stop();
      backup.stop();
      backup.cancelRunning();
      releaseSyncDatabase(services, true);
      if (services.db.open) {
        services.db.pragma('wal_checkpoint(TRUNCATE)');
        services.db.close();
      }
    },
  };
}
