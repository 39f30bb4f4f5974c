/**
 * The desktop app's life: one instance per user, the key store, the core,
 * background sync (when this desktop belongs to an office), IPC, the window,
 * and an orderly shutdown. `src-main/index.ts` only calls
 * `startShell` with the paths of the built app.
 */
import { dirname, join } from 'node:path';
import { app, dialog } from 'electron';
import { HarborError } from '../../src-shared/errors';
import { openCore, type Core } from '../core';
import { pendingUpgrade } from '../core/db/upgrade';
import { startSync, syncServiceFor, type SyncService } from '../core/sync/service';
import { languageForLocale, translate } from './i18n';
import { bindIpc, isTrustedSender, type IpcBinding } from './ipc';
import { folderPicker } from './dialogs';
import { chooseKeyStore, INSECURE_KEY_FLAG } from './keystore';
import { APP_ENTRY_URL, APP_UPGRADE_URL, handleAppProtocol, registerAppScheme } from './protocol';
import { startUpgradeWindow, type UpgradeWindow } from './upgrade';
import { appUrlCheck, createMainWindow, guardAllWebContents, WindowRegistry } from './window';
import { WindowStateStore } from './window-state';

export const WINDOW_STATE_FILE = 'window-state.json';

export interface ShellOptions {
  /** Command line of this launch (`--insecure-key-file` is read from it). */
  argv: string[];
  /** The built renderer (out/renderer), served on app://harbor/. */
  rendererDir: string;
  /** The built preload (out/preload/index.cjs), absolute. */
  preload: string;
  /** The upgrade window's preload; default: upgrade.cjs beside `preload`. */
  upgradePreload?: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); ignored in packaged builds. */
  devServerUrl?: string | null;
  appVersion: string;
}

export interface RunningShell {
  core: Core;
  ipc: IpcBinding;
  windows: WindowRegistry;
  /** Background sync of this core (running once the desktop belongs to an office). */
  sync: SyncService;
}

/** Tells the user, in their OS language, why Harbor cannot start. */
export function showStartupError(error: unknown, dataDir: string): void {
  const language = languageForLocale(app.getLocale());
  let message: string;
  if (error instanceof HarborError) {
    message = translate(language, error.messageKey, error.params);
  } else {
    console.error('[harbor] startup failed:', error instanceof Error ? error.message : String(error));
    message = translate(language, 'errors.INTERNAL');
  }
  dialog.showErrorBox(
    translate(language, 'shell.startup_failed_title'),
    `${message}\n\n${translate(language, 'shell.data_folder', { dir: dataDir })}`,
  );
}

/**
 * Starts the desktop app. Resolves to null when this launch should end: another
 * instance already runs (it gets focused), the office cannot be opened (the
 * user was told why; the database file was not touched), or the user cancelled
 * the upgrade of an older database (it keeps its version).
 *
 * An older database is upgraded before the core opens it, in a worker thread,
 * while a small window shows the progress and offers Cancel.
 */
export async function startShell(options: ShellOptions): Promise<RunningShell | null> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const devServerUrl = !app.isPackaged && options.devServerUrl ? options.devServerUrl : null;
  const isAppUrl = appUrlCheck(devServerUrl);
  const windows = new WindowRegistry();
  // Sandbox every renderer, whatever a window's webPreferences say.
  app.enableSandbox();
  registerAppScheme();
  guardAllWebContents(isAppUrl);
  app.on('second-instance', () => {
    windows.focusMain();
  });

  await app.whenReady();
  const dataDir = app.getPath('userData');
  handleAppProtocol(options.rendererDir);
  let core: Core;
  let upgrade: UpgradeWindow | null = null;
  try {
    const keyStore = chooseKeyStore({ dataDir, allowKeyFile: options.argv.includes(INSECURE_KEY_FLAG) });
    const pending = pendingUpgrade(dataDir, keyStore);
    if (pending) {
      upgrade = startUpgradeWindow({
        pending,
        url: devServerUrl ? new URL('upgrade.html', devServerUrl).href : APP_UPGRADE_URL,
        preload: options.upgradePreload ?? join(dirname(options.preload), 'upgrade.cjs'),
        language: languageForLocale(app.getLocale()),
        isAppUrl,
        registry: windows,
      });
      if ((await upgrade.result) === 'cancelled') {
        upgrade.close();
        app.quit();
        return null;
      }
    }
    core = openCore({ dataDir, keyStore, appVersion: options.appVersion });
  } catch (error) {
    // Shown while the upgrade window is still open: closing the last window may quit the app.
    showStartupError(error, dataDir);
    upgrade?.close();
    app.quit();
    return null;
  }

  // Sync resumes at launch; a desktop that creates or joins its office later starts it then.
  // A failure here (say, no network yet) must not keep the office closed: the status page shows it.
  const sync = await startSync(core.services).catch(() => syncServiceFor(core.services));

  core.services.pickFolder = folderPicker(() => windows.main());
  const ipc = bindIpc(core, (event) => isTrustedSender(event, (wc) => windows.owns(wc), isAppUrl));
  const state = new WindowStateStore(join(dataDir, WINDOW_STATE_FILE));
  const openWindow = () =>
    createMainWindow({ preload: options.preload, url: devServerUrl ?? APP_ENTRY_URL, registry: windows, state });
  openWindow();
  // Only now: with no window at all in between, the app would quit.
  upgrade?.close();

  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open.
    if (!windows.main()) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    // Let calls under way (logouts of closed windows) and a sync round finish, then close the database.
    event.preventDefault();
    void Promise.allSettled([ipc.dispose(), sync.stop()]).finally(() => {
      closed = true;
      core.close();
      app.quit();
    });
  });
  return { core, ipc, windows, sync };
}
