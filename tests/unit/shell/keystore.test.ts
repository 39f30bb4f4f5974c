import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openCore } from '../../../src-main/core';
import { FileKeyStore } from '../../../src-main/core/db/keystore';
import {
  chooseKeyStore,
  PLAIN_KEY_FILE,
  SafeStorageKeyStore,
  WRAPPED_KEY_FILE,
} from '../../../src-main/shell/keystore';
import { HarborError } from '../../../src-shared/errors';
import { tempDir } from '../../helpers/core';
import { FakeOs, resetFakeElectron, type FakeElectron } from '../../fakes/electron';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let fake: FakeElectron;
let dir: string;

function messageKeyOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof HarborError) return error.messageKey;
    throw error;
  }
  throw new Error('expected a HarborError');
}

beforeEach(() => {
  fake = resetFakeElectron();
  dir = tempDir('harbor-keystore-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SafeStorageKeyStore', () => {
  it('wraps a random 32-byte key, stores it owner-only and unwraps it after a restart', () => {
    fake.app.emitReady();
    const file = join(dir, WRAPPED_KEY_FILE);
    const store = new SafeStorageKeyStore(file);
    expect(store.protection).toBe('os');
    expect(store.load()).toBeNull();
    const key = store.create();
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file);
    expect(stored.includes(Buffer.from(key.toString('hex')))).toBe(false);
    expect(stored.includes(key)).toBe(false);
    // Refuses to replace an existing wrapped key.
    expect(messageKeyOf(() => store.create())).toBe('errors.db_key_missing');

    // Next launch on the same machine.
    const again = resetFakeElectron({ os: fake.os, userData: fake.app.getPath('userData') });
    again.app.emitReady();
    expect(new SafeStorageKeyStore(file).load()).toEqual(key);
  });

  it('keeps a key ring wrapped as a whole: a restore adds a key, the current one comes first', () => {
    fake.app.emitReady();
    const file = join(dir, WRAPPED_KEY_FILE);
    const store = new SafeStorageKeyStore(file);
    const own = store.create();
    const adopted = Buffer.alloc(32, 0x5a);
    store.save([adopted, own]);
    const stored = readFileSync(file);
    expect(stored.includes(Buffer.from(adopted.toString('hex')))).toBe(false);
    const again = resetFakeElectron({ os: fake.os, userData: fake.app.getPath('userData') });
    again.app.emitReady();
    const reopened = new SafeStorageKeyStore(file);
    expect(reopened.loadAll()).toEqual([adopted, own]);
    expect(reopened.load()).toEqual(adopted);
  });

  it('reports weak protection on the Linux basic_text backend, strong on others', () => {
    const os = new FakeOs();
    os.backend = 'basic_text';
    resetFakeElectron({ os }).app.emitReady();
    expect(new SafeStorageKeyStore(join(dir, 'a.enc')).protection).toBe('weak');
    os.backend = 'kwallet6';
    expect(new SafeStorageKeyStore(join(dir, 'b.enc')).protection).toBe('os');
    os.backend = 'basic_text';
    // The backend question only exists on Linux.
    resetFakeElectron({ os, platform: 'darwin' }).app.emitReady();
    expect(new SafeStorageKeyStore(join(dir, 'c.enc'), undefined, 'darwin').protection).toBe('os');
  });

  it('is unavailable before the app is ready, and without a keychain', () => {
    expect(messageKeyOf(() => new SafeStorageKeyStore(join(dir, WRAPPED_KEY_FILE)))).toBe('shell.key_unavailable');
    const os = new FakeOs();
    os.keychainSecret = null;
    resetFakeElectron({ os }).app.emitReady();
    expect(messageKeyOf(() => new SafeStorageKeyStore(join(dir, WRAPPED_KEY_FILE)))).toBe('shell.key_unavailable');
  });

  it('says the key is unreadable when the keychain changed, and the database stays untouched', () => {
    fake.app.emitReady();
    const keyStore = chooseKeyStore({ dataDir: dir, allowKeyFile: false });
    openCore({ dataDir: dir, keyStore, appVersion: '0.1.0' }).close();
    const dbFile = join(dir, 'harbor.db');
    const before = readFileSync(dbFile);
    // Another machine (or a reset keychain): same files, different OS secret.
    resetFakeElectron({ userData: dir }).app.emitReady();
    const store = chooseKeyStore({ dataDir: dir, allowKeyFile: false });
    expect(messageKeyOf(() => openCore({ dataDir: dir, keyStore: store }))).toBe('shell.key_unreadable');
    expect(readFileSync(dbFile).equals(before)).toBe(true);
  });
});

describe('chooseKeyStore', () => {
  it('uses the OS keychain for a new office', () => {
    fake.app.emitReady();
    const store = chooseKeyStore({ dataDir: dir, allowKeyFile: true });
    expect(store).toBeInstanceOf(SafeStorageKeyStore);
  });

  it('refuses to keep a plain key file unless the user opted in with --insecure-key-file', () => {
    const os = new FakeOs();
    os.keychainSecret = null;
    resetFakeElectron({ os }).app.emitReady();
    expect(messageKeyOf(() => chooseKeyStore({ dataDir: dir, allowKeyFile: false }))).toBe('shell.key_unavailable');
    expect(existsSync(join(dir, PLAIN_KEY_FILE))).toBe(false);
    const store = chooseKeyStore({ dataDir: dir, allowKeyFile: true });
    expect(store).toBeInstanceOf(FileKeyStore);
    expect(store.protection).toBe('file');
    store.create();
    expect(statSync(join(dir, PLAIN_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('keeps using the key file of an office first opened in browser mode', () => {
    fake.app.emitReady();
    writeFileSync(join(dir, PLAIN_KEY_FILE), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const store = chooseKeyStore({ dataDir: dir, allowKeyFile: false });
    expect(store).toBeInstanceOf(FileKeyStore);
    expect(store.load()?.toString('hex')).toBe('ab'.repeat(32));
  });

  it('never falls back to a key file when a wrapped key exists', () => {
    fake.app.emitReady();
    chooseKeyStore({ dataDir: dir, allowKeyFile: false }).create();
    const os = fake.os;
    os.keychainSecret = null;
    expect(messageKeyOf(() => chooseKeyStore({ dataDir: dir, allowKeyFile: true }))).toBe('shell.key_unavailable');
  });
});
