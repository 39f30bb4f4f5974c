import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src-main/core/db/schema';
import { syncServiceFor } from '../../../src-main/core/sync/service';
import { ADMIN, setUpOffice, userWithRole, type TestCore } from '../../helpers/core';
import { canonicalDump, pull, syncingCores, writeOn } from './helpers';

const cores = syncingCores();
afterEach(() => cores.dispose());
const core = (): TestCore => cores.make();

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('sync methods through the dispatcher', () => {
  it('pairs a new desktop by code, which then receives the office in the background and can sign in', async () => {
    const a = core();
    const b = core();
    const admin = await setUpOffice(a);
    expect((await a.ok('sync.status', {}, admin)).enabled).toBe(false);
    const window = await a.ok('sync.pair.start', { deviceName: '前台' }, admin);
    expect(window.code).toMatch(/^\d{8}$/);
    expect(window.expiresAt - Date.now()).toBeGreaterThan(9 * 60 * 1000);
    const joined = await b.ok('sync.join', { host: '127.0.0.1', port: window.port, code: window.code, deviceName: '后台' });
    expect(joined.peerName).toBe('前台');
    await until(() => (b.services.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n > 0, 'office data');
    await until(() => syncServiceFor(b.services).state === 'idle', 'round end');
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    const onB = await b.ok('auth.login', { username: ADMIN.username, password: ADMIN.password });
    const status = await b.ok('sync.status', {}, onB.token);
    expect(status).toMatchObject({ enabled: true, state: 'idle', peers: 1, deviceName: '后台' });
    expect(status.lastSyncAt).not.toBeNull();
    const peers = await a.ok('sync.peers', {}, admin);
    expect(peers).toEqual([expect.objectContaining({ deviceId: b.services.deviceId, name: '后台', pending: 0 })]);
    // A joined desktop cannot join again, and a set-up one never joins.
    const again = await a.call('sync.join', { host: '127.0.0.1', port: window.port, code: '12345678', deviceName: 'x' });
    expect(again).toMatchObject({ ok: false, error: { code: 'ALREADY_SET_UP', messageKey: 'sync.errors.join_set_up' } });
    // A change on B reaches A by the background round it triggers.
    await b.ok('settings.update', { officeName: '海港贸易(新)' }, onB.token);
    syncServiceFor(b.services).requestSync(0);
    await until(() => (a.services.db.prepare("SELECT value FROM settings WHERE id = 'officeName'").get() as { value: string }).value.includes('新'), 'change on A');
    // Removing B: its next round is refused, and B is told it was removed from the office.
    await a.ok('sync.unpair', { deviceId: b.services.deviceId }, admin);
    // The first await may join a round that started before the removal; the second is a round after it.
    await syncServiceFor(b.services).runRound();
    await syncServiceFor(b.services).runRound();
    expect(syncServiceFor(b.services).lastError).toEqual({ messageKey: 'sync.errors.device_removed' });
    await until(() => syncServiceFor(b.services).state === 'error', 'error state');
  });

  it('lists conflicts to readers of the table, lets only writers restore, and a restore is a new edit', async () => {
    const a = core();
    const b = core();
    const admin = await setUpOffice(a);
    await pull(b, a);
    const id = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(a, (w) => w.update(users, id, { displayName: 'Alpha' }));
    writeOn(b, (w) => w.update(users, id, { displayName: 'Bravo' }));
    await pull(a, b);
    const list = await a.ok('sync.conflicts.list', {}, admin);
    expect(list).toHaveLength(1);
    const c = list[0]!;
    expect(c).toMatchObject({ table: 'users', rowId: id, column: 'display_name', kind: 'field', restorable: true, hidden: false });
    const current = (a.services.db.prepare('SELECT display_name AS n FROM users WHERE id = ?').get(id) as { n: string }).n;
    expect(c.wonValue).toBe(current);
    expect([c.lostValue, c.wonValue].sort()).toEqual(['Alpha', 'Bravo']);

    const reader = await userWithRole(a, admin, 'read_only');
    const seen = await a.ok('sync.conflicts.list', {}, reader);
    expect(seen.map((x) => x.id)).toEqual([c.id]);
    expect(seen[0]!.restorable).toBe(false);
    expect(await a.call('sync.conflicts.restore', { id: c.id }, reader)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const before = (a.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;
    await a.ok('sync.conflicts.restore', { id: c.id }, admin);
    expect((a.services.db.prepare('SELECT display_name AS n FROM users WHERE id = ?').get(id) as { n: string }).n).toBe(c.lostValue);
    expect((a.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n).toBe(before + 1);
    expect(await a.ok('sync.conflicts.list', {}, admin)).toEqual([]);
    expect(await a.call('sync.conflicts.restore', { id: c.id }, admin)).toMatchObject({ ok: false, error: { messageKey: 'sync.errors.not_restorable' } });
    // The restore travels like any edit and wins on B too.
    await pull(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });
});
