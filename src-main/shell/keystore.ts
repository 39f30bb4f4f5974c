/**
 * The desktop app's database key store: a random 256-bit key wrapped by
 * Electron `safeStorage` (macOS Keychain, Windows DPAPI, Linux Secret
 * Service/KWallet) in `harbor.key.enc` beside the database.
 *
 * On Linux without a secret service Chromium falls back to `basic_text`, which
 * "encrypts" with a key compiled into every Chromium: the store still works but
 * reports `protection: 'weak'` so the app can warn administrators.
 *
 * When the OS offers no encryption at all we refuse to start rather than keep
 * the key in clear text behind the user's back. Starting with
 * `--insecure-key-file` is the explicit opt-in to the owner-only key file that
 * browser mode uses (`FileKeyStore`, protection `'file'`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import { HarborError } from '../../src-shared/errors';
import { KEY_BYTES } from '../core/db/connection';
import { FileKeyStore, formatKeyRing, parseKeyRing, writeFileAtomic, type KeyProtection, type KeyStore } from '../core/db/keystore';

export const WRAPPED_KEY_FILE = 'harbor.key.enc';
/** The key file of browser mode and of `--insecure-key-file`. */
export const PLAIN_KEY_FILE = 'harbor.key';
export const INSECURE_KEY_FLAG = '--insecure-key-file';

export type SafeStorageLike = Pick<
  typeof safeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

export class SafeStorageKeyStore implements KeyStore {
  readonly protection: KeyProtection;

  constructor(
    private readonly file: string,
    private readonly storage: SafeStorageLike = safeStorage,
    platform: NodeJS.Platform = process.platform,
  ) {
    if (!storage.isEncryptionAvailable()) throw new HarborError('INTERNAL', 'shell.key_unavailable');
    this.protection = platform === 'linux' && storage.getSelectedStorageBackend() === 'basic_text' ? 'weak' : 'os';
  }

  load(): Buffer | null {
    return this.loadAll()[0] ?? null;
  }

  loadAll(): Buffer[] {
    if (!existsSync(this.file)) return [];
    let text: string;
    try {
      text = this.storage.decryptString(readFileSync(this.file));
    } catch {
      throw new HarborError('INTERNAL', 'shell.key_unreadable');
    }
    const keys = parseKeyRing(text);
    if (!keys) throw new HarborError('INTERNAL', 'shell.key_unreadable');
    return keys;
  }

  create(): Buffer {
    // A wrapped key is never replaced: losing it loses the office.
    if (existsSync(this.file)) throw new HarborError('INTERNAL', 'errors.db_key_missing');
    const key = randomBytes(KEY_BYTES);
    this.save([key]);
    return key;
  }

  /** Only ever called with the keys already stored still in the ring (a restore adds one). */
  save(keys: Buffer[]): void {
    writeFileAtomic(this.file, this.storage.encryptString(formatKeyRing(keys).trimEnd()), 0o600);
  }
}

export interface KeyStoreChoice {
  dataDir: string;
  /** The user started Harbor with `--insecure-key-file`. */
  allowKeyFile: boolean;
  storage?: SafeStorageLike;
  platform?: NodeJS.Platform;
}

/**
 * Picks the key store for a data folder, after `app.whenReady()`:
 * an existing wrapped key, else an existing key file (an office first opened
 * in browser mode), else a new wrapped key, else (only when opted in) a new key
 * file. Throws `shell.key_unavailable` when none applies.
 */
export function chooseKeyStore({ dataDir, allowKeyFile, storage = safeStorage, platform }: KeyStoreChoice): KeyStore {
  const wrapped = join(dataDir, WRAPPED_KEY_FILE);
  const plain = join(dataDir, PLAIN_KEY_FILE);
  if (existsSync(wrapped)) return new SafeStorageKeyStore(wrapped, storage, platform);
  if (existsSync(plain)) return new FileKeyStore(plain);
  if (storage.isEncryptionAvailable()) return new SafeStorageKeyStore(wrapped, storage, platform);
  if (allowKeyFile) return new FileKeyStore(plain);
  throw new HarborError('INTERNAL', 'shell.key_unavailable');
}
