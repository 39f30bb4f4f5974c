/** The fake must be as strict as Electron where the shell relies on it, or the other shell tests prove little. */
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeOs, resetFakeElectron, type FakeElectron } from '../../fakes/electron';

let fake: FakeElectron;

beforeEach(() => {
  fake = resetFakeElectron();
});

function isolatedWindow(contextIsolation = true) {
  const win = new fake.BrowserWindow({ webPreferences: { contextIsolation, sandbox: true } });
  void win.loadURL('app://harbor/index.html');
  return win;
}

describe('fake electron', () => {
  it('contextBridge copies plain data and functions only, and freezes what it copies', () => {
    const renderer = isolatedWindow().webContents.mainFrame.renderer;
    class Thing {
      x = 1;
    }
    expect(() => renderer.contextBridge.exposeInMainWorld('a', { thing: new Thing() })).toThrow(/plain data/);
    expect(() => renderer.contextBridge.exposeInMainWorld('b', { map: new Map() })).toThrow(/plain data/);
    expect(() => renderer.contextBridge.exposeInMainWorld('c', { s: Symbol('x') })).toThrow(/cloned/);
    const source = { list: [1, { deep: true }], fn: (v: { n: number }) => ({ doubled: v.n * 2 }) };
    renderer.contextBridge.exposeInMainWorld('api', source);
    const api = renderer.mainWorld.api as typeof source;
    expect(api).not.toBe(source);
    expect(Object.isFrozen(api) && Object.isFrozen(api.list) && Object.isFrozen(api.list[1])).toBe(true);
    expect(api.fn({ n: 21 })).toEqual({ doubled: 42 });
    expect(() => renderer.contextBridge.exposeInMainWorld('api', {})).toThrow(/existing property/);
  });

  it('ipcRenderer.invoke clones arguments, reaches one handler, and rejects without one', async () => {
    const renderer = isolatedWindow().webContents.mainFrame.renderer;
    await expect(renderer.ipcRenderer.invoke('nobody', 1)).rejects.toThrow(/No handler registered/);
    await expect(renderer.ipcRenderer.invoke('x', () => 1)).rejects.toThrow(/could not be cloned/);
    const arg = { n: 1 };
    fake.ipcMain.handle('x', (event, received) => {
      expect(received).not.toBe(arg);
      expect(event.senderFrame?.url).toBe('app://harbor/index.html');
      throw new Error('boom');
    });
    await expect(renderer.ipcRenderer.invoke('x', arg)).rejects.toThrow(/Error invoking remote method 'x': Error: boom/);
    expect(() => fake.ipcMain.handle('x', () => 1)).toThrow(/second handler/);
  });

  it('grants permissions and allows navigation and pop-ups when nobody guards them, as Electron does', async () => {
    const wc = isolatedWindow().webContents;
    await expect(wc.session.requestPermission(wc, 'media')).resolves.toBe(true);
    expect(fake.navigate(wc, 'https://example.com/')).toBe(true);
    expect(fake.windowOpen(wc, 'https://example.com/')).not.toBeNull();
  });

  it('keeps safeStorage and the screen closed until ready, and the instance lock machine-wide', () => {
    expect(fake.safeStorage.isEncryptionAvailable()).toBe(false);
    expect(() => fake.safeStorage.encryptString('x')).toThrow(/not available/);
    expect(() => fake.screen.getAllDisplays()).toThrow(/ready/);
    fake.app.emitReady();
    const sealed = fake.safeStorage.encryptString('secret');
    expect(sealed.includes(Buffer.from('secret'))).toBe(false);
    expect(fake.safeStorage.decryptString(sealed)).toBe('secret');
    // Another machine's keychain cannot open it.
    const other = resetFakeElectron({ os: new FakeOs() });
    other.app.emitReady();
    expect(() => other.safeStorage.decryptString(sealed)).toThrow(/Error while decrypting/);

    const os = new FakeOs();
    const first = resetFakeElectron({ os }).app;
    expect(first.requestSingleInstanceLock()).toBe(true);
    expect(first.sibling().requestSingleInstanceLock()).toBe(false);
    first.quit();
    expect(first.sibling().requestSingleInstanceLock()).toBe(true);
  });
});
