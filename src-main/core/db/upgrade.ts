/**
 * Upgrading an existing office before the core opens it. `pendingUpgrade` is
 * the cheap check (open with the key ring, read the schema version, close);
 * `runUpgrade` runs the safety copy and the migrations in a worker thread
 * (upgrade-worker.ts) on its own connection, with progress and cancellation,
 * so the process stays responsive however long a large office takes. After
 * it, `openCore` finds nothing left to migrate.
 *
 * Cancelling terminates the thread: the migration under way never commits,
 * so the file keeps the version of the last one that did, and the next start
 * upgrades again.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { HarborError, type ApiError } from '../../../src-shared/errors';
import { dropUnfinishedSafetyCopies } from '../backup/safety';
import { DB_FILE } from '../paths';
import { startWorkerScript } from '../worker-script';
import { openWithKeys } from './connection';
import type { KeyStore } from './keystore';
import { SCHEMA_VERSION, schemaVersionOf, type MigrateProgress, type MigrateResult } from './migrate';

export type { MigrateProgress } from './migrate';

export interface PendingUpgrade {
  file: string;
  from: number;
  to: number;
  /** The key ring, current key first (the worker opens the file as `openCore` would). */
  keys: Buffer[];
}

/** Sent to the worker. */
export interface UpgradeRequest {
  file: string;
  keys: string[];
  sliceRows?: number;
  /** False for a file that is a copy already (a restore's staged file): no safety copy is taken. */
  safetyCopy?: boolean;
  /** Tests only: the worker waits after its n-th progress until the first Int32 here is at least n. */
  gate?: SharedArrayBuffer;
}

export type UpgradeMessage =
  | { type: 'progress'; progress: MigrateProgress }
  | { type: 'copied'; file: string }
  | { type: 'done'; result: MigrateResult }
  | { type: 'error'; error: ApiError | null; message: string };

export class UpgradeCancelled extends Error {
  constructor() {
    super('the upgrade was cancelled');
    this.name = 'UpgradeCancelled';
  }
}

/**
 * The upgrade the office in `dataDir` needs, or null: a new install, a
 * database of this version, or one `openCore` reports on (no key, a newer
 * Harbor). A wrong key throws as `openCore` would.
 */
export function pendingUpgrade(dataDir: string, keyStore: KeyStore): PendingUpgrade | null {
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file) || statSync(file).size === 0) return null;
  const keys = keyStore.loadAll();
  if (keys.length === 0) return null;
  // A restore killed mid-swap can leave a safety copy sharing the live file: it must not be upgraded with it.
  dropUnfinishedSafetyCopies(dataDir, file);
  const { db } = openWithKeys(file, keys, false);
  let from: number;
  try {
    from = schemaVersionOf(db);
  } finally {
    db.close();
  }
  // Version 0 was never set up: migrating it is quick and needs no copy.
  if (from === 0 || from >= SCHEMA_VERSION) return null;
  return { file, from, to: SCHEMA_VERSION, keys };
}

export interface RunUpgradeOptions {
  onProgress?: (progress: MigrateProgress) => void;
  /** Aborting terminates the worker; the promise then rejects with UpgradeCancelled once the thread has stopped. */
  signal?: AbortSignal;
  sliceRows?: number;
  /** See UpgradeRequest. */
  safetyCopy?: boolean;
  gate?: SharedArrayBuffer;
}

export function runUpgrade(pending: PendingUpgrade, options: RunUpgradeOptions = {}): Promise<MigrateResult> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new UpgradeCancelled());
      return;
    }
    const request: UpgradeRequest = {
      file: pending.file,
      keys: pending.keys.map((key) => key.toString('hex')),
      sliceRows: options.sliceRows,
      safetyCopy: options.safetyCopy,
      gate: options.gate,
    };
    const worker: Worker = startWorkerScript(import.meta.url, './upgrade-worker.ts', 'upgrade-worker.js', request);
    let settled = false;
    let cancelling = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      cancelling = true;
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort);
    let copy: string | null = null;
    worker.on('message', (message: UpgradeMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'copied') copy = message.file;
      else if (message.type === 'done') finish(() => resolve(message.result));
      else if (message.error) {
        const { code, messageKey, params } = message.error;
        finish(() => reject(new HarborError(code, messageKey, params)));
      } else finish(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    // Settles only once the thread has stopped, so nothing holds the file when the caller goes on.
    worker.on('exit', (code) =>
      finish(() => {
        if (!cancelling) return reject(new Error(`upgrade worker exited with code ${code}`));
        if (copy) dropUnusedCopy(pending, copy);
        reject(new UpgradeCancelled());
      }),
    );
  });
}

/**
 * After a cancel: the safety copy of this run is dropped when no migration
 * committed (the file is what the copy holds, and every cancelled start would
 * leave another), kept when the file moved on.
 */
function dropUnusedCopy(pending: PendingUpgrade, copy: string): void {
  try {
    const { db } = openWithKeys(pending.file, pending.keys, false);
    let version: number;
    try {
      version = schemaVersionOf(db);
    } finally {
      db.close();
    }
    if (version === pending.from) rmSync(copy, { force: true });
  } catch (error) {
    // The copy stays: better one copy too many than none.
    console.warn('[harbor] could not check the database after a cancelled upgrade:', error instanceof Error ? error.message : String(error));
  }
}
