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

/**
 * A store holds a small key ring: the current key first, then keys that
 * opened earlier databases of this folder (a restore may adopt the key of the
 * backed-up database; the safety copy it keeps is still under the old key).
 */
export interface KeyStore {
  /** The current key, or null when none has been created yet. */
  load(): Buffer | null;
  /** Every stored key, the current one first; empty when none has been created yet. */
  loadAll(): Buffer[];
  /** Generates, stores and returns a new random key. */
  create(): Buffer;
  /** Replaces the ring atomically: `keys[0]` becomes the current key. */
  save(keys: Buffer[]): void;
  readonly protection: KeyProtection;
}

/** The ring as stored: one key per line, 64 hex digits each. Null when malformed. */
export function parseKeyRing(text: string): Buffer[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0 || lines.some((l) => !/^[0-9a-f]{64}$/i.test(l))) return null;
  return lines.map((l) => Buffer.from(l, 'hex'));
}

/** Current key first, no key twice. */
export function formatKeyRing(keys: Buffer[]): string {
  const seen = new Set<string>();
  const hex = keys.map((k) => k.toString('hex')).filter((h) => !seen.has(h) && Boolean(seen.add(h)));
  if (hex.length === 0 || keys.some((k) => k.length !== KEY_BYTES)) throw new Error('a key ring holds 32-byte keys');
  return `${hex.join('\n')}\n`;
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
    return this.loadAll()[0] ?? null;
  }

  loadAll(): Buffer[] {
    if (!existsSync(this.file)) return [];
    const keys = parseKeyRing(readFileSync(this.file, 'utf8'));
    if (!keys) throw new HarborError('INTERNAL', 'errors.db_wrong_key');
    return keys;
  }

  create(): Buffer {
    const key = randomBytes(KEY_BYTES);
    this.save([key]);
    return key;
  }

  save(keys: Buffer[]): void {
    writeFileAtomic(this.file, formatKeyRing(keys), 0o600);
  }
}
