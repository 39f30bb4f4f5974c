import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../src-main/core/db/connection';
import { SCHEMA_VERSION, schemaVersionOf } from '../../../src-main/core/db/migrate';
import { startShell, type RunningShell } from '../../../src-main/shell/app';
import { SafeStorageKeyStore, WRAPPED_KEY_FILE } from '../../../src-main/shell/keystore';
import { APP_ENTRY_URL, APP_UPGRADE_URL } from '../../../src-main/shell/protocol';
import { UPGRADE_CANCEL_CHANNEL } from '../../../src-preload/upgrade-channels';
import type { UpgradeBridge, UpgradeStatus } from '../../../src-shared/contract';
import { en, zhCN } from '../../../src-shared/i18n';
import { FakeOs, fakeElectron, resetFakeElectron, type FakeBrowserWindow, type FakeElectron, type FakeFrame } from '../../fakes/electron';
import { makeVersion8Database, OLD_VERSION } from '../../helpers/upgrade';
import { flush, shellFolders } from './support';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

const PRELOAD = '/opt/harbor/out/preload/index.cjs';
let root: string;
let userData: string;
let rendererDir: string;
let os: FakeOs;
let key: Buffer;
let fake: FakeElectron;
let running: RunningShell | null;

/** An office that an older Harbor left at schema 8, its key in this machine's keychain. */
function oldOffice(): void {
  os = new FakeOs();
  mkdirSync(userData, { recursive: true });
  const first = resetFakeElectron({ os, userData });
  first.app.emitReady();
  key = new SafeStorageKeyStore(join(userData, WRAPPED_KEY_FILE)).create();
  makeVersion8Database(join(userData, 'harbor.db'), key, { contacts: 2_000, companies: 200 });
}

function launch(locale = 'en-US'): Promise<RunningShell | null> {
  fake = resetFakeElectron({ os, userData, locale, packaged: true });
  const started = startShell({ argv: ['harbor'], rendererDir, preload: PRELOAD, appVersion: '0.1.0' });
  fake.app.emitReady();
  return started.then((shell) => (running = shell));
}

async function firstWindow(): Promise<FakeBrowserWindow> {
  for (let i = 0; i < 1000 && fake.windows.length === 0; i++) await flush();
  return fake.windows[0]!;
}

/** Runs the real upgrade preload in `frame` and returns the page's `window.harborUpgrade`. */
async function upgradeBridge(frame: FakeFrame): Promise<UpgradeBridge> {
  const world = await fakeElectron().runPreload(frame, async () => {
    vi.resetModules();
    await import('../../../src-preload/upgrade');
  });
  expect(Object.keys(world)).toEqual(['harborUpgrade']);
  return world.harborUpgrade as UpgradeBridge;
}

function schemaVersion(): number {
  const db = openDatabase({ file: join(userData, 'harbor.db'), key, create: false });
  try {
    return schemaVersionOf(db);
  } finally {
    db.close();
  }
}

beforeEach(() => {
  ({ root, userData, rendererDir } = shellFolders('harbor-shell-upgrade-'));
  running = null;
  oldOffice();
});

afterEach(async () => {
  if (running?.core.services.db.open) {
    const done = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
    fake.app.quit();
    await done;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('the desktop app with an older database', () => {
  it('shows the upgrade window with its progress first, then opens the main window on the upgraded office', async () => {
    const started = launch('zh-CN');
    const win = await firstWindow();
    expect(win.webContents.getURL()).toBe(`${APP_UPGRADE_URL}?lang=zh-CN`);
    expect(win.options.title).toBe(zhCN.shell.upgrade_title);
    expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/opt/harbor/out/preload/upgrade.cjs' });
    // Served by the app's own protocol, like the main window.
    expect(fake.protocol.isProtocolHandled('app')).toBe(true);
    const page = await upgradeBridge(win.webContents.mainFrame);
    const shown: UpgradeStatus[] = [];
    page.onProgress((status) => shown.push(status));

    const shell = await started;
    expect(shell).not.toBeNull();
    await flush();
    // Two windows were ever made: the upgrade window, now gone, then the main window.
    expect(fake.windows.map((w) => w.webContents.getURL())).toEqual([`${APP_UPGRADE_URL}?lang=zh-CN`, APP_ENTRY_URL]);
    expect(win.isDestroyed()).toBe(true);
    expect(fake.BrowserWindow.getAllWindows()).toHaveLength(1);
    expect(fake.ipcMain.hasHandler(UPGRADE_CANCEL_CHANNEL)).toBe(false);

    expect(shown.length).toBeGreaterThan(1);
    const percents = shown.map((s) => s.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(shown.at(-1)).toEqual({ stage: 'migrate', percent: 100 });
    expect(schemaVersionOf(shell!.core.services.db)).toBe(SCHEMA_VERSION);
    expect(shell!.core.migration).toMatchObject({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, backupFile: null });
  });

  it('Cancel stops the worker and quits without opening the main window; the office keeps version 8 and upgrades at the next start', async () => {
    const started = launch();
    const win = await firstWindow();
    expect(win.options.title).toBe(en.shell.upgrade_title);
    // Only the upgrade page itself may cancel: not a frame inside it.
    const frame = win.webContents.mainFrame.addChild(APP_UPGRADE_URL);
    await expect((await upgradeBridge(frame)).cancel()).rejects.toThrow(/Refused/);
    await (await upgradeBridge(win.webContents.mainFrame)).cancel();

    expect(await started).toBeNull();
    expect(fake.windows).toHaveLength(1);
    expect(win.isDestroyed()).toBe(true);
    expect(fake.app.quitCount).toBeGreaterThanOrEqual(1);
    expect(fake.errorBoxes).toEqual([]);
    expect(fake.ipcMain.hasHandler(UPGRADE_CANCEL_CHANNEL)).toBe(false);
    expect(schemaVersion()).toBe(OLD_VERSION);
    expect(readdirSync(userData).filter((n) => n.includes('.pre-v'))).toEqual([]);

    const again = await launch();
    expect(again).not.toBeNull();
    expect(schemaVersionOf(again!.core.services.db)).toBe(SCHEMA_VERSION);
  });

  it('closing the upgrade window cancels too', async () => {
    const started = launch();
    const win = await firstWindow();
    win.close();
    expect(await started).toBeNull();
    expect(fake.windows).toHaveLength(1);
    expect(schemaVersion()).toBe(OLD_VERSION);
  });

  it('a failed upgrade shows the startup error, opens no main window and leaves the office at version 8', async () => {
    const db = openDatabase({ file: join(userData, 'harbor.db'), key, create: false });
    db.exec('DROP TABLE search_docs');
    db.close();
    expect(await launch('zh-CN')).toBeNull();
    expect(fake.errorBoxes).toHaveLength(1);
    expect(fake.errorBoxes[0]!.title).toBe(zhCN.shell.startup_failed_title);
    expect(fake.errorBoxes[0]!.content).toContain(zhCN.errors.INTERNAL);
    expect(fake.windows).toHaveLength(1);
    expect(fake.windows[0]!.isDestroyed()).toBe(true);
    expect(schemaVersion()).toBe(OLD_VERSION);
    expect(readdirSync(userData).filter((n) => n.includes('.pre-v'))).toEqual([]);
  });
});

describe('the upgrade page', () => {
  it('is served under the same Content-Security-Policy as the app', () => {
    const csp = (page: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(join(import.meta.dirname, '../../../src-renderer', page), 'utf8'))?.[1];
    expect(csp('upgrade.html')).toBeDefined();
    expect(csp('upgrade.html')).toBe(csp('index.html'));
  });
});
