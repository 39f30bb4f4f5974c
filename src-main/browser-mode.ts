/**
 * Browser mode as a function: opens the office database with a key file
 * beside it (upgrading an older one first in a worker thread, with progress
 * lines on stderr), resumes background sync when this desktop belongs to an
 * office, and serves the app and API over HTTP. `serve.ts` is its command line.
 */
import { join } from 'node:path';
import { openCore, type Core } from './core';
import { FileKeyStore } from './core/db/keystore';
import { pendingUpgrade, runUpgrade } from './core/db/upgrade';
import { startHttpServer, type HarborHttpServer } from './core/http/server';
import { startSync, syncServiceFor, type SyncService } from './core/sync/service';
import { en } from '../src-shared/i18n/en';

export interface BrowserModeOptions {
  dataDir: string;
  host: string;
  port: number;
  /** The built renderer; null serves the API only. */
  staticDir: string | null;
  appVersion: string;
  /** Where upgrade progress lines go; default stderr. */
  log?: (line: string) => void;
}

export interface BrowserMode {
  core: Core;
  http: HarborHttpServer;
  sync: SyncService;
  /** Stops sync and the HTTP server, then closes the database. */
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const keyStore = new FileKeyStore(join(options.dataDir, 'harbor.key'));
  await upgradeFirst(options.dataDir, keyStore, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
  const core = openCore({ dataDir: options.dataDir, keyStore, appVersion: options.appVersion });
  let http: HarborHttpServer;
  try {
    http = await startHttpServer({ core, staticDir: options.staticDir, host: options.host, port: options.port });
  } catch (error) {
    core.close();
    throw error;
  }
  // A sync failure at start (port taken, no network) leaves the app usable; the status page tells.
  const sync = await startSync(core.services).catch(() => syncServiceFor(core.services));
  let closing: Promise<void> | null = null;
  return {
    core,
    http,
    sync,
    close() {
      closing ??= Promise.allSettled([sync.stop(), http.close()]).then(() => core.close());
      return closing;
    },
  };
}

/** Upgrades an older database before it is opened, printing a line at each new percent (the console speaks English, as serve.ts does). */
async function upgradeFirst(dataDir: string, keyStore: FileKeyStore, log: (line: string) => void): Promise<void> {
  const pending = pendingUpgrade(dataDir, keyStore);
  if (!pending) return;
  let shown = -1;
  const result = await runUpgrade(pending, {
    onProgress: ({ done, total }) => {
      const percent = Math.floor((100 * done) / Math.max(total, 1));
      if (percent === shown) return;
      shown = percent;
      log(en.shell.upgrade_progress.replace('{{percent}}', String(percent)));
    },
  });
  if (result.backupFile) log(en.shell.upgrade_done.replace('{{file}}', result.backupFile));
}
