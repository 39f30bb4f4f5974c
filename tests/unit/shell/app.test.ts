import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../src-main/core/db/connection';
import { INVOKE_CHANNEL } from '../../../src-preload/channels';
import { startShell, type RunningShell } from '../../../src-main/shell/app';
import { SafeStorageKeyStore, WRAPPED_KEY_FILE } from '../../../src-main/shell/keystore';
import { APP_ENTRY_URL } from '../../../src-main/shell/protocol';
import { zhCN } from '../../../src-shared/i18n';
import { FakeOs, resetFakeElectron, type FakeElectron, type FakeElectronOptions } from '../../fakes/electron';
import { flush, pageBridge, shellFolders } from './support';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

const PRELOAD = '/opt/harbor/out/preload/index.cjs';
let root: string;
let userData: string;
let rendererDir: string;
let running: RunningShell | null;
let fake: FakeElectron;

/** One launch of the app: a fresh electron process on the same machine and data folder. */
async function launch(options: FakeElectronOptions & { argv?: string[] } = {}): Promise<RunningShell | null> {
  fake = resetFakeElectron({ userData, ...options });
  const started = startShell({ argv: options.argv ?? ['harbor'], rendererDir, preload: PRELOAD, appVersion: '0.1.0', devServerUrl: 'http://localhost:5173/' });
  fake.app.emitReady();
  running = await started;
  return running;
}

/** Sets up the office through the page's bridge, as the first-run wizard does. */
function setUp(harbor: Awaited<ReturnType<typeof pageBridge>>) {
  return harbor.invoke('system.setup', {
    officeName: '海港贸易',
    language: 'zh-CN',
    currency: 'CNY',
    admin: { displayName: '陈静', username: 'admin', password: 'correct horse battery' },
    loadSampleData: false,
  });
}

/** Quits and waits until the database is closed. */
async function quit(): Promise<void> {
  const done = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
  fake.app.quit();
  await done;
}

beforeEach(() => {
  ({ root, userData, rendererDir } = shellFolders());
  running = null;
});

afterEach(async () => {
  if (running?.core.services.db.open) await quit();
  rmSync(root, { recursive: true, force: true });
});

describe('startShell', () => {
  it('opens the office with a keychain-wrapped key, serves the app and wires one hardened window', async () => {
    const shell = await launch();
    expect(shell).not.toBeNull();
    expect(existsSync(join(userData, WRAPPED_KEY_FILE))).toBe(true);
    expect(existsSync(join(userData, 'harbor.db'))).toBe(true);
    const windows = fake.BrowserWindow.getAllWindows();
    expect(windows).toHaveLength(1);
    const win = windows[0]!;
    // Unpackaged with a dev server: the window shows it (and IPC trusts its origin).
    expect(win.webContents.getURL()).toBe('http://localhost:5173/');
    expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: PRELOAD });
    expect(fake.protocol.isProtocolHandled('app')).toBe(true);
    expect(fake.app.sandboxEverywhere).toBe(true);

    const harbor = await pageBridge(win);
    const status = await harbor.invoke('system.status', {});
    expect(status).toMatchObject({ ok: true, value: { setUp: false, keyProtection: 'os', appVersion: '0.1.0' } });
  });

  it('ignores the dev server in a packaged build and loads app://harbor/', async () => {
    await launch({ packaged: true });
    const win = fake.BrowserWindow.getAllWindows()[0]!;
    expect(win.webContents.getURL()).toBe(APP_ENTRY_URL);
    // The dev server is not trusted either.
    expect(fake.navigate(win.webContents, 'http://localhost:5173/')).toBe(false);
    const page = await fake.protocol.fetch(APP_ENTRY_URL);
    expect(await page.text()).toContain('<title>Harbor</title>');
  });

  it('closes the database on quit and ends the sessions of its windows', async () => {
    const shell = (await launch({ packaged: true }))!;
    const harbor = await pageBridge(fake.BrowserWindow.getAllWindows()[0]!);
    await setUp(harbor);
    expect(shell.ipc.signedInCount()).toBe(1);
    await quit();
    expect(shell.core.services.db.open).toBe(false);
    expect(fake.ipcMain.hasHandler(INVOKE_CHANNEL)).toBe(false);

    // Next launch: same office, no session left behind.
    const next = (await launch({ os: fake.os, packaged: true }))!;
    expect(next.core.services.db.prepare('SELECT count(*) AS n FROM local_sessions').get()).toEqual({ n: 0 });
    const again = await pageBridge(fake.BrowserWindow.getAllWindows()[0]!);
    await expect(again.invoke('system.status', {})).resolves.toMatchObject({ ok: true, value: { setUp: true, officeName: '海港贸易' } });
  });

  it('opens the OS folder dialog for the backup folder in front of the window, in the page\'s language; cancelling answers null', async () => {
    await launch({ packaged: true });
    const win = fake.BrowserWindow.getAllWindows()[0]!;
    const harbor = await pageBridge(win);
    // A fresh install may pick a backup to restore before any account exists.
    fake.openDialogAnswer = '/media/usb/海港-20261120T090000000Z.harborbackup';
    await expect(harbor.invoke('backup.pickFolder', { purpose: 'backup', language: 'zh-CN' })).resolves.toEqual({
      ok: true,
      value: { path: '/media/usb/海港-20261120T090000000Z.harborbackup' },
    });
    expect(fake.openDialogs.at(-1)).toMatchObject({ window: win, options: { title: zhCN.backup.pickBackup, properties: ['openDirectory'] } });

    await setUp(harbor);
    await expect(harbor.invoke('backup.pickFolder', { purpose: 'target', language: 'en', current: '/media/usb' })).resolves.toEqual({ ok: true, value: { path: null } });
    expect(fake.openDialogs.at(-1)!.options).toMatchObject({ title: 'Choose the backup folder', defaultPath: '/media/usb', properties: ['openDirectory', 'createDirectory'] });
  });
});

describe('single instance', () => {
  it('a second launch focuses the running window', async () => {
    await launch({ packaged: true });
    const win = fake.BrowserWindow.getAllWindows()[0]!;
    win.minimize();
    const second = fake.app.sibling();
    expect(second.requestSingleInstanceLock()).toBe(false);
    await flush();
    expect(win.isMinimized()).toBe(false);
    expect(win.focusCount).toBe(1);
  });

  it('the second instance itself quits without touching the data folder', async () => {
    const os = new FakeOs();
    const first = resetFakeElectron({ os, userData }).app;
    expect(first.requestSingleInstanceLock()).toBe(true);
    const shell = await launch({ os });
    expect(shell).toBeNull();
    expect(fake.app.quitCount).toBe(1);
    expect(fake.BrowserWindow.getAllWindows()).toHaveLength(0);
    expect(fake.ipcMain.hasHandler(INVOKE_CHANNEL)).toBe(false);
    expect(existsSync(join(userData, 'harbor.db'))).toBe(false);
  });
});

describe('an office that cannot be opened', () => {
  async function makeOffice(os: FakeOs): Promise<Buffer> {
    await launch({ os, packaged: true });
    await quit();
    fake = resetFakeElectron({ os, userData });
    fake.app.emitReady();
    return new SafeStorageKeyStore(join(userData, WRAPPED_KEY_FILE)).load()!;
  }

  it('with a wrong key: a translated dialog (zh-CN), quit, database bytes unchanged', async () => {
    const os = new FakeOs();
    await makeOffice(os);
    // The wrapped key is replaced by a valid wrapping of another key.
    rmSync(join(userData, WRAPPED_KEY_FILE));
    new SafeStorageKeyStore(join(userData, WRAPPED_KEY_FILE)).create();
    const dbFile = join(userData, 'harbor.db');
    const before = readFileSync(dbFile);

    const shell = await launch({ os, locale: 'zh-CN', packaged: true });
    expect(shell).toBeNull();
    expect(fake.errorBoxes).toHaveLength(1);
    expect(fake.errorBoxes[0]!.title).toBe(zhCN.shell.startup_failed_title);
    expect(fake.errorBoxes[0]!.content).toContain(zhCN.errors.db_wrong_key);
    expect(fake.errorBoxes[0]!.content).toContain(userData);
    expect(fake.app.quitCount).toBe(1);
    expect(fake.BrowserWindow.getAllWindows()).toHaveLength(0);
    expect(readFileSync(dbFile).equals(before)).toBe(true);
    expect(existsSync(`${dbFile}-wal`) ? readFileSync(`${dbFile}-wal`).length : 0).toBe(0);
  });

  it('from a newer Harbor: an English dialog naming both versions, nothing migrated', async () => {
    const os = new FakeOs();
    const key = await makeOffice(os);
    const db = openDatabase({ file: join(userData, 'harbor.db'), key });
    db.pragma('user_version = 999');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = readFileSync(join(userData, 'harbor.db'));

    expect(await launch({ os, locale: 'en-GB', packaged: true })).toBeNull();
    expect(fake.errorBoxes[0]!.title).toBe('Harbor cannot start');
    expect(fake.errorBoxes[0]!.content).toMatch(/newer Harbor \(schema 999; this app knows \d+\)/);
    expect(readFileSync(join(userData, 'harbor.db')).equals(before)).toBe(true);
  });

  it('without a keychain: refuses, unless started with --insecure-key-file', async () => {
    const os = new FakeOs();
    os.keychainSecret = null;
    expect(await launch({ os, packaged: true })).toBeNull();
    expect(fake.errorBoxes[0]!.content).toContain('--insecure-key-file');
    expect(existsSync(join(userData, 'harbor.db'))).toBe(false);

    const shell = await launch({ os, packaged: true, argv: ['harbor', '--insecure-key-file'] });
    expect(shell).not.toBeNull();
    const harbor = await pageBridge(fake.BrowserWindow.getAllWindows()[0]!);
    await expect(harbor.invoke('system.status', {})).resolves.toMatchObject({ ok: true, value: { keyProtection: 'file' } });
  });
});
