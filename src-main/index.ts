/**
 * Electron entry: everything lives in src-main/shell (lifecycle, hardening,
 * IPC) and src-main/core (the database and the API). Paths point into the
 * built app: out/main (this file), out/preload, out/renderer.
 */
import { join } from 'node:path';
import { app } from 'electron';
import { showStartupError, startShell } from './shell/app';
import { APP_VERSION } from './version';

startShell({
  argv: process.argv,
  rendererDir: join(import.meta.dirname, '../renderer'),
  preload: join(import.meta.dirname, '../preload/index.cjs'),
  upgradePreload: join(import.meta.dirname, '../preload/upgrade.cjs'),
  devServerUrl: process.env.ELECTRON_RENDERER_URL ?? null,
  appVersion: APP_VERSION,
}).catch((error: unknown) => {
  showStartupError(error, app.getPath('userData'));
  app.exit(1);
});
