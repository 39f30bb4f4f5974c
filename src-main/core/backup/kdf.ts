/**
 * Backup password -> backup key -> database key.
 *
 * The backup key is `scrypt(password, salt, N, r, p, 32 bytes)`; the salt (16
 * random bytes, hex) and N/r/p are in clear in the backup's `manifest.json`
 * under `kdf`. It never encrypts data itself: it seals the manifest and wraps
 * the database key.
 *
 * A backup's `backup.db` is a byte copy of the office database, encrypted
 * with the office database's own random key. The manifest carries that key
 * under `wrappedKey`, encrypted with AES-256-GCM by a key derived from the
 * backup key. Any tool with scrypt, HMAC and AES-GCM (and the official
 * SQLCipher 4 library) opens a backup with nothing but the password:
 *
 *   backupKey = scrypt(password (UTF-8), salt (hex-decoded), N=131072, r=8, p=1, dkLen=32)
 *   wrapKey   = HMAC-SHA256(key = backupKey, message = "harbor-backup-wrap-v2")
 *   dbKey     = AES-256-GCM-decrypt(key = wrapKey, iv = wrappedKey.iv, data = wrappedKey.data,
 *                                   tag = wrappedKey.tag)    (all three base64; no additional data)
 *   PRAGMA cipher_compatibility = 4;  -- SQLCipher 4 defaults
 *   PRAGMA key = "x'<hex(dbKey)>'";
 *
 * Backups of the first format (manifest version 1) were re-encrypted page by
 * page with the backup key itself (`PRAGMA key = "x'<hex(backupKey)>'"`);
 * they still verify and restore.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt } from 'node:crypto';
import { z } from 'zod';

export const kdfSchema = z.object({
  name: z.literal('scrypt'),
  N: z.number().int().min(1024).max(2 ** 20),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
});
export type KdfParams = z.infer<typeof kdfSchema>;

/** OWASP's scrypt recommendation: 128 MiB, about half a second here. */
export const KDF_COST = { N: 2 ** 17, r: 8, p: 1 } as const;

export function newKdfParams(cost: { N: number; r: number; p: number } = KDF_COST): KdfParams {
  return { name: 'scrypt', ...cost, salt: randomBytes(16).toString('hex') };
}

export function deriveBackupKey(password: string, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(password, 'utf8'),
      Buffer.from(kdf.salt, 'hex'),
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 16 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A separate key for sealing the manifest, so the database key is never used twice. */
export function manifestKey(backupKey: Buffer): Buffer {
  return createHmac('sha256', backupKey).update('harbor-backup-manifest-v1').digest();
}

/** The key that wraps a backup's database key, so the backup key is never used twice. */
function wrapKey(backupKey: Buffer): Buffer {
  return createHmac('sha256', backupKey).update('harbor-backup-wrap-v2').digest();
}

export const wrappedKeySchema = z.object({ iv: z.string(), tag: z.string(), data: z.string() });
export type WrappedKey = z.infer<typeof wrappedKeySchema>;

export function wrapDatabaseKey(backupKey: Buffer, dbKey: Buffer): WrappedKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrapKey(backupKey), iv);
  const data = Buffer.concat([cipher.update(dbKey), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The database key, or null when the backup key does not open it (altered manifest). */
export function unwrapDatabaseKey(backupKey: Buffer, wrapped: WrappedKey): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrapKey(backupKey), Buffer.from(wrapped.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(wrapped.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(wrapped.data, 'base64')), decipher.final()]);
    return key.length === 32 ? key : null;
  } catch {
    return null;
  }
}
