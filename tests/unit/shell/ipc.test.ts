import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNEL } from '../../../src-preload/channels';
import { bindIpc, isTrustedSender, type IpcBinding } from '../../../src-main/shell/ipc';
import { APP_ENTRY_URL } from '../../../src-main/shell/protocol';
import { appUrlCheck, guardAllWebContents, HARDENED_WEB_PREFERENCES, WindowRegistry } from '../../../src-main/shell/window';
import type { HarborBridge } from '../../../src-shared/contract';
import { ADMIN, makeTestCore, setUpOffice, snapshot, type TestCore } from '../../helpers/core';
import { resetFakeElectron, type FakeBrowserWindow, type FakeElectron } from '../../fakes/electron';
import { flush, pageBridge } from './support';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let fake: FakeElectron;
let core: TestCore;
let registry: WindowRegistry;
let ipc: IpcBinding;

function ourWindow(url = APP_ENTRY_URL): FakeBrowserWindow {
  const win = new fake.BrowserWindow({ show: false, webPreferences: { ...HARDENED_WEB_PREFERENCES, preload: '/app/out/preload/index.cjs' } });
  registry.add(win as never);
  void win.loadURL(url);
  return win;
}

const TABLES = ['users', 'settings', 'change_log', 'audit_log', 'local_sessions'];

beforeEach(() => {
  fake = resetFakeElectron();
  fake.app.emitReady();
  core = makeTestCore();
  registry = new WindowRegistry();
  const isAppUrl = appUrlCheck(null);
  guardAllWebContents(isAppUrl);
  ipc = bindIpc(core, (event) => isTrustedSender(event, (wc) => registry.owns(wc), isAppUrl));
});

afterEach(async () => {
  await ipc.dispose();
  core.dispose();
});

describe('IPC sender check', () => {
  it('refuses iframes, foreign pages and windows that are not ours, before the core sees anything', async () => {
    await setUpOffice(core);
    const before = snapshot(core, TABLES);
    const login = ['auth.login', { username: ADMIN.username, password: ADMIN.password }] as const;

    const win = ourWindow();
    // An iframe inside our own window, even one showing an app URL.
    const frame = win.webContents.mainFrame.addChild(APP_ENTRY_URL);
    await expect(frame.renderer.ipcRenderer.invoke(INVOKE_CHANNEL, ...login)).rejects.toThrow(/Refused/);

    // Our window, but its page is not the app (e.g. a navigation the guards did not see).
    const hijacked = ourWindow();
    hijacked.webContents.mainFrame.url = 'https://evil.example/';
    await expect(hijacked.webContents.mainFrame.renderer.ipcRenderer.invoke(INVOKE_CHANNEL, ...login)).rejects.toThrow(/Refused/);

    // A window the shell did not create, showing the app URL.
    const stranger = new fake.BrowserWindow({ webPreferences: { ...HARDENED_WEB_PREFERENCES } });
    void stranger.loadURL(APP_ENTRY_URL);
    await expect(stranger.webContents.mainFrame.renderer.ipcRenderer.invoke(INVOKE_CHANNEL, ...login)).rejects.toThrow(/Refused/);

    // A frame that is gone by the time the call arrives (senderFrame null).
    const closing = ourWindow();
    const renderer = closing.webContents.mainFrame.renderer;
    closing.webContents.mainFrame.detached = true;
    await expect(renderer.ipcRenderer.invoke(INVOKE_CHANNEL, ...login)).rejects.toThrow(/Refused/);

    expect(snapshot(core, TABLES)).toEqual(before);
    expect(ipc.signedInCount()).toBe(0);
  });

  it('answers our main frame with the real core, and rejects non-string methods early', async () => {
    const harbor = await pageBridge(ourWindow());
    const status = await harbor.invoke('system.status', {});
    expect(status.ok && status.value.setUp).toBe(false);
    const raw = ourWindow().webContents.mainFrame.renderer.ipcRenderer;
    await expect(raw.invoke(INVOKE_CHANNEL, 12, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    await expect(raw.invoke(INVOKE_CHANNEL, ['system.status'], {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    await expect(raw.invoke(INVOKE_CHANNEL, 'no.such', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    // Bad input is the dispatcher's to judge (zod), with field details.
    const bad = await harbor.invoke('auth.login', { username: '', password: 5 } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(!bad.ok && bad.error.fields?.length).toBeGreaterThan(0);
  });

  it('binds the handler once: a second binding on the same channel throws, as in Electron', () => {
    expect(() => bindIpc(core, () => true)).toThrow(/second handler/);
  });
});

describe('sessions per window', () => {
  async function signIn(harbor: HarborBridge) {
    const result = await harbor.invoke('auth.login', { username: ADMIN.username, password: ADMIN.password });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value;
  }

  it('keeps the token in the main process, one session per window', async () => {
    await setUpOffice(core);
    const sessions = () => (core.services.db.prepare('SELECT count(*) AS n FROM local_sessions').get() as { n: number }).n;
    const setupSessions = sessions();
    const a = await pageBridge(ourWindow());
    const b = await pageBridge(ourWindow());

    await expect(a.invoke('auth.me', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const session = await signIn(a);
    // The page never sees the token.
    expect(session.token).toBe('');
    expect(session.user.username).toBe(ADMIN.username);
    await expect(a.invoke('auth.me', {})).resolves.toMatchObject({ ok: true, value: { user: { username: ADMIN.username } } });
    // The other window is still signed out.
    await expect(b.invoke('auth.me', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });

    await signIn(b);
    expect(ipc.signedInCount()).toBe(2);
    expect(sessions()).toBe(setupSessions + 2);
    // Signing in again in B replaces B's session instead of leaving one behind.
    await signIn(b);
    // (The dispatcher runs calls in order: the old session's logout is done once this answers.)
    await expect(b.invoke('auth.me', {})).resolves.toMatchObject({ ok: true });
    expect(sessions()).toBe(setupSessions + 2);

    // Logging out in A ends A's session only.
    await expect(a.invoke('auth.logout', {})).resolves.toMatchObject({ ok: true });
    await expect(a.invoke('auth.me', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    await expect(b.invoke('auth.me', {})).resolves.toMatchObject({ ok: true });
    expect(ipc.signedInCount()).toBe(1);
    expect(sessions()).toBe(setupSessions + 1);
  });

  it('watches each window once however often it signs in and out', async () => {
    await setUpOffice(core);
    const win = ourWindow();
    const harbor = await pageBridge(win);
    for (let i = 0; i < 12; i++) {
      await signIn(harbor);
      await harbor.invoke('auth.logout', {});
    }
    await signIn(harbor);
    expect(win.webContents.listenerCount('destroyed')).toBe(1);
    expect(ipc.signedInCount()).toBe(1);
  });

  it('captures the session of the first-run setup', async () => {
    const harbor = await pageBridge(ourWindow());
    const setup = await harbor.invoke('system.setup', {
      officeName: 'Harbor Trading',
      language: 'en',
      currency: 'USD',
      admin: ADMIN,
      loadSampleData: false,
    });
    expect(setup).toMatchObject({ ok: true, value: { token: '' } });
    await expect(harbor.invoke('users.list', {})).resolves.toMatchObject({ ok: true });
  });

  it('drops the token when the core says UNAUTHENTICATED, and ends the session when the window closes', async () => {
    const adminToken = await setUpOffice(core);
    const win = ourWindow();
    const harbor = await pageBridge(win);
    await signIn(harbor);
    // The administrator resets the password elsewhere: every session of the user ends.
    const me = await core.ok('auth.me', {}, adminToken);
    await core.ok('users.resetPassword', { id: me.user.id, password: 'another long password' }, adminToken);
    await expect(harbor.invoke('auth.me', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(ipc.signedInCount()).toBe(0);

    const second = await pageBridge(ourWindow());
    await second.invoke('auth.login', { username: ADMIN.username, password: 'another long password' });
    const count = () => (core.services.db.prepare('SELECT count(*) AS n FROM local_sessions').get() as { n: number }).n;
    expect(count()).toBe(1);
    registry.main()?.close();
    for (const w of fake.BrowserWindow.getAllWindows()) w.close();
    await ipc.dispose();
    expect(count()).toBe(0);
  });
});

describe('events', () => {
  it('forwards core events to signed-in windows only', async () => {
    await setUpOffice(core);
    const inWin = ourWindow();
    const outWin = ourWindow();
    const signedIn = await pageBridge(inWin);
    const signedOut = await pageBridge(outWin);
    await signedIn.invoke('auth.login', { username: ADMIN.username, password: ADMIN.password });

    const got: unknown[] = [];
    const notGot: unknown[] = [];
    signedIn.on('data.changed', (p) => got.push(p));
    signedOut.on('data.changed', (p) => notGot.push(p));
    const locks: unknown[] = [];
    signedIn.on('session.locked', (p) => locks.push(p));

    // A real change through the dispatcher emits data.changed.
    await signedIn.invoke('users.create', {
      username: 'li.na',
      displayName: '李娜',
      password: 'password-1234',
      role: 'sales_rep',
    });
    core.events.emit('session.locked', { reason: 'idle' });
    await flush();
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]).toMatchObject({ tables: expect.arrayContaining(['users']) });
    expect(locks).toEqual([{ reason: 'idle' }]);
    expect(notGot).toEqual([]);
    expect(outWin.webContents.sent).toEqual([]);
  });
});
