import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createBackup } from '../../../src-main/core/backup/archive';
import { SAFETY_COPIES_KEPT } from '../../../src-main/core/backup/service';
import { applyKey } from '../../../src-main/core/db/connection';
import { migrate, SCHEMA_VERSION } from '../../../src-main/core/db/migrate';
import { migrations } from '../../../src-main/core/db/migrations';
import { disposedAfterEach, setUpOffice, snapshot, userWithRole, type TestCore } from '../../helpers/core';

const BACKUP_PASSWORD = 'backup password 1';
const core = disposedAfterEach();

async function configured(c: TestCore, token: string): Promise<string> {
  const usb = join(c.dir, 'usb');
  mkdirSync(usb, { recursive: true });
  await c.ok('backup.setConfig', { targetDir: usb }, token);
  await c.ok('backup.setPassword', { password: BACKUP_PASSWORD }, token);
  return usb;
}

async function runBackup(c: TestCore, token: string) {
  const { jobId } = await c.ok('backup.run', {}, token);
  return c.backup.waitFor(jobId);
}

describe('backups through the dispatcher', () => {
  it('backs up now, reports progress and status, lists and verifies the backup', async () => {
    const c = core();
    const token = await setUpOffice(c);
    const usb = await configured(c, token);
    const stages: string[] = [];
    c.events.on('job.progress', (p) => stages.push(p.stage));
    const job = await runBackup(c, token);
    expect(job.state).toBe('done');
    expect(stages).toContain('backup.copy');
    expect(stages).toContain('backup.verify');
    expect(stages.at(-1)).toBe('backup.done');
    expect(job.contents!.counts.users).toBe(1);
    expect(job.contents!.officeName).toBe('海港贸易有限公司');

    const status = await c.ok('backup.status', {}, token);
    expect(status.lastSuccessAt).toBe(job.contents!.createdAt);
    const list0 = await c.ok('backup.list', {}, token);
    expect(status.lastBackup!.bytes).toBe(list0.backups[0]!.bytes);
    expect(status.lastError).toBeNull();

    const list = await c.ok('backup.list', {}, token);
    expect(list.backups.map((b) => b.path)).toEqual([job.path]);
    expect(readdirSync(usb)).toEqual([list.backups[0]!.name]);

    const { jobId } = await c.ok('backup.verify', { path: job.path! }, token);
    const verified = await c.backup.waitFor(jobId);
    expect(verified.state).toBe('done');
    expect(verified.contents!.db.sha256).toBe(job.contents!.db.sha256);
  });

  it('after a password change, verifying an older backup asks for its password', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const old = await runBackup(c, token);
    await c.ok('backup.setPassword', { password: 'a new backup password' }, token);
    expect(await c.call('backup.verify', { path: old.path! }, token)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR', messageKey: 'backup.errors.other_password' },
    });
    const { jobId } = await c.ok('backup.verify', { path: old.path!, password: BACKUP_PASSWORD }, token);
    expect((await c.backup.waitFor(jobId)).state).toBe('done');
    const fresh = await runBackup(c, token);
    expect(await c.ok('backup.inspect', { path: fresh.path!, password: 'a new backup password' }, token)).toMatchObject({ officeName: '海港贸易有限公司' });
  });

  it('never stores the backup password; a restored copy takes none of the other device\'s sessions or settings', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const rows = c.services.db.prepare(`SELECT key, value FROM local_meta WHERE key LIKE 'backup.%'`).all() as { key: string; value: string }[];
    expect(rows.map((r) => r.key)).toContain('backup.key');
    for (const r of rows) expect(r.value).not.toContain(BACKUP_PASSWORD);
    const job = await runBackup(c, token);
    expect(readFileSync(join(job.path!, 'manifest.json'), 'utf8')).not.toContain(BACKUP_PASSWORD);
    // The backup is a byte copy: the source's session and settings are in it ...
    expect(job.contents!.counts.local_sessions).toBe(1);

    // ... and never reach the desktop it is restored on.
    const fresh = core();
    const { jobId } = await fresh.ok('backup.restore', { path: job.path!, password: BACKUP_PASSWORD });
    expect((await fresh.backup.waitFor(jobId)).state).toBe('done');
    const db = fresh.services.db;
    expect(db.prepare('SELECT count(*) AS n FROM local_sessions').get()).toEqual({ n: 0 });
    expect(db.prepare(`SELECT key FROM local_meta WHERE key LIKE 'backup.%'`).all()).toEqual([]);
    expect(db.prepare(`SELECT value FROM local_meta WHERE key = 'device_id'`).get()).toEqual({ value: fresh.services.deviceId });
    expect(fresh.services.deviceId).not.toBe(c.services.deviceId);
    expect(await fresh.call('auth.me', {}, token)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('restores: data back to the backup, a safety copy kept, everyone signed out, this device kept', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    await c.ok('users.create', { username: 'after.backup', displayName: 'After', password: 'password-1234', role: 'sales_rep' }, token);
    const before = (c.services.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    expect(before).toBe(2);
    const deviceId = c.services.deviceId;

    const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
    const job = await c.backup.waitFor(jobId);
    expect(job.state).toBe('done');

    const users = c.services.db.prepare('SELECT username FROM users ORDER BY username').all();
    expect(users).toEqual([{ username: 'admin' }]);
    expect(c.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Sessions of the restored database are gone: sign in again.
    expect(await c.call('auth.me', {}, token)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const again = await c.ok('auth.login', { username: 'admin', password: 'correct horse battery' });
    const list = await c.ok('backup.list', {}, again.token);
    expect(list.safetyCopies).toHaveLength(1);
    // The safety copy holds the data that was replaced.
    const status = await c.ok('backup.status', {}, again.token);
    expect(status.passwordSet).toBe(true);
    expect(status.config.targetDir).toBe(join(c.dir, 'usb'));
    expect(c.services.db.prepare(`SELECT value FROM local_meta WHERE key = 'device_id'`).get()).toEqual({ value: deviceId });
    const audit = await c.ok('audit.list', { limit: 5 }, again.token);
    expect(audit.map((a) => a.action)).toContain('backup.restored');
  });

  it('keeps the newest safety copies only, each restore its own', async () => {
    // One moment for all: the copies share a time stamp.
    const c = core({ now: () => Date.UTC(2026, 11, 1, 9, 30) });
    let token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    const names: string[] = [];
    for (let i = 0; i < SAFETY_COPIES_KEPT + 2; i++) {
      const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
      expect((await c.backup.waitFor(jobId)).state).toBe('done');
      token = (await c.ok('auth.login', { username: 'admin', password: 'correct horse battery' })).token;
      names.push((await c.ok('backup.list', {}, token)).safetyCopies[0]!.name);
    }
    // Restores within one millisecond still keep one copy each.
    expect(new Set(names).size).toBe(names.length);
    const kept = (await c.ok('backup.list', {}, token)).safetyCopies.map((s) => s.name);
    expect(kept).toEqual(names.slice(-SAFETY_COPIES_KEPT).reverse());
    expect(readdirSync(join(c.dir, 'safety-copies')).sort()).toEqual([...kept].sort());
  });

  it('a restore killed between keeping the safety copy and the swap leaves no copy that shares the live file', async () => {
    const c = core();
    await setUpOffice(c);
    const dir = c.dir;
    c.close();
    // As install() leaves it when killed right after linking: the live file and a "safety copy" are one file.
    const safety = join(dir, 'safety-copies');
    mkdirSync(safety);
    linkSync(join(dir, 'harbor.db'), join(safety, 'harbor-20261201T093000000Z.db'));
    // A real, earlier safety copy stays.
    copyFileSync(join(dir, 'harbor.db'), join(safety, 'harbor-20261130T093000000Z.db'));
    const again = core({ dir });
    expect(readdirSync(safety)).toEqual(['harbor-20261130T093000000Z.db']);
    expect(statSync(join(dir, 'harbor.db')).nlink).toBe(1);
    expect(again.services.db.pragma('quick_check', { simple: true })).toBe('ok');
  });

  it('a restore killed while its staged file was open leaves WAL files that the next restore does not replay', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    // The leftovers of a killed attempt: a staged database with unmerged WAL frames, its file gone, its WAL still there.
    const staged = `${c.dbFile}.restoring`;
    const other = new Database(staged);
    applyKey(other, Buffer.from(readFileSync(c.keyFile, 'utf8').trim(), 'hex'));
    other.pragma('journal_mode = WAL');
    other.pragma('wal_autocheckpoint = 0');
    other.exec('CREATE TABLE filler (x)');
    other.prepare('INSERT INTO filler VALUES (?)').run('x'.repeat(200_000));
    copyFileSync(`${staged}-wal`, `${staged}-wal.kept`);
    other.close();
    rmSync(staged);
    copyFileSync(`${staged}-wal.kept`, `${staged}-wal`);
    rmSync(`${staged}-wal.kept`);

    const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
    expect((await c.backup.waitFor(jobId)).state).toBe('done');
    expect(c.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(c.services.db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'filler'`).get()).toEqual({ n: 0 });
    expect(existsSync(`${staged}-wal`)).toBe(false);
  });

  it('a wrong password, a tampered or truncated backup change nothing', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    await c.ok('users.create', { username: 'keep.me', displayName: 'Keep', password: 'password-1234', role: 'sales_rep' }, token);
    const before = snapshot(c);

    const wrong = await c.call('backup.restore', { path: backup.path!, password: 'not the password' }, token);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS', messageKey: 'backup.errors.wrong_password' } });

    const dbFile = join(backup.path!, 'backup.db');
    const bytes = readFileSync(dbFile);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    writeFileSync(dbFile, bytes);
    const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
    const tampered = await c.backup.waitFor(jobId);
    expect(tampered).toMatchObject({ state: 'failed', error: { messageKey: 'backup.errors.tampered' } });

    truncateSync(dbFile, 4096);
    const second = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
    expect(await c.backup.waitFor(second.jobId)).toMatchObject({ state: 'failed', error: { messageKey: 'backup.errors.truncated' } });

    expect(snapshot(c)).toEqual(before);
    expect(await c.call('auth.me', {}, token)).toMatchObject({ ok: true });
    expect((await c.ok('backup.list', {}, token)).safetyCopies).toEqual([]);
    expect(existsSync(`${c.dbFile}.restoring`)).toBe(false);
  });

  it('refuses to swap the database while another process has it open, and keeps working', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    await c.ok('users.create', { username: 'still.here', displayName: 'Still', password: 'password-1234', role: 'sales_rep' }, token);
    const other = new Database(c.dbFile);
    applyKey(other, Buffer.from(readFileSync(c.keyFile, 'utf8').trim(), 'hex'));
    other.prepare('SELECT count(*) FROM users').get();
    try {
      const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
      expect(await c.backup.waitFor(jobId)).toMatchObject({ state: 'failed', error: { messageKey: 'backup.errors.busy' } });
    } finally {
      other.close();
    }
    expect((await c.ok('users.list', {}, token)).map((u) => u.username)).toContain('still.here');
    expect((await c.ok('backup.list', {}, token)).safetyCopies).toEqual([]);
  });

  it('restores a backup from an older version and migrates it', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    // An office database as an older Harbor left it: the first migrations only, one user.
    const oldFile = join(c.dir, 'old.db');
    const liveKey = Buffer.from(readFileSync(c.keyFile, 'utf8').trim(), 'hex');
    const old = new Database(oldFile);
    applyKey(old, liveKey);
    migrate(old, null, migrations.slice(0, 2));
    old.prepare(`INSERT INTO users (id, created_at, updated_at, username, display_name, role, password_hash) VALUES ('01900000-0000-7000-8000-0000000000aa', 1, 1, 'old.admin', 'Old', 'administrator', 'x')`).run();
    old.close();
    const made = await createBackup({
      srcFile: oldFile,
      srcKey: liveKey,
      targetDir: join(c.dir, 'usb'),
      backupKey: c.backup.storedKey()!,
      appVersion: '0.0.1',
      deviceId: 'old-device',
      officeName: 'Old office',
      now: Date.now(),
    });
    expect(made.contents.schemaVersion).toBe(2);
    const upgrade: { done: number; total: number }[] = [];
    c.events.on('job.progress', (p) => p.stage === 'restore.upgrade' && upgrade.push({ done: p.done, total: p.total }));
    const { jobId } = await c.ok('backup.restore', { path: made.path, password: BACKUP_PASSWORD }, token);
    expect(await c.backup.waitFor(jobId)).toMatchObject({ state: 'done' });
    expect(c.services.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(c.services.db.prepare('SELECT username FROM users').all()).toEqual([{ username: 'old.admin' }]);
    // Upgraded in the upgrade worker before the swap, with its own progress, and without a safety copy of the staged file.
    expect(upgrade.length).toBeGreaterThan(0);
    expect(upgrade.map((p) => p.done)).toEqual([...upgrade.map((p) => p.done)].sort((a, b) => a - b));
    expect(upgrade.at(-1)!.done).toBe(upgrade.at(-1)!.total);
    expect(readdirSync(c.dir).filter((n) => n.includes('.restoring'))).toEqual([]);
  });

  it('restores onto a fresh install (first run), without a session', async () => {
    const source = core();
    const token = await setUpOffice(source);
    await source.ok('users.create', { username: 'moved.user', displayName: '搬家', password: 'password-1234', role: 'sales_rep' }, token);
    await configured(source, token);
    const backup = await runBackup(source, token);

    const fresh = core();
    expect((await fresh.ok('system.status', {})).setUp).toBe(false);
    const seen = await fresh.ok('backup.inspect', { path: backup.path!, password: BACKUP_PASSWORD });
    expect(seen.officeName).toBe('海港贸易有限公司');
    expect(seen.counts.users).toBe(2);
    const { jobId } = await fresh.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD });
    expect((await fresh.backup.waitFor(jobId)).state).toBe('done');
    const status = await fresh.ok('system.status', {});
    expect(status).toMatchObject({ setUp: true, officeName: '海港贸易有限公司' });
    expect(status.deviceId).not.toBe(source.services.deviceId);
    await fresh.ok('auth.login', { username: 'moved.user', password: 'password-1234' });
  });

  it('the folder dialog is the desktop app\'s alone: elsewhere a translated error, and no dialog', async () => {
    const c = core();
    let asked = 0;
    c.services.pickFolder = () => {
      asked++;
      return Promise.resolve('/media/usb');
    };
    const token = await setUpOffice(c);
    for (const origin of ['http', 'internal'] as const) {
      const r = await c.dispatcher.call('backup.pickFolder', { purpose: 'target', language: 'en' }, { token, origin });
      expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', messageKey: 'backup.errors.no_picker' } });
    }
    expect(asked).toBe(0);
    expect(await c.dispatcher.call('backup.pickFolder', { purpose: 'target', language: 'en' }, { token, origin: 'ipc' })).toEqual({ ok: true, value: { path: '/media/usb' } });
  });

  it('once set up, inspecting and restoring need backup.manage', async () => {
    const c = core();
    const token = await setUpOffice(c);
    await configured(c, token);
    const backup = await runBackup(c, token);
    const rep = await userWithRole(c, token, 'sales_rep');
    const before = snapshot(c);
    for (const method of ['backup.inspect', 'backup.restore'] as const) {
      expect(await c.call(method, { path: backup.path!, password: BACKUP_PASSWORD }, rep)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await c.call(method, { path: backup.path!, password: BACKUP_PASSWORD })).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    }
    expect(await c.call('backup.job', { jobId: backup.id }, rep)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(snapshot(c)).toEqual(before);
  });

  it('a missing folder (USB unplugged) is reported, retried later, and then succeeds', async () => {
    let now = new Date(2026, 10, 23, 17, 0).getTime();
    const c = core({ now: () => now });
    const token = await setUpOffice(c);
    const usb = await configured(c, token);
    await c.ok('settings.update', { idleLockMinutes: 0 }, token);
    await c.ok('backup.setConfig', { schedule: { kind: 'daily', at: '18:00' } }, token);
    let status = await c.ok('backup.status', {}, token);
    expect(status.nextRunAt).toBe(new Date(2026, 10, 23, 18, 0).getTime());
    expect(await c.backup.tick()).toBeNull();

    rmSync(usb, { recursive: true });
    now = new Date(2026, 10, 23, 18, 0, 5).getTime();
    const failedId = await c.backup.tick();
    expect(failedId).not.toBeNull();
    expect(await c.backup.waitFor(failedId!)).toMatchObject({ state: 'failed', error: { messageKey: 'backup.errors.target_missing' } });
    status = await c.ok('backup.status', {}, token);
    expect(status.lastError).toMatchObject({ messageKey: 'backup.errors.target_missing' });
    expect(status.nextRunAt).toBe(now + 5 * 60_000);
    expect(await c.backup.tick()).toBeNull();

    mkdirSync(usb);
    now += 5 * 60_000;
    const okId = await c.backup.tick();
    expect((await c.backup.waitFor(okId!)).state).toBe('done');
    status = await c.ok('backup.status', {}, token);
    expect(status).toMatchObject({ lastError: null, overdue: false, lastSuccessAt: now });
    expect(status.nextRunAt).toBe(new Date(2026, 10, 24, 18, 0).getTime());

    // Two days later without a backup: overdue.
    now = new Date(2026, 10, 25, 20, 0).getTime();
    const later = await c.ok('auth.login', { username: 'admin', password: 'correct horse battery' });
    expect((await c.ok('backup.status', {}, later.token)).overdue).toBe(true);
  });

  it('scheduled backups apply retention, keeping the newest', async () => {
    let now = new Date(2026, 0, 1, 9, 0).getTime();
    const c = core({ now: () => now });
    const token = await setUpOffice(c);
    const usb = await configured(c, token);
    await c.ok('settings.update', { idleLockMinutes: 0 }, token);
    await c.ok('backup.setConfig', { schedule: { kind: 'hourly', minute: 0 }, retention: { keepLast: 2, daily: 0, weekly: 0, monthly: 0 } }, token);
    const made: string[] = [];
    for (let i = 1; i <= 4; i++) {
      now += 3600_000;
      const id = await c.backup.tick();
      const job = await c.backup.waitFor(id!);
      expect(job.state).toBe('done');
      made.push(job.path!);
    }
    expect(readdirSync(usb).sort()).toEqual(made.slice(-2).map((p) => p.split('/').pop()).sort());
  });

  it('cancelling a backup or a restore leaves nothing behind and changes nothing', async () => {
    const c = core();
    const token = await setUpOffice(c);
    const usb = await configured(c, token);
    const backup = await runBackup(c, token);
    const { jobId } = await c.ok('backup.run', {}, token);
    await c.ok('backup.cancel', { jobId }, token);
    expect(await c.backup.waitFor(jobId)).toMatchObject({ state: 'cancelled' });
    expect(readdirSync(usb)).toEqual([backup.path!.split('/').pop()]);

    await c.ok('users.create', { username: 'stays', displayName: 'Stays', password: 'password-1234', role: 'sales_rep' }, token);
    const before = snapshot(c);
    const restore = await c.ok('backup.restore', { path: backup.path!, password: BACKUP_PASSWORD }, token);
    await c.ok('backup.cancel', { jobId: restore.jobId }, token);
    expect(await c.backup.waitFor(restore.jobId)).toMatchObject({ state: 'cancelled' });
    expect(snapshot(c)).toEqual(before);
    expect(existsSync(`${c.dbFile}.restoring`)).toBe(false);
    expect((await c.ok('backup.list', {}, token)).safetyCopies).toEqual([]);
    // The next job runs normally.
    expect((await runBackup(c, token)).state).toBe('done');
  });
});
