import { createDecipheriv, createHmac, scryptSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBackup,
  failureOf,
  inspectBackup,
  listBackups,
  removeStalePartials,
  restoreToFile,
  verifyBackup,
  type BackupKey,
} from '../../../src-main/core/backup/archive';
import { deriveBackupKey, KDF_COST, newKdfParams } from '../../../src-main/core/backup/kdf';
import { applyKey } from '../../../src-main/core/db/connection';
import { SCHEMA_VERSION } from '../../../src-main/core/db/migrate';
import { makeTestCore, setUpOffice, type TestCore } from '../../helpers/core';

const require = createRequire(import.meta.url);
type OfficialDb = {
  exec(sql: string, cb: (err: Error | null) => void): void;
  get(sql: string, cb: (err: Error | null, row: unknown) => void): void;
  close(cb: () => void): void;
};

let core: TestCore | null = null;
afterEach(() => {
  core?.dispose();
  core = null;
});

async function office(): Promise<{ core: TestCore; liveKey: Buffer; usb: string }> {
  core = makeTestCore();
  await setUpOffice(core);
  const usb = join(core.dir, 'usb');
  mkdirSync(usb);
  return { core, liveKey: Buffer.from(readFileSync(core.keyFile, 'utf8').trim(), 'hex'), usb };
}

async function cheapKey(password = 'backup password'): Promise<BackupKey> {
  const kdf = newKdfParams({ N: 1024, r: 8, p: 1 });
  return { kdf, key: await deriveBackupKey(password, kdf) };
}

function backupOf(c: TestCore, liveKey: Buffer, usb: string, backupKey: BackupKey, srcFile = c.dbFile) {
  return createBackup({
    srcFile,
    srcKey: liveKey,
    targetDir: usb,
    backupKey,
    appVersion: '0.1.0-test',
    deviceId: c.services.deviceId,
    officeName: '海港贸易有限公司',
    now: Date.now(),
  });
}

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<string | null> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return failureOf(error);
  }
  return null;
}

describe('backup format', () => {
  it('the official SQLCipher 4 library opens a backup with the key derived from the password and the manifest, as documented', async () => {
    const { core: c, liveKey, usb } = await office();
    const kdf = newKdfParams();
    expect(kdf).toMatchObject({ name: 'scrypt', ...KDF_COST });
    const made = await backupOf(c, liveKey, usb, { kdf, key: await deriveBackupKey('备份密码 correct', kdf) });

    // Derivation as documented, without Harbor's code: only the clear part of the manifest and the password.
    const manifest = JSON.parse(readFileSync(join(made.path, 'manifest.json'), 'utf8')) as {
      kdf: { salt: string; N: number; r: number; p: number };
      wrappedKey: { iv: string; tag: string; data: string };
    };
    const backupKey = scryptSync(Buffer.from('备份密码 correct', 'utf8'), Buffer.from(manifest.kdf.salt, 'hex'), 32, {
      N: manifest.kdf.N,
      r: manifest.kdf.r,
      p: manifest.kdf.p,
      maxmem: 512 * 1024 * 1024,
    });
    const wrapKey = createHmac('sha256', backupKey).update('harbor-backup-wrap-v2').digest();
    const unwrap = createDecipheriv('aes-256-gcm', wrapKey, Buffer.from(manifest.wrappedKey.iv, 'base64'));
    unwrap.setAuthTag(Buffer.from(manifest.wrappedKey.tag, 'base64'));
    const key = Buffer.concat([unwrap.update(Buffer.from(manifest.wrappedKey.data, 'base64')), unwrap.final()]);
    const sqlcipher = require('@journeyapps/sqlcipher') as { Database: new (file: string) => OfficialDb };
    const official = new sqlcipher.Database(join(made.path, 'backup.db'));
    const get = <T>(sql: string) => new Promise<T>((resolve, reject) => official.get(sql, (err, row) => (err ? reject(err) : resolve(row as T))));
    await new Promise<void>((resolve, reject) => official.exec(`PRAGMA key = "x'${key.toString('hex')}'"`, (err) => (err ? reject(err) : resolve())));
    expect((await get<{ cipher_version: string }>('PRAGMA cipher_version')).cipher_version).toMatch(/^4\./);
    expect(await get('SELECT username FROM users')).toEqual({ username: 'admin' });
    expect(await get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
    await new Promise<void>((resolve) => official.close(() => resolve()));
  });

  it('keeps the manifest sealed: nothing about the office is readable without the password', async () => {
    const { core: c, liveKey, usb } = await office();
    const made = await backupOf(c, liveKey, usb, await cheapKey());
    const text = readFileSync(join(made.path, 'manifest.json'), 'utf8');
    expect(text).not.toContain('海港');
    expect(text).not.toContain(c.services.deviceId);
    expect(JSON.parse(text)).toMatchObject({ format: 'harbor-backup', version: 2, kdf: { name: 'scrypt' } });
    expect(text).not.toContain(liveKey.toString('hex'));
    expect(text).not.toContain(liveKey.toString('base64'));
    const db = readFileSync(join(made.path, 'backup.db'));
    expect(db.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(db.includes(Buffer.from('admin'))).toBe(false);
  });

  it('the manifest holds versions, office, device, per-table counts and the checksum of the database file', async () => {
    const { core: c, liveKey, usb } = await office();
    const key = await cheapKey();
    const made = await backupOf(c, liveKey, usb, key);
    const contents = inspectBackup(made.path, key.key);
    expect(contents).toMatchObject({ appVersion: '0.1.0-test', schemaVersion: SCHEMA_VERSION, officeName: '海港贸易有限公司', deviceId: c.services.deviceId });
    expect(contents.counts).toMatchObject({ users: 1, local_sessions: 1 });
    expect(contents.counts.settings).toBeGreaterThan(0);
    const { createHash } = await import('node:crypto');
    expect(contents.db.sha256).toBe(createHash('sha256').update(readFileSync(join(made.path, 'backup.db'))).digest('hex'));
    expect(await verifyBackup(made.path, key.key)).toEqual(contents);
    // The folder, the manifest or the database file can be picked.
    expect(inspectBackup(join(made.path, 'backup.db'), key.key)).toEqual(contents);
  });
});

describe('verification', () => {
  it('a wrong password is reported as such', async () => {
    const { core: c, liveKey, usb } = await office();
    const made = await backupOf(c, liveKey, usb, await cheapKey('right'));
    const wrong = await deriveBackupKey('wrong', JSON.parse(readFileSync(join(made.path, 'manifest.json'), 'utf8')).kdf);
    expect(await failure(verifyBackup(made.path, wrong))).toBe('wrong_password');
  });

  it('detects a truncated database, a changed byte, and a changed manifest', async () => {
    const { core: c, liveKey, usb } = await office();
    const key = await cheapKey();
    const a = await backupOf(c, liveKey, usb, key);
    truncateSync(join(a.path, 'backup.db'), 8192);
    expect(await failure(verifyBackup(a.path, key.key))).toBe('truncated');

    const b = await backupOf(c, liveKey, usb, key);
    const file = join(b.path, 'backup.db');
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(5000) ^ 1, 5000);
    writeFileSync(file, bytes);
    expect(await failure(verifyBackup(b.path, key.key))).toBe('tampered');

    const d = await backupOf(c, liveKey, usb, key);
    const manifestFile = join(d.path, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const sealed = Buffer.from(manifest.sealed.data, 'base64');
    sealed.writeUInt8(sealed.readUInt8(3) ^ 1, 3);
    manifest.sealed.data = sealed.toString('base64');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(await failure(verifyBackup(d.path, key.key))).toBe('tampered');

    writeFileSync(manifestFile, '{"format":"something else"}');
    expect(await failure(verifyBackup(d.path, key.key))).toBe('not_a_backup');
    expect(await failure(verifyBackup(join(usb, 'nothing-here.harborbackup'), key.key))).toBe('not_a_backup');
  });

  it('refuses a backup from a newer schema, before touching the destination', async () => {
    const { core: c, liveKey, usb } = await office();
    c.close();
    const newer = join(c.dir, 'newer.db');
    copyFileSync(c.dbFile, newer);
    const db = new Database(newer);
    applyKey(db, liveKey);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const key = await cheapKey();
    const made = await backupOf(c, liveKey, usb, key, newer);
    expect(await failure(() => inspectBackup(made.path, key.key))).toBe('too_new');
    const dest = join(c.dir, 'restored.db');
    expect(await failure(restoreToFile({ backupPath: made.path, backupKey: key.key, destFile: dest, destKey: liveKey }))).toBe('too_new');
    expect(existsSync(dest)).toBe(false);
  });
});

describe('writing backups', () => {
  it('a missing target folder is reported as such and nothing is written', async () => {
    const { core: c, liveKey, usb } = await office();
    expect(await failure(backupOf(c, liveKey, join(usb, 'unplugged'), await cheapKey()))).toBe('target_missing');
    expect(readdirSync(usb)).toEqual([]);
  });

  it('waits for a moment to take a consistent copy; a reader holding an old snapshot too long fails it cleanly', async () => {
    const { core: c, liveKey, usb } = await office();
    const token = (await c.ok('auth.login', { username: 'admin', password: 'correct horse battery' })).token;
    const old = new Database(c.dbFile);
    applyKey(old, liveKey);
    old.exec('BEGIN');
    old.prepare('SELECT count(*) FROM users').get();
    // Written after that reader's snapshot: no checkpoint can move it into the main file while the reader stays.
    await c.ok('users.create', { username: 'later', displayName: 'Later', password: 'password-1234', role: 'sales_rep' }, token);
    const backupKey = await cheapKey();
    const attempt = createBackup({
      srcFile: c.dbFile,
      srcKey: liveKey,
      targetDir: usb,
      backupKey,
      appVersion: 't',
      deviceId: c.services.deviceId,
      officeName: 'o',
      now: Date.now(),
      freezeTimeoutMs: 300,
    });
    expect(await failure(attempt)).toBe('snapshot_busy');
    expect(readdirSync(usb)).toEqual([]);
    old.exec('COMMIT');
    old.close();
    const made = await backupOf(c, liveKey, usb, backupKey);
    expect(made.contents.counts.users).toBe(2);
  });

  it('a cancelled backup leaves nothing in the target', async () => {
    const { core: c, liveKey, usb } = await office();
    const controller = new AbortController();
    const pending = createBackup({
      srcFile: c.dbFile,
      srcKey: liveKey,
      targetDir: usb,
      backupKey: await cheapKey(),
      appVersion: '0',
      deviceId: 'd',
      officeName: 'o',
      now: Date.now(),
      signal: controller.signal,
    });
    controller.abort();
    expect(await failure(pending)).toBe('cancelled');
    expect(readdirSync(usb)).toEqual([]);
  });

  it('lists complete backups only and removes temp folders of dead processes', async () => {
    const { core: c, liveKey, usb } = await office();
    const made = await backupOf(c, liveKey, usb, await cheapKey());
    mkdirSync(join(usb, '.x.harborbackup.partial-999999999'));
    mkdirSync(join(usb, `.y.harborbackup.partial-${process.pid}`));
    expect(listBackups(usb).map((b) => b.name)).toEqual([made.name]);
    expect(removeStalePartials(usb)).toBe(1);
    expect(readdirSync(usb).sort()).toEqual([`.y.harborbackup.partial-${process.pid}`, made.name].sort());
  });
});
