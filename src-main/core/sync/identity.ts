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
  /** The key this desktop received when it joined (epoch ''). */
  officeKey: Buffer;
  /** Every office key this desktop holds, by epoch (keys.ts): the first one and those of later rotations. */
  keys: Map<string, Buffer>;
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
  return { officeId, officeKey: Buffer.from(key, 'hex'), keys: heldKeys(db), ...deviceCertificate(db, deviceId) };
}

/** First desktop: creates the office's sync identity (idempotent). */
export function createOffice(db: SqliteDb, deviceId: string): OfficeIdentity {
  const existing = officeIdentity(db, deviceId);
  if (existing) return existing;
  adoptOffice(db, randomUUID(), randomBytes(32));
  return officeIdentity(db, deviceId)!;
}

/** A joining desktop takes the office id and keys it received while pairing (`later`: keys of later epochs). */
export function adoptOffice(db: SqliteDb, officeId: string, officeKey: Buffer, later: Map<string, Buffer> = new Map()): void {
  if (officeKey.length !== 32) throw new Error('office key must be 32 bytes');
  db.transaction(() => {
    if (readMeta(db, 'office_id') !== officeId) writeMeta(db, 'office_keys', null);
    writeMeta(db, 'office_id', officeId);
    writeMeta(db, 'office_key', officeKey.toString('hex'));
    keepKeys(db, later);
    // A desktop that left its office by a restore (restore.ts) belongs to one again.
    writeMeta(db, 'notice', null);
    writeMeta(db, 'data_office', null);
  })();
}

/** The key a desktop received when it joined (or made when it created the office). */
export const FIRST_EPOCH = '';

/** Every office key this desktop holds, by epoch (the first one under ''). */
export function heldKeys(db: SqliteDb): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const first = readMeta(db, 'office_key');
  if (first) keys.set(FIRST_EPOCH, Buffer.from(first, 'hex'));
  for (const [epoch, hex] of Object.entries(JSON.parse(readMeta(db, 'office_keys') ?? '{}') as Record<string, string>)) {
    keys.set(epoch, Buffer.from(hex, 'hex'));
  }
  return keys;
}

/** The newest epoch of a set of keys. */
export function newestEpoch(keys: Map<string, Buffer>): string {
  let newest = FIRST_EPOCH;
  for (const epoch of keys.keys()) if (epoch > newest) newest = epoch;
  return newest;
}

/** Adds keys of later epochs to the ones this desktop holds (the first one is `adoptOffice`'s). */
export function keepKeys(db: SqliteDb, keys: Map<string, Buffer>): void {
  const ring = JSON.parse(readMeta(db, 'office_keys') ?? '{}') as Record<string, string>;
  let changed = false;
  for (const [epoch, key] of keys) {
    if (epoch === FIRST_EPOCH || ring[epoch] || key.length !== 32) continue;
    ring[epoch] = key.toString('hex');
    changed = true;
  }
  if (changed) writeMeta(db, 'office_keys', JSON.stringify(ring));
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

const EPOCH_MAGIC = Buffer.from('HSE1');

/**
 * `seal` under the key of `epoch`, naming the epoch in clear so a reader
 * picks the key: `HSE1 | length(1) | epoch | sealed`, the epoch also in the
 * authenticated data. Under the first epoch, exactly what `seal` makes (what
 * earlier versions wrote and read).
 */
export function sealUnder(keys: Map<string, Buffer>, epoch: string, plain: Buffer, aad: string): Buffer {
  const key = keys.get(epoch);
  if (!key) throw new Error('no key for this epoch');
  if (epoch === FIRST_EPOCH) return seal(key, plain, aad);
  const name = Buffer.from(epoch);
  return Buffer.concat([EPOCH_MAGIC, Buffer.from([name.length]), name, seal(key, plain, `${aad}|${epoch}`)]);
}

/** The epoch `sealUnder` named in these bytes. */
export function epochOf(sealed: Buffer): string {
  if (sealed.length < 5 || !sealed.subarray(0, 4).equals(EPOCH_MAGIC)) return FIRST_EPOCH;
  return sealed.subarray(5, 5 + sealed[4]!).toString();
}

/** Opens what `sealUnder` made; null as `open`, and when the epoch's key is not among `keys`. */
export function openUnder(keys: Map<string, Buffer>, sealed: Buffer, aad: string): Buffer | null {
  const epoch = epochOf(sealed);
  const key = keys.get(epoch);
  if (!key) return null;
  if (epoch === FIRST_EPOCH) return open(key, sealed, aad);
  return open(key, sealed.subarray(5 + sealed[4]!), `${aad}|${epoch}`);
}
