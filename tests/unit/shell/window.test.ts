import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL } from '../../../src-main/shell/protocol';
import {
  appUrlCheck,
  createMainWindow,
  guardAllWebContents,
  HARDENED_WEB_PREFERENCES,
  WindowRegistry,
} from '../../../src-main/shell/window';
import { DEFAULT_STATE, MIN_WIDTH, sanitizeState, WindowStateStore } from '../../../src-main/shell/window-state';
import { resetFakeElectron, type FakeElectron } from '../../fakes/electron';
import { flush } from './support';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let fake: FakeElectron;
let registry: WindowRegistry;
let stateFile: string;

function mainWindow() {
  return createMainWindow({
    preload: '/opt/harbor/out/preload/index.cjs',
    url: APP_ENTRY_URL,
    registry,
    state: new WindowStateStore(stateFile),
  }) as unknown as InstanceType<FakeElectron['BrowserWindow']>;
}

beforeEach(() => {
  fake = resetFakeElectron();
  fake.app.emitReady();
  registry = new WindowRegistry();
  stateFile = join(fake.app.getPath('userData'), 'window-state.json');
  guardAllWebContents(appUrlCheck(null));
});

describe('main window', () => {
  it('is created with the hardened webPreferences and the preload', async () => {
    const win = mainWindow();
    expect(win.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/opt/harbor/out/preload/index.cjs',
    });
    expect(win.webPreferences).toEqual({ ...HARDENED_WEB_PREFERENCES, preload: '/opt/harbor/out/preload/index.cjs' });
    expect(win.webContents.getURL()).toBe(APP_ENTRY_URL);
    // Shown once the page is ready, not as a blank window.
    expect(win.options.show).toBe(false);
    await flush();
    expect(win.isVisible()).toBe(true);
    expect(registry.owns(win.webContents as never)).toBe(true);
  });

  it('remembers size and position on this device and ignores positions off every screen', () => {
    const first = mainWindow();
    first.setBounds({ x: 200, y: 150, width: 1000, height: 700 });
    first.close();
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ x: 200, y: 150, width: 1000, height: 700, maximized: false });
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    const second = mainWindow();
    expect(second.getBounds()).toEqual({ x: 200, y: 150, width: 1000, height: 700 });

    const area = [{ x: 0, y: 0, width: 1920, height: 1040 }];
    expect(sanitizeState({ x: 5000, y: 5000, width: 900, height: 600 }, area)).toEqual({ width: 900, height: 600, maximized: false });
    expect(sanitizeState({ x: 10, y: 10, width: 100, height: 99999, maximized: true }, area)).toEqual({
      x: 10,
      y: 10,
      width: MIN_WIDTH,
      height: 1040,
      maximized: true,
    });
    expect(sanitizeState('garbage', area)).toEqual(DEFAULT_STATE);
  });
});

describe('guards on every webContents', () => {
  it('deny every permission request and check', async () => {
    const win = mainWindow();
    const session = win.webContents.session;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'serial']) {
      await expect(session.requestPermission(win.webContents, permission)).resolves.toBe(false);
      expect(session.checkPermission(win.webContents, permission, 'app://harbor')).toBe(false);
    }
    expect(session.devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://harbor' })).toBe(false);
  });

  it('block navigation away from the app; web links go to the browser', () => {
    const win = mainWindow();
    const wc = win.webContents;
    expect(fake.navigate(wc, 'https://evil.example/phish')).toBe(false);
    expect(fake.navigate(wc, 'file:///etc/passwd')).toBe(false);
    expect(fake.navigate(wc, 'javascript:alert(1)')).toBe(false);
    expect(fake.navigate(wc, 'app://other/index.html')).toBe(false);
    expect(wc.getURL()).toBe(APP_ENTRY_URL);
    expect(fake.opened).toEqual(['https://evil.example/phish']);
    // Moving inside the app is fine.
    expect(fake.navigate(wc, 'app://harbor/index.html#/customers')).toBe(true);
    expect(fake.redirect(wc, 'https://evil.example/')).toBe(false);
    const frame = wc.mainFrame.addChild('app://harbor/blank.html');
    expect(fake.navigate(wc, 'https://evil.example/frame', frame)).toBe(false);
    expect(frame.url).toBe('app://harbor/blank.html');
  });

  it('deny window.open; only http(s) reaches the browser', () => {
    const wc = mainWindow().webContents;
    const before = fake.BrowserWindow.getAllWindows().length;
    for (const url of ['https://example.com/docs', 'http://intranet.local/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'app://harbor/index.html']) {
      expect(fake.windowOpen(wc, url)).toBeNull();
    }
    expect(fake.BrowserWindow.getAllWindows()).toHaveLength(before);
    expect(fake.opened).toEqual(['https://example.com/docs', 'http://intranet.local/']);
  });

  it('apply to webContents the shell did not create itself', async () => {
    // Any window (a future dialog, a devtools-like helper) gets the same guards.
    const other = new fake.BrowserWindow({ webPreferences: { partition: 'persist:other' } });
    void other.loadURL(APP_ENTRY_URL);
    expect(fake.navigate(other.webContents, 'https://evil.example/')).toBe(false);
    expect(fake.windowOpen(other.webContents, 'javascript:alert(1)')).toBeNull();
    await expect(other.webContents.session.requestPermission(other.webContents, 'media')).resolves.toBe(false);
    expect(other.webContents.session).not.toBe(fake.session.defaultSession);
    const attach = new (await import('../../fakes/electron')).FakeEvent();
    other.webContents.emit('will-attach-webview', attach, {}, {});
    expect(attach.defaultPrevented).toBe(true);
  });

  it('trust the dev server only when it is given', () => {
    const dev = appUrlCheck('http://localhost:5173/');
    expect(dev('http://localhost:5173/#/x')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(dev(APP_ENTRY_URL)).toBe(true);
    const prod = appUrlCheck(null);
    expect(prod('http://localhost:5173/')).toBe(false);
    expect(prod('not a url')).toBe(false);
  });
});

describe('window registry', () => {
  it('focuses and restores the main window, and forgets closed ones', () => {
    const win = mainWindow();
    win.minimize();
    expect(registry.focusMain()).toBe(true);
    expect(win.isMinimized()).toBe(false);
    expect(win.focusCount).toBe(1);
    win.close();
    expect(registry.main()).toBeNull();
    expect(registry.focusMain()).toBe(false);
  });
});
