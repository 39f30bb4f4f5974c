import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../../src-preload/channels';
import { HARDENED_WEB_PREFERENCES } from '../../../src-main/shell/window';
import { APP_ENTRY_URL } from '../../../src-main/shell/protocol';
import { resetFakeElectron, type FakeElectron } from '../../fakes/electron';
import { flush, loadPreload } from './support';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let fake: FakeElectron;

function appWindow(webPreferences: Record<string, unknown> = { ...HARDENED_WEB_PREFERENCES }) {
  const win = new fake.BrowserWindow({ webPreferences });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

beforeEach(() => {
  fake = resetFakeElectron();
  fake.app.emitReady();
});

describe('preload', () => {
  it('exposes exactly window.harbor with invoke and on, frozen', async () => {
    const world = await loadPreload(appWindow().webContents.mainFrame);
    expect(Object.keys(world)).toEqual(['harbor']);
    const harbor = world.harbor as Record<string, unknown>;
    expect(Object.keys(harbor).sort()).toEqual(['invoke', 'on']);
    expect(typeof harbor.invoke).toBe('function');
    expect(typeof harbor.on).toBe('function');
    expect(Object.isFrozen(harbor)).toBe(true);
    expect(() => {
      (harbor as { send?: unknown }).send = () => undefined;
    }).toThrow(TypeError);
    // Nothing of ipcRenderer leaks through the bridge.
    expect(JSON.stringify(Object.getOwnPropertyNames(harbor).sort())).toBe('["invoke","on"]');
  });

  it('invoke sends the method and input on the harbor channel and returns the reply', async () => {
    const seen: unknown[] = [];
    fake.ipcMain.handle(INVOKE_CHANNEL, (event, method, input) => {
      seen.push({ url: event.senderFrame?.url, method, input });
      return { ok: true, value: { echoed: input } };
    });
    const win = appWindow();
    const world = await loadPreload(win.webContents.mainFrame);
    const harbor = world.harbor as { invoke(m: string, i: unknown): Promise<unknown> };
    await expect(harbor.invoke('system.status', { a: [1, 2] })).resolves.toEqual({ ok: true, value: { echoed: { a: [1, 2] } } });
    expect(seen).toEqual([{ url: APP_ENTRY_URL, method: 'system.status', input: { a: [1, 2] } }]);
    // A non-string method never leaves the page.
    await expect(harbor.invoke(42 as never, {})).rejects.toThrow(/method must be a string/);
    expect(seen).toHaveLength(1);
  });

  it('on delivers only the named event and stops after unsubscribe', async () => {
    const win = appWindow();
    const world = await loadPreload(win.webContents.mainFrame);
    const harbor = world.harbor as { on(e: string, l: (p: unknown) => void): () => void };
    const changed: unknown[] = [];
    const locked: unknown[] = [];
    const off = harbor.on('data.changed', (p) => changed.push(p));
    harbor.on('session.locked', (p) => locked.push(p));
    win.webContents.send(EVENT_CHANNEL, 'data.changed', { tables: ['users'] });
    win.webContents.send(EVENT_CHANNEL, 'session.locked', { reason: 'idle' });
    await flush();
    expect(changed).toEqual([{ tables: ['users'] }]);
    expect(locked).toEqual([{ reason: 'idle' }]);
    off();
    win.webContents.send(EVENT_CHANNEL, 'data.changed', { tables: ['settings'] });
    await flush();
    expect(changed).toHaveLength(1);
    expect(() => harbor.on('data.changed', 'not a function' as never)).toThrow(/listener/);
  });

  it('each window gets its own bridge bound to its own frame', async () => {
    const urls: string[] = [];
    fake.ipcMain.handle(INVOKE_CHANNEL, (event) => {
      urls.push(`${event.sender.id}`);
      return { ok: true, value: null };
    });
    const a = appWindow();
    const b = appWindow();
    const harborA = (await loadPreload(a.webContents.mainFrame)).harbor as { invoke(m: string, i: unknown): Promise<unknown> };
    const harborB = (await loadPreload(b.webContents.mainFrame)).harbor as { invoke(m: string, i: unknown): Promise<unknown> };
    await harborB.invoke('system.status', {});
    await harborA.invoke('system.status', {});
    expect(urls).toEqual([`${b.webContents.id}`, `${a.webContents.id}`]);
  });

  it('cannot run without context isolation (the fake enforces what Electron does)', async () => {
    const win = appWindow({ ...HARDENED_WEB_PREFERENCES, contextIsolation: false });
    await expect(loadPreload(win.webContents.mainFrame)).rejects.toThrow(/contextIsolation/);
  });
});
