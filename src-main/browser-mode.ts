/**
 * Browser mode as a function: opens the office database with a key file
 * beside it, resumes background sync when this desktop belongs to an office,
 * and serves the app and API over HTTP. `serve.ts` is its command line.
 */
import { join } from 'node:path';
import { openCore, type Core } from './core';
import { FileKeyStore } from './core/db/keystore';
import { startHttpServer, type HarborHttpServer } from './core/http/server';
import { startSync, syncServiceFor, type SyncService } from './core/sync/service';

export interface BrowserModeOptions {
  dataDir: string;
  host: string;
  port: number;
  /** The built renderer; null serves the API only. */
  staticDir: string | null;
  appVersion: string;
}

export interface BrowserMode {
  core: Core;
  http: HarborHttpServer;
  sync: SyncService;
  /** Stops sync and the HTTP server, then closes the database. */
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const core = openCore({ dataDir: options.dataDir, keyStore: new FileKeyStore(join(options.dataDir, 'harbor.key')), appVersion: options.appVersion });
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
