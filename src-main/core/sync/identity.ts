/**
 * The office's sync identity on this device: the office id and key (shared
 * by every paired desktop; encrypts shared-folder batches) and this device's
 * own self-signed certificate (its TLS identity, pinned by its peers). Kept
 * in the encrypted database, in the device-local `sync_meta` table.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, X509Certificate, createCipheriv, createDecipheriv } from 'node:crypto';
import forge from 'node-forge';
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';

export interface DeviceCertificate {
  certPem: string;
  keyPem: string;
  fingerprint: string;
}

export interface OfficeIdentity extends DeviceCertificate {
  officeId: string;
  officeKey: Buffer;
}

export function readMeta(db: SqliteDb, key: string): string | null {
  const row = cachedStatement(db, 'SELECT value FROM sync_meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

export function writeMeta(db: SqliteDb, key: string, value: string | null): void {
  if (value === null) cachedStatement(db, 'DELETE FROM sync_meta WHERE key = ?').run(key);
  else cachedStatement(db, 'INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** SHA-256 of the certificate's DER, lowercase hex: what peers pin. */
export function fingerprintOf(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

/** A fresh RSA-2048 key (native) and a self-signed certificate for it (node-forge). */
export function createDeviceCertificate(deviceId: string): DeviceCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 365 * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: `harbor-${deviceId}` },
    { name: 'organizationName', value: 'Harbor' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, keyPem, fingerprint: fingerprintOf(certPem) };
}

/** This device's certificate, created on first use. */
export function deviceCertificate(db: SqliteDb, deviceId: string): DeviceCertificate {
  const certPem = readMeta(db, 'device_cert');
  const keyPem = readMeta(db, 'device_key');
  if (certPem && keyPem) return { certPem, keyPem, fingerprint: fingerprintOf(certPem) };
  const created = createDeviceCertificate(deviceId);
  db.transaction(() => {
    writeMeta(db, 'device_cert', created.certPem);
    writeMeta(db, 'device_key', created.keyPem);
  })();
  return created;
}

export function officeIdentity(db: SqliteDb, deviceId: string): OfficeIdentity | null {
  const officeId = readMeta(db, 'office_id');
  const key = readMeta(db, 'office_key');
  if (!officeId || !key) return null;
  return { officeId, officeKey: Buffer.from(key, 'hex'), ...deviceCertificate(db, deviceId) };
}

/** First desktop: creates the office's sync identity (idempotent). */
export function createOffice(db: SqliteDb, deviceId: string): OfficeIdentity {
  const existing = officeIdentity(db, deviceId);
  if (existing) return existing;
  adoptOffice(db, randomUUID(), randomBytes(32));
  return officeIdentity(db, deviceId)!;
}

/** A joining desktop takes the office id and key it received while pairing. */
export function adoptOffice(db: SqliteDb, officeId: string, officeKey: Buffer): void {
  if (officeKey.length !== 32) throw new Error('office key must be 32 bytes');
  db.transaction(() => {
    writeMeta(db, 'office_id', officeId);
    writeMeta(db, 'office_key', officeKey.toString('hex'));
    // A desktop that left its office by a restore (restore.ts) belongs to one again.
    writeMeta(db, 'notice', null);
    writeMeta(db, 'data_office', null);
  })();
}

const MAGIC = Buffer.from('HSB1');

/** AES-256-GCM: `HSB1 | iv(12) | tag(16) | ciphertext`; `aad` binds the sealed bytes to their context (office, device, file). */
export function seal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

/** Opens what `seal` made; null when truncated, tampered with, moved or sealed with another key. */
export function open(key: Buffer, sealed: Buffer, aad: string): Buffer | null {
  if (sealed.length < 32 || !sealed.subarray(0, 4).equals(MAGIC)) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(4, 16));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(16, 32));
    return Buffer.concat([decipher.update(sealed.subarray(32)), decipher.final()]);
  } catch {
    return null;
  }
}
