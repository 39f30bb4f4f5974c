/**
 * One page of a SQLCipher 4 database, read and written without SQLite: used
 * to change the header of a raw copy (its journal mode) without opening it.
 *
 * SQLCipher 4 with a raw 256-bit key (the settings of every Harbor file):
 * - the first 16 bytes of the file are a random salt, in clear;
 * - every page ends with 80 reserved bytes: a 16-byte IV, then a 64-byte
 *   HMAC-SHA512 over the encrypted bytes, the IV and the page number (32-bit
 *   little-endian);
 * - the rest of the page (from byte 16 on page 1, from byte 0 on the others)
 *   is AES-256-CBC encrypted with the raw key, no padding;
 * - the HMAC key is PBKDF2-HMAC-SHA512(raw key, salt XOR 0x3a, 2 rounds, 32 bytes).
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const PAGE_SIZE = 4096;
const SALT = 16;
const IV = 16;
const MAC = 64;
const RESERVE = IV + MAC;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface PageKeys {
  key: Buffer;
  hmacKey: Buffer;
}

/** The keys of a file from its raw key and its salt (the first 16 bytes of the file). */
export function pageKeys(key: Buffer, salt: Buffer): PageKeys {
  const hmacSalt = Buffer.from(salt.subarray(0, SALT).map((b) => b ^ 0x3a));
  return { key, hmacKey: pbkdf2Sync(key, hmacSalt, 2, 32, 'sha512') };
}

function mac(keys: PageKeys, page: Buffer, start: number, pgno: number): Buffer {
  const n = Buffer.alloc(4);
  n.writeUInt32LE(pgno);
  return createHmac('sha512', keys.hmacKey)
    .update(page.subarray(start, PAGE_SIZE - MAC))
    .update(n)
    .digest();
}

/** The plain page (page 1 starts with SQLite's header), or null when its HMAC does not match (wrong key, damaged page). */
export function decryptPage(keys: PageKeys, page: Buffer, pgno: number): Buffer | null {
  const start = pgno === 1 ? SALT : 0;
  if (!timingSafeEqual(mac(keys, page, start, pgno), page.subarray(PAGE_SIZE - MAC))) return null;
  const decipher = createDecipheriv('aes-256-cbc', keys.key, page.subarray(PAGE_SIZE - RESERVE, PAGE_SIZE - MAC));
  decipher.setAutoPadding(false);
  const plain = Buffer.alloc(PAGE_SIZE);
  if (pgno === 1) SQLITE_HEADER.copy(plain);
  Buffer.concat([decipher.update(page.subarray(start, PAGE_SIZE - RESERVE)), decipher.final()]).copy(plain, start);
  return plain;
}

/** Encrypts a plain page with a fresh IV; page 1 gets `salt` in place of SQLite's header. */
export function encryptPage(keys: PageKeys, plain: Buffer, pgno: number, salt: Buffer): Buffer {
  const start = pgno === 1 ? SALT : 0;
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-cbc', keys.key, iv);
  cipher.setAutoPadding(false);
  const page = Buffer.alloc(PAGE_SIZE);
  if (pgno === 1) salt.copy(page, 0, 0, SALT);
  Buffer.concat([cipher.update(plain.subarray(start, PAGE_SIZE - RESERVE)), cipher.final()]).copy(page, start);
  iv.copy(page, PAGE_SIZE - RESERVE);
  mac(keys, page, start, pgno).copy(page, PAGE_SIZE - MAC);
  return page;
}

/**
 * Page 1 of a copy, marked for a rollback journal instead of WAL (file format
 * bytes 18 and 19 set to 1), so the copy opens read-only without creating
 * `-wal` and `-shm` files beside it. Returns null for a wrong key.
 */
export function withRollbackJournal(key: Buffer, page1: Buffer): Buffer | null {
  const salt = page1.subarray(0, SALT);
  const keys = pageKeys(key, salt);
  const plain = decryptPage(keys, page1, 1);
  if (!plain) return null;
  if (plain[18] === 1 && plain[19] === 1) return page1;
  plain[18] = 1;
  plain[19] = 1;
  return encryptPage(keys, plain, 1, salt);
}
