/**
 * Windows and the guards every web page of the app lives under: hardened
 * webPreferences, deny-all permissions, no navigation away from the app, no
 * pop-ups (web links open in the user's browser), no <webview>.
 */
import { app, BrowserWindow, screen, shell, type Session, type WebContents, type WebPreferences } from 'electron';
import { isAppProtocolUrl } from './protocol';
import { MIN_HEIGHT, MIN_WIDTH, type WindowStateStore } from './window-state';

export const HARDENED_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
} as const satisfies WebPreferences;

export type UrlCheck = (url: string) => boolean;

/**
 * Which URLs are the app: `app://harbor/...`, plus the electron-vite dev
 * server's origin when running unpackaged in development.
 */
export function appUrlCheck(devServerUrl: string | null): UrlCheck {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  return (url) => {
    if (isAppProtocolUrl(url)) return true;
    if (!devOrigin) return false;
    try {
      return new URL(url).origin === devOrigin;
    } catch {
      return false;
    }
  };
}

export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Hands a web link to the user's browser; anything else (file:, javascript:, custom schemes) is dropped. */
export function openExternally(url: string): void {
  if (!isWebUrl(url)) return;
  shell.openExternal(url).catch((error: unknown) => {
    console.warn('[harbor] could not open a link in the browser:', error instanceof Error ? error.message : String(error));
  });
}

const hardenedSessions = new WeakSet<Session>();

/** The app needs no camera, microphone, location, notifications permission, USB, ...: every request and check says no. */
export function hardenSession(ses: Session): void {
  if (hardenedSessions.has(ses)) return;
  hardenedSessions.add(ses);
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

/** Applies the guards to one webContents (all of them, through `web-contents-created`). */
export function guardWebContents(wc: WebContents, isAppUrl: UrlCheck): void {
  hardenSession(wc.session);
  wc.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    // A plain web link clicked in the app: show it in the browser instead.
    openExternally(event.url);
  });
  wc.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  wc.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

/** Installs the guards for every webContents the app will ever create; call before the first window. */
export function guardAllWebContents(isAppUrl: UrlCheck): void {
  app.on('web-contents-created', (_event, wc) => guardWebContents(wc, isAppUrl));
}

/** The app's own windows: the only senders IPC listens to. */
export class WindowRegistry {
  private readonly windows = new Set<BrowserWindow>();

  add(win: BrowserWindow): void {
    this.windows.add(win);
    win.once('closed', () => this.windows.delete(win));
  }

  owns(wc: WebContents): boolean {
    for (const win of this.windows) if (!win.isDestroyed() && win.webContents === wc) return true;
    return false;
  }

  main(): BrowserWindow | null {
    for (const win of this.windows) if (!win.isDestroyed()) return win;
    return null;
  }

  /** Brings the main window to the front (a second launch of the app does this). */
  focusMain(): boolean {
    const win = this.main();
    if (!win) return false;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return true;
  }
}

export interface MainWindowOptions {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preload: string;
  url: string;
  registry: WindowRegistry;
  state: WindowStateStore;
}

export function createMainWindow({ preload, url, registry, state }: MainWindowOptions): BrowserWindow {
  const saved = state.load(screen.getAllDisplays().map((display) => display.workArea));
  const win = new BrowserWindow({
    ...(saved.x !== undefined && saved.y !== undefined ? { x: saved.x, y: saved.y } : {}),
    width: saved.width,
    height: saved.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Harbor',
    autoHideMenuBar: true,
    webPreferences: { ...HARDENED_WEB_PREFERENCES, preload },
  });
  registry.add(win);
  if (saved.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => state.save(win.getNormalBounds(), win.isMaximized()));
  win.loadURL(url).catch((error: unknown) => {
    console.error('[harbor] the window could not load the app:', error instanceof Error ? error.message : String(error));
  });
  return win;
}
