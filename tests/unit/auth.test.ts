import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_MS, MAX_FAILURES, SESSION_TTL_MS } from '../../src-main/core/auth/sessions';
import { ADMIN, makeTestCore, setUpOffice, snapshot, type TestCore } from '../helpers/core';
import { replayChangeLog, syncedDump } from '../helpers/replay';

let core: TestCore;
let clock = 1_800_000_000_000;
const now = () => clock;
afterEach(() => core?.dispose());

async function freshOffice(options: { loadSampleData?: boolean } = {}) {
  clock = 1_800_000_000_000;
  core = makeTestCore({ now });
  return setUpOffice(core, options);
}

describe('setup', () => {
  it('creates the office once; a second setup is refused and changes nothing', async () => {
    await freshOffice();
    const before = snapshot(core);
    const again = await core.call('system.setup', {
      officeName: 'Other',
      language: 'en',
      currency: 'USD',
      admin: { displayName: 'X', username: 'intruder', password: 'password-1234' },
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'ALREADY_SET_UP' } });
    expect(snapshot(core)).toEqual(before);
  });

  it('loads sample staff with one account per built-in role, who cannot sign in until given a password', async () => {
    const token = await freshOffice({ loadSampleData: true });
    const users = await core.ok('users.list', {}, token);
    expect(users.map((u) => u.role).sort()).toEqual(
      ['administrator', 'marketing', 'read_only', 'sales_manager', 'sales_rep', 'sales_rep', 'service_agent'].sort(),
    );
    expect(users.some((u) => u.displayName === '王芳')).toBe(true);
    expect(await core.call('auth.login', { username: 'wang.fang', password: '' })).toMatchObject({ ok: false });
  });
});

describe('login', () => {
  it('signs in, rejects a wrong password with INVALID_CREDENTIALS, and logs out', async () => {
    await freshOffice();
    expect(await core.call('auth.login', { username: 'admin', password: 'wrong password' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS', messageKey: 'errors.INVALID_CREDENTIALS' },
    });
    const session = await core.ok('auth.login', { username: 'ADMIN ', password: ADMIN.password });
    expect(session.user.username).toBe('admin');
    await core.ok('auth.logout', {}, session.token);
    expect(await core.call('auth.me', {}, session.token)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it(`locks the account after ${MAX_FAILURES} failures in a row, even for the right password, until the lock runs out`, async () => {
    await freshOffice();
    for (let i = 1; i < MAX_FAILURES; i++) {
      expect(await core.call('auth.login', { username: 'admin', password: `nope-${i}` })).toMatchObject({
        error: { code: 'INVALID_CREDENTIALS' },
      });
    }
    expect(await core.call('auth.login', { username: 'admin', password: 'nope-last' })).toMatchObject({
      error: { code: 'ACCOUNT_LOCKED', params: { minutes: LOCK_MS / 60_000 } },
    });
    expect(await core.call('auth.login', { username: 'admin', password: ADMIN.password })).toMatchObject({
      error: { code: 'ACCOUNT_LOCKED' },
    });
    clock += LOCK_MS + 1;
    expect((await core.call('auth.login', { username: 'admin', password: ADMIN.password })).ok).toBe(true);
    const failed = core.services.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'auth.login' AND outcome = 'failed'").get() as { n: number };
    expect(failed.n).toBe(MAX_FAILURES + 1);
  });

  it('a successful login resets the failure count', async () => {
    await freshOffice();
    for (let i = 0; i < MAX_FAILURES - 1; i++) await core.call('auth.login', { username: 'admin', password: 'bad-password' });
    await core.ok('auth.login', { username: 'admin', password: ADMIN.password });
    for (let i = 0; i < MAX_FAILURES - 1; i++) {
      expect(await core.call('auth.login', { username: 'admin', password: 'bad-password' })).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
    }
  });

  it('sessions expire', async () => {
    const token = await freshOffice();
    await core.ok('settings.update', { idleLockMinutes: 0 }, token);
    clock += SESSION_TTL_MS + 1;
    expect(await core.call('auth.me', {}, token)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });
});

describe('idle lock', () => {
  it('locks a session idle longer than the office setting; only unlock and logout work until the password is given', async () => {
    const token = await freshOffice();
    await core.ok('settings.update', { idleLockMinutes: 5 }, token);
    clock += 4 * 60_000;
    expect((await core.call('settings.get', {}, token)).ok).toBe(true);
    clock += 5 * 60_000 + 1;
    expect(await core.call('settings.get', {}, token)).toMatchObject({ error: { code: 'SESSION_LOCKED' } });
    expect((await core.ok('auth.me', {}, token)).locked).toBe(true);
    expect(await core.call('auth.unlock', { password: 'wrong-password' }, token)).toMatchObject({
      error: { code: 'VALIDATION_ERROR', fields: [{ path: 'password', messageKey: 'errors.wrong_password' }] },
    });
    await core.ok('auth.unlock', { password: ADMIN.password }, token);
    expect((await core.call('settings.get', {}, token)).ok).toBe(true);
  });

  it('a manual lock holds until unlocked', async () => {
    const token = await freshOffice();
    await core.ok('auth.lock', {}, token);
    expect(await core.call('users.list', {}, token)).toMatchObject({ error: { code: 'SESSION_LOCKED' } });
  });
});

describe('users and roles', () => {
  it('keeps at least one active administrator and refuses self-deactivation', async () => {
    const token = await freshOffice();
    const me = await core.ok('auth.me', {}, token);
    expect(await core.call('users.update', { id: me.user.id, role: 'sales_rep' }, token)).toMatchObject({
      error: { code: 'VALIDATION_ERROR', fields: [{ path: 'role', messageKey: 'errors.last_admin' }] },
    });
    const other = await core.ok('users.create', { username: 'second', displayName: 'Second', password: 'password-1234', role: 'administrator' }, token);
    expect(await core.call('users.update', { id: me.user.id, active: false }, token)).toMatchObject({
      error: { fields: [{ path: 'active', messageKey: 'errors.self_deactivate' }] },
    });
    await core.ok('users.update', { id: other.id, active: false }, token);
  });

  it('a duplicate username is a field error', async () => {
    const token = await freshOffice();
    expect(await core.call('users.create', { username: 'admin', displayName: 'Again', password: 'password-1234', role: 'sales_rep' }, token)).toMatchObject({
      error: { code: 'VALIDATION_ERROR', fields: [{ path: 'username', messageKey: 'errors.username_taken' }] },
    });
  });

  it('deactivating or re-roling a user ends their sessions; a password reset too', async () => {
    const token = await freshOffice();
    const user = await core.ok('users.create', { username: 'rep', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, token);
    const repToken = (await core.ok('auth.login', { username: 'rep', password: 'password-1234' })).token;
    await core.ok('users.update', { id: user.id, role: 'read_only' }, token);
    expect(await core.call('auth.me', {}, repToken)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const again = (await core.ok('auth.login', { username: 'rep', password: 'password-1234' })).token;
    await core.ok('users.resetPassword', { id: user.id, password: 'another-password' }, token);
    expect(await core.call('auth.me', {}, again)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await core.call('auth.login', { username: 'rep', password: 'another-password' })).ok).toBe(true);
  });

  it('changes the own password only with the current one', async () => {
    const token = await freshOffice();
    expect(await core.call('auth.changePassword', { currentPassword: 'wrong-one', newPassword: 'brand-new-pass' }, token)).toMatchObject({
      error: { fields: [{ path: 'currentPassword' }] },
    });
    await core.ok('auth.changePassword', { currentPassword: ADMIN.password, newPassword: 'brand-new-pass' }, token);
    expect((await core.call('auth.login', { username: 'admin', password: 'brand-new-pass' })).ok).toBe(true);
  });
});

describe('audit log', () => {
  it('records every mutation in a hash chain that detects tampering, and refuses edits', async () => {
    const token = await freshOffice();
    await core.ok('settings.update', { officeName: 'Changed' }, token);
    await core.ok('users.create', { username: 'rep', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, token);
    const entries = await core.ok('audit.list', {}, token);
    expect(entries.map((e) => e.action).slice(0, 3)).toEqual(['users.create', 'settings.update', 'system.setup']);
    expect(await core.ok('audit.verify', {}, token)).toEqual({ ok: true, checked: entries.length, firstBrokenSeq: null });
    const db = core.services.db;
    expect(() => db.prepare("UPDATE audit_log SET action = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    // Someone with raw file access drops the trigger and edits an entry: the chain shows it.
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET target = 'forged' WHERE seq = 2").run();
    expect(await core.ok('audit.verify', {}, token)).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });

  it('holds no secrets', async () => {
    const token = await freshOffice();
    await core.ok('users.create', { username: 'rep', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, token);
    const raw = JSON.stringify(core.services.db.prepare('SELECT * FROM audit_log').all());
    expect(raw).not.toContain('password-1234');
    expect(raw).not.toContain(ADMIN.password);
  });
});

describe('change log', () => {
  it('is complete: replaying it alone rebuilds every synced table exactly', async () => {
    const token = await freshOffice({ loadSampleData: true });
    await core.ok('settings.update', { officeName: 'Renamed', idleLockMinutes: 30 }, token);
    const rep = await core.ok('users.create', { username: 'rep', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, token);
    await core.ok('users.update', { id: rep.id, displayName: 'Rep Two', role: 'read_only' }, token);
    await core.ok('auth.setPreferences', { language: 'en', theme: 'dark' }, token);
    const replica = replayChangeLog(core.services.db);
    expect(syncedDump(replica)).toEqual(syncedDump(core.services.db));
  });

  it('logs only the columns an update really changed, with HLC stamps in order', async () => {
    const token = await freshOffice();
    const rep = await core.ok('users.create', { username: 'rep', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, token);
    await core.ok('users.update', { id: rep.id, displayName: 'Rep', role: 'read_only' }, token);
    const last = core.services.db.prepare("SELECT data, hlc, device_id FROM change_log WHERE row_id = ? ORDER BY seq").all(rep.id) as {
      data: string;
      hlc: string;
      device_id: string;
    }[];
    expect(last).toHaveLength(2);
    expect(Object.keys(JSON.parse(last[1]!.data)).sort()).toEqual(['role', 'updated_at', 'updated_by']);
    expect(last[1]!.hlc > last[0]!.hlc).toBe(true);
    expect(last[1]!.device_id).toBe(core.services.deviceId);
  });

  it('a failed call leaves no change-log entry behind', async () => {
    const token = await freshOffice();
    const before = snapshot(core);
    await core.call('users.create', { username: 'admin', displayName: 'Dup', password: 'password-1234', role: 'sales_rep' }, token);
    expect(snapshot(core)).toEqual(before);
  });
});
