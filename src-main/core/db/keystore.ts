/**
 * Where the database key lives. The desktop app wraps it with the OS keychain
 * (Electron safeStorage, see src-main/shell/keystore.ts); browser and headless
 * modes keep it in a key file readable only by its owner.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { HarborError } from '../../../src-shared/errors';
import { KEY_BYTES } from './connection';

export type KeyProtection = 'os' | 'file' | 'weak';

export interface KeyStore {
  /** The existing key, or null when none has been created yet. */
  load(): Buffer | null;
  /** Generates, stores and returns a new random key. */
  create(): Buffer;
  readonly protection: KeyProtection;
}

/** Writes `data` to `file` atomically (temp name, fsync, rename) with the given mode. */
export function writeFileAtomic(file: string, data: Buffer | string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  chmodSync(file, mode);
}

export class FileKeyStore implements KeyStore {
  readonly protection: KeyProtection = 'file';
  constructor(private readonly file: string) {}

  load(): Buffer | null {
    if (!existsSync(this.file)) return null;
    const hex = readFileSync(this.file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new HarborError('INTERNAL', 'errors.db_wrong_key');
    return Buffer.from(hex, 'hex');
  }

  create(): Buffer {
    const key = randomBytes(KEY_BYTES);
    writeFileAtomic(this.file, `${key.toString('hex')}\n`, 0o600);
    return key;
  }
}
