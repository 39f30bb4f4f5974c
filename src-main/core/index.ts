/**
 * A running Harbor core: the encrypted database, migrations, clock, events
 * and the dispatcher. Electron, browser mode, the CLI and tests all start here.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { HarborError } from '../../src-shared/errors';
import { openDatabase, type SqliteDb } from './db/connection';
import { Hlc } from './db/hlc';
import type { KeyStore } from './db/keystore';
import { migrate, type MigrateResult } from './db/migrate';
import * as schema from './db/schema';
import { CoreEvents } from './events';
import type { Services } from './rpc/context';
import { Dispatcher } from './rpc/dispatcher';
import { handlers } from './rpc/handlers';
import { BackupService } from './backup/service';
import { registerSyncDatabase, releaseSyncDatabase } from './sync/apply';
import { adoptRestoredSync, syncStateBeforeRestore } from './sync/restore';

export const DB_FILE = 'harbor.db';

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

export function openCore(options: CoreOptions): Core {
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = join(options.dataDir, DB_FILE);
  let key = options.keyStore.load();
  if (!key) {
    if (existsSync(dbFile)) throw new HarborError('INTERNAL', 'errors.db_key_missing');
    key = options.keyStore.create();
  }
  const db = openDatabase({ file: dbFile, key });
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
  registerSyncDatabase(services, { file: dbFile, key });
  // A restore replaces the database file while the core runs. `reopen` is only
  // called through `dispatcher.exclusive` (no call in flight): it closes the
  // connection, lets `install` move files, then opens and migrates whatever is
  // now at `dbFile` with the same key and points `services` at it. If
  // `install` throws, the untouched old file is reopened.
  const reopen = (install: () => void) => {
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
    const next = openDatabase({ file: dbFile, key, create: false });
    try {
      migrate(next, dbFile);
      if (!failure) adoptRestoredSync(next, syncBefore);
    } catch (error) {
      next.close();
      throw error;
    }
    const stamp = (next.prepare('SELECT max(hlc) AS hlc FROM change_log').get() as { hlc: string | null }).hlc;
    services.db = next;
    services.orm = drizzle(next, { schema });
    services.clock = new Hlc(deviceId, stamp, now);
    if (failure) throw failure;
  };
  const backup = new BackupService({ services, dbFile, key, exclusive: (fn) => dispatcher.exclusive(fn), reopen });
  backup.start();
  return {
    services,
    dispatcher,
    events,
    migration,
    dbFile,
    backup,
    close() {
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
