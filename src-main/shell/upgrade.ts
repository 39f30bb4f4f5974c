/**
 * The upgrade window: a small hardened window (upgrade.html from the app's
 * own protocol, sandboxed, its own two-channel preload) that shows the
 * progress of an office database upgrade running in a worker thread
 * (core/db/upgrade.ts) before the core opens. Its Cancel button, and its
 * close box, stop the worker; the database keeps its previous version.
 */
import { BrowserWindow, ipcMain } from 'electron';
import type { Language, UpgradeStatus } from '../../src-shared/contract';
import { runUpgrade, UpgradeCancelled, type PendingUpgrade } from '../core/db/upgrade';
import { UPGRADE_CANCEL_CHANNEL, UPGRADE_PROGRESS_CHANNEL } from '../../src-preload/upgrade-channels';
import { translate } from './i18n';
import { isTrustedSender } from './ipc';
import { HARDENED_WEB_PREFERENCES, type UrlCheck, type WindowRegistry } from './window';

export interface UpgradeWindowOptions {
  pending: PendingUpgrade;
  /** The page: app://harbor/upgrade.html, or the dev server's upgrade.html. */
  url: string;
  /** Absolute path of the built upgrade preload (out/preload/upgrade.cjs). */
  preload: string;
  /** The OS language; the page prefers the language last chosen in the app on this device. */
  language: Language;
  isAppUrl: UrlCheck;
  registry: WindowRegistry;
}

export interface UpgradeWindow {
  /** `done`: the database is current; `cancelled`: the user stopped it and the worker has ended. Rejects when the upgrade failed. */
  result: Promise<'done' | 'cancelled'>;
  /** Closes the window (once the main window exists, or before quitting). */
  close(): void;
}

export function startUpgradeWindow(options: UpgradeWindowOptions): UpgradeWindow {
  const cancel = new AbortController();
  const win = new BrowserWindow({
    width: 480,
    height: 260,
    useContentSize: true,
    resizable: false,
    maximizable: false,
    fullscreenable: false,
    show: false,
    title: translate(options.language, 'shell.upgrade_title'),
    autoHideMenuBar: true,
    webPreferences: { ...HARDENED_WEB_PREFERENCES, preload: options.preload },
  });
  // A second launch focuses this window while it is the only one.
  options.registry.add(win);
  let closing = false;
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (closing) return;
    // Closing the window is cancelling: it closes once the worker has stopped.
    event.preventDefault();
    cancel.abort();
  });

  let status: UpgradeStatus = { stage: 'copy', percent: 0 };
  const send = () => {
    if (!win.isDestroyed()) win.webContents.send(UPGRADE_PROGRESS_CHANNEL, status);
  };
  // A page (re)loaded late gets where the upgrade is now.
  win.webContents.on('did-finish-load', send);
  ipcMain.handle(UPGRADE_CANCEL_CHANNEL, (event) => {
    if (!isTrustedSender(event, (wc) => !win.isDestroyed() && wc === win.webContents, options.isAppUrl)) {
      console.warn('[harbor] refused an upgrade cancel from an untrusted frame');
      throw new Error('Refused: this page may not cancel the upgrade');
    }
    cancel.abort();
  });

  const url = new URL(options.url);
  url.searchParams.set('lang', options.language);
  win.loadURL(url.href).catch((error: unknown) => {
    console.error('[harbor] the upgrade window could not load:', error instanceof Error ? error.message : String(error));
  });

  const result = runUpgrade(options.pending, {
    signal: cancel.signal,
    onProgress: (progress) => {
      const percent = Math.floor((100 * progress.done) / Math.max(progress.total, 1));
      if (percent === status.percent && progress.stage === status.stage) return;
      status = { stage: progress.stage, percent };
      send();
    },
  })
    .then(
      // Cancelled just as it finished: the user asked to quit all the same.
      (): 'done' | 'cancelled' => (cancel.signal.aborted ? 'cancelled' : 'done'),
      (error: unknown) => {
        if (error instanceof UpgradeCancelled) return 'cancelled' as const;
        throw error;
      },
    )
    .finally(() => ipcMain.removeHandler(UPGRADE_CANCEL_CHANNEL));

  return {
    result,
    close() {
      closing = true;
      if (!win.isDestroyed()) win.destroy();
    },
  };
}
