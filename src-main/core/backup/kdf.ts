/**
 * Backup password -> backup database key.
 *
 * The key of a backup database is `scrypt(password, salt, N, r, p, 32 bytes)`,
 * used as a raw SQLCipher 4 key: `PRAGMA key = "x'<64 hex>'"`. The salt (16
 * random bytes, hex) and N/r/p are stored in clear in the backup's
 * `manifest.json` under `kdf`, so the official SQLCipher library (or any tool
 * with scrypt) can open a backup with nothing but the password:
 *
 *   key = scrypt(password (UTF-8), salt (hex-decoded), N=131072, r=8, p=1, dkLen=32)
 *   PRAGMA cipher_compatibility = 4;  -- SQLCipher 4 defaults
 *   PRAGMA key = "x'<hex(key)>'";
 */
import { createHmac, randomBytes, scrypt } from 'node:crypto';
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
