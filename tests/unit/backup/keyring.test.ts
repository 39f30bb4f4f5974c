/**
 * Restoring a backup made on another desktop: the restored file keeps its own
 * key, which this desktop's key ring adopts; at no moment is the database in
 * place without a stored key that opens it. Also: backups of the first format
 * (re-encrypted with the password-derived key) still verify and restore.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { databaseKeyOf, inspectBackup, keyFor, restoreToFile, verifyBackup } from '../../../src-main/core/backup/archive';
import { createOffice, deviceCertificate, fingerprintOf, readMeta as readSyncMeta } from '../../../src-main/core/sync/identity';
import { applyKey } from '../../../src-main/core/db/connection';
import { FileKeyStore, formatKeyRing } from '../../../src-main/core/db/keystore';
import { openCore } from '../../../src-main/core';
import { ADMIN, disposedAfterEach, setUpOffice, tempDir, type TestCore } from '../../helpers/core';

const PASSWORD = 'backup password 1';
const FIRST_FORMAT = join(import.meta.dirname, '../../fixtures/backup-v1/first-format-20261120T090000000Z.harborbackup');

const core = disposedAfterEach();

const ringOf = (c: TestCore) => new FileKeyStore(c.keyFile).loadAll().map((k) => k.toString('hex'));

async function backupOfOtherDesktop(options: { inOffice?: boolean } = {}): Promise<{ path: string; key: Buffer }> {
  const other = core();
  const token = await setUpOffice(other);
  if (options.inOffice) createOffice(other.services.db, other.services.deviceId);
  await other.ok('users.create', { username: 'from.other', displayName: '另一台', password: 'password-1234', role: 'sales_rep' }, token);
  const usb = join(other.dir, 'usb');
  mkdirSync(usb);
  await other.ok('backup.setConfig', { targetDir: usb }, token);
  await other.ok('backup.setPassword', { password: PASSWORD }, token);
  const { jobId } = await other.ok('backup.run', {}, token);
  const job = await other.backup.waitFor(jobId);
  expect(job.state).toBe('done');
  return { path: job.path!, key: new FileKeyStore(other.keyFile).load()! };
}

describe('key ring', () => {
  it('reads the single-key file of earlier versions, and keeps the current key first', () => {
    const dir = tempDir();
    const store = new FileKeyStore(join(dir, 'harbor.key'));
    expect(store.loadAll()).toEqual([]);
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    writeFileSync(join(dir, 'harbor.key'), `${a.toString('hex')}\n`);
    expect(store.loadAll()).toEqual([a]);
    store.save([b, a, b]);
    expect(store.loadAll()).toEqual([b, a]);
    expect(store.load()).toEqual(b);
    expect(() => formatKeyRing([Buffer.alloc(16)])).toThrow();
  });

  it('a restore from another desktop adopts its key: the data, the key ring and the next start agree', async () => {
    const backup = await backupOfOtherDesktop();
    const c = core();
    const token = await setUpOffice(c);
    const ownKey = new FileKeyStore(c.keyFile).load()!;
    await c.ok('backup.setConfig', { targetDir: join(c.dir, 'usb') }, token);
    const { jobId } = await c.ok('backup.restore', { path: backup.path, password: PASSWORD }, token);
    expect((await c.backup.waitFor(jobId)).state).toBe('done');

    expect(ringOf(c)).toEqual([backup.key.toString('hex'), ownKey.toString('hex')]);
    const again = await c.ok('auth.login', { username: ADMIN.username, password: ADMIN.password });
    expect((await c.ok('users.list', {}, again.token)).map((u) => u.username)).toContain('from.other');
    // Writes go on under the adopted key, and a backup of the restored office works.
    await c.ok('users.create', { username: 'after.restore', displayName: 'After', password: 'password-1234', role: 'sales_rep' }, again.token);

    // The safety copy is still under this desktop's own key, which the ring keeps.
    const safety = (await c.ok('backup.list', {}, again.token)).safetyCopies[0]!;
    const old = new Database(safety.path, { readonly: true });
    applyKey(old, ownKey);
    expect((old.prepare('SELECT username FROM users').all() as { username: string }[]).map((u) => u.username)).not.toContain('from.other');
    old.close();

    // The next start opens the restored office with the current key.
    c.close();
    const reopened = core({ dir: c.dir });
    const users = reopened.services.db.prepare('SELECT username FROM users ORDER BY username').all() as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['admin', 'after.restore', 'from.other']);
  });

  it('a crash between swapping the file and recording its key: the next start finds the key in the ring and makes it current', async () => {
    const backup = await backupOfOtherDesktop();
    const dir = tempDir();
    const own = Buffer.alloc(32, 7);
    // The ring as a restore writes it before the swap, and the restored file already in place.
    new FileKeyStore(join(dir, 'harbor.key')).save([own, backup.key]);
    cpSync(join(backup.path, 'backup.db'), join(dir, 'harbor.db'));
    const c = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) });
    try {
      expect(c.services.db.prepare(`SELECT count(*) AS n FROM users WHERE username = 'from.other'`).get()).toEqual({ n: 1 });
      expect(new FileKeyStore(join(dir, 'harbor.key')).loadAll()).toEqual([backup.key, own]);
    } finally {
      c.close();
    }
  });

  it('no key of the ring fits: a clear error, and the file is not touched', () => {
    const dir = tempDir();
    const first = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) });
    first.close();
    const before = readFileSync(join(dir, 'harbor.db'));
    new FileKeyStore(join(dir, 'harbor.key')).save([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]);
    expect(() => openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) })).toThrow(
      expect.objectContaining({ messageKey: 'errors.db_wrong_key' }),
    );
    expect(readFileSync(join(dir, 'harbor.db')).equals(before)).toBe(true);
  });
});

describe('backups of the first format', () => {
  it('verify and restore onto a fresh install', async () => {
    const c = core();
    const usb = join(c.dir, 'usb');
    mkdirSync(usb);
    cpSync(FIRST_FORMAT, join(usb, 'first-format-20261120T090000000Z.harborbackup'), { recursive: true });
    const path = join(usb, readdirSync(usb)[0]!);
    const key = await keyFor(path, { password: 'first format password' });
    // The file is encrypted with the password-derived key itself.
    expect(databaseKeyOf(path, key)).toEqual(key);
    expect(inspectBackup(path, key)).toMatchObject({ officeName: '第一版办公室', appVersion: '0.1.0' });
    await verifyBackup(path, key);

    const { jobId } = await c.ok('backup.restore', { path, password: 'first format password' });
    expect((await c.backup.waitFor(jobId)).state).toBe('done');
    expect((await c.ok('system.status', {})).officeName).toBe('第一版办公室');
    // Re-encrypted with this desktop's key: its ring is unchanged.
    expect(ringOf(c)).toHaveLength(1);
    const session = await c.ok('auth.login', { username: 'admin', password: 'correct horse battery' });
    const contacts = await c.ok('contacts.list', { filter: { q: '张三' }, limit: 10 }, session.token);
    expect(contacts.rows).toHaveLength(1);
  });
});

describe('a restored file before the swap', () => {
  it('already carries this desktop’s sync identity and schema, so a crash right after the swap starts it as this desktop', async () => {
    const backup = await backupOfOtherDesktop({ inOffice: true });
    const c = core();
    await setUpOffice(c);
    createOffice(c.services.db, c.services.deviceId);
    const mine = deviceCertificate(c.services.db, c.services.deviceId).fingerprint;
    const staged = join(c.dir, 'staged.db');
    const kek = await keyFor(backup.path, { password: PASSWORD });
    const localMeta = c.services.db.prepare('SELECT key, value, updated_at FROM local_meta').all() as { key: string; value: string; updated_at: number }[];
    const restored = await restoreToFile({ backupPath: backup.path, backupKey: kek, destFile: staged, destKey: new FileKeyStore(c.keyFile).load()!, localMeta });
    expect(restored.key).toEqual(backup.key);
    // What install() does before it renames the file over the database.
    (c.backup as unknown as { host: { prepareRestored(file: string, key: Buffer): void } }).host.prepareRestored(staged, restored.key);
    const db = new Database(staged, { readonly: true });
    applyKey(db, restored.key);
    expect(fingerprintOf(readSyncMeta(db, 'device_cert')!)).toBe(mine);
    expect(db.prepare(`SELECT value FROM local_meta WHERE key = 'device_id'`).get()).toEqual({ value: c.services.deviceId });
    expect(db.prepare('SELECT count(*) AS n FROM local_sessions').get()).toEqual({ n: 0 });
    db.close();
  });
});
