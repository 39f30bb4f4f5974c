import { afterEach, describe, expect, it } from 'vitest';
import { users, settings } from '../../../src-main/core/db/schema';
import { SCHEMA_VERSION } from '../../../src-main/core/db/migrate';
import { applyBatch } from '../../../src-main/core/sync/merge';
import { readBatch } from '../../../src-main/core/sync/exchange';
import { makeTestCore, setUpOffice, type TestCore } from '../../helpers/core';
import { canonicalDump, pull, writeOn } from './helpers';

const cores: TestCore[] = [];
afterEach(() => {
  while (cores.length) cores.pop()!.dispose();
});
function core(now?: () => number): TestCore {
  const c = makeTestCore({ now });
  cores.push(c);
  return c;
}

async function pair(): Promise<[TestCore, TestCore, string]> {
  const a = core();
  const b = core();
  await setUpOffice(a);
  await pull(b, a);
  const adminId = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
  return [a, b, adminId];
}

function conflicts(c: TestCore) {
  return c.services.db.prepare('SELECT tbl, col, kind, lost_value AS lost, won_value AS won FROM sync_conflicts ORDER BY id').all();
}

describe('merge engine', () => {
  it('copies a whole office to an empty device, and the copy can sign in', async () => {
    const [a, b] = await pair();
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    const session = await b.ok('auth.login', { username: 'admin', password: 'correct horse battery' });
    expect(session.user.role).toBe('administrator');
  });

  it('keeps concurrent edits of different fields of one row', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'A name' }));
    writeOn(b, (w) => w.update(users, id, { theme: 'dark' }));
    await pull(a, b);
    await pull(b, a);
    const row = a.services.db.prepare('SELECT display_name, theme FROM users WHERE id = ?').get(id);
    expect(row).toEqual({ display_name: 'A name', theme: 'dark' });
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(conflicts(a)).toEqual([]);
    expect(conflicts(b)).toEqual([]);
  });

  it('resolves a concurrent edit of one field by the later stamp and keeps the loser as a conflict on both sides', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'first' }));
    writeOn(b, (w) => w.update(users, id, { displayName: 'second' }));
    await pull(a, b);
    await pull(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    const winner = (a.services.db.prepare('SELECT display_name AS n FROM users WHERE id = ?').get(id) as { n: string }).n;
    // Both wrote in the same millisecond or B later: the greater stamp (time, counter, device id) wins.
    const stampOf = (c: TestCore) =>
      (c.services.db.prepare('SELECT max(hlc) AS h FROM change_log WHERE device_id = ?').get(c.services.deviceId) as { h: string }).h;
    const [won, lost] = stampOf(a) > stampOf(b) ? ['first', 'second'] : ['second', 'first'];
    expect(winner).toBe(won);
    const expected = [{ tbl: 'users', col: 'display_name', kind: 'field', lost: JSON.stringify(lost), won: JSON.stringify(won) }];
    expect(conflicts(a)).toEqual(expected);
    expect(conflicts(b)).toEqual(expected);
  });

  it('does not call a later, informed edit a conflict', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'one' }));
    await pull(b, a);
    writeOn(b, (w) => w.update(users, id, { displayName: 'two' }));
    await pull(a, b);
    expect((a.services.db.prepare('SELECT display_name AS n FROM users WHERE id = ?').get(id) as { n: string }).n).toBe('two');
    expect(conflicts(a)).toEqual([]);
  });

  it('lets a purge win over a concurrent edit, records the lost edit, and converges', async () => {
    const [a, b] = await pair();
    const row = writeOn(a, (w) => w.insert(settings, { id: 'custom.key', value: '"x"' }));
    await pull(b, a);
    writeOn(a, (w) => w.purge(settings, row.id));
    writeOn(b, (w) => w.update(settings, row.id, { value: '"edited"' }));
    await pull(a, b);
    await pull(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare("SELECT * FROM settings WHERE id = 'custom.key'").get()).toBeUndefined();
    expect(conflicts(a)).toEqual([{ tbl: 'settings', col: 'value', kind: 'purged', lost: JSON.stringify('"edited"'), won: null }]);
    expect(conflicts(b)).toEqual([{ tbl: 'settings', col: 'value', kind: 'purged', lost: JSON.stringify('"edited"'), won: null }]);
  });

  it('merges soft delete as a field: a concurrent edit of another field survives it', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.softDelete(users, id));
    writeOn(b, (w) => w.update(users, id, { theme: 'light' }));
    await pull(a, b);
    await pull(b, a);
    const row = b.services.db.prepare('SELECT deleted_at, theme FROM users WHERE id = ?').get(id) as { deleted_at: number; theme: string };
    expect(row.deleted_at).toBeGreaterThan(0);
    expect(row.theme).toBe('light');
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });

  it('ignores a batch it has already applied and relays entries to a third device', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'relayed' }));
    const batch = readBatch(a.services, 0, 10_000);
    applyBatch(b.services, batch);
    const before = canonicalDump(b);
    const logBefore = b.services.db.prepare('SELECT count(*) AS n FROM change_log').get();
    const again = applyBatch(b.services, batch);
    expect(again.applied).toBe(0);
    expect(again.duplicates).toBe(batch.entries.length);
    expect(canonicalDump(b)).toEqual(before);
    expect(b.services.db.prepare('SELECT count(*) AS n FROM change_log').get()).toEqual(logBefore);
    const c = core();
    await pull(c, b);
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
    const stamps = (x: TestCore) => x.services.db.prepare('SELECT hlc, device_id FROM change_log ORDER BY hlc').all();
    expect(stamps(c)).toEqual(stamps(a));
  });

  it('resolves one username created on two desktops offline the same way everywhere: the first created keeps it', async () => {
    const [a, b] = await pair();
    const bobA = writeOn(a, (w) => w.insert(users, { username: 'bob', displayName: 'Bob on A', role: 'sales_rep', passwordHash: 'x' }));
    const bobB = writeOn(b, (w) => w.insert(users, { username: 'bob', displayName: 'Bob on B', role: 'read_only', passwordHash: 'y' }));
    await pull(a, b);
    await pull(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    const bobs = a.services.db.prepare("SELECT id, display_name AS name FROM users WHERE username = 'bob'").all();
    const created = (id: string) =>
      (a.services.db.prepare("SELECT hlc FROM change_log WHERE row_id = ? AND op = 'insert'").get(id) as { hlc: string }).hlc;
    const first = created(bobA.id) < created(bobB.id) ? bobA : bobB;
    expect(bobs).toHaveLength(1);
    expect((bobs[0] as { id: string }).id).toBe(first.id);
    const kept = bobs[0] as { id: string; name: string };
    const other = kept.id === bobA.id ? bobB : bobA;
    // The row set aside is listed as a conflict on both desktops, never silently dropped.
    for (const c of [a, b]) {
      expect(c.services.db.prepare('SELECT row_id AS rowId, col FROM sync_conflicts').all()).toEqual([{ rowId: other.id, col: 'username' }]);
      expect(c.services.db.prepare('SELECT count(*) AS n FROM sync_pending WHERE row_id = ?').get(other.id)).toEqual({ n: 1 });
    }
  });

  it('refuses a batch from a newer schema and changes nothing', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'from the future' }));
    const batch = { ...readBatch(a.services, 0, 10_000), schemaVersion: SCHEMA_VERSION + 1 };
    const before = canonicalDump(b);
    expect(() => applyBatch(b.services, batch)).toThrowError(expect.objectContaining({ messageKey: 'sync.errors.peer_newer' }));
    expect(canonicalDump(b)).toEqual(before);
  });

  it('refuses a peer whose clock is absurdly far ahead and keeps its own clock sane', async () => {
    let skew = 0;
    const a = core(() => Date.now() + skew);
    const b = core();
    await setUpOffice(a);
    skew = 3 * 24 * 3600 * 1000;
    const id = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(a, (w) => w.update(users, id, { displayName: 'ahead' }));
    const before = canonicalDump(b);
    const clockBefore = b.services.clock.current();
    await expect(pull(b, a)).rejects.toMatchObject({ messageKey: 'sync.errors.clock_ahead' });
    expect(canonicalDump(b)).toEqual(before);
    expect(b.services.clock.current()).toBe(clockBefore);
  });

  it('rejects a malformed or forged batch as a whole', async () => {
    const [a, b, id] = await pair();
    writeOn(a, (w) => w.update(users, id, { displayName: 'x' }));
    const batch = readBatch(a.services, 0, 10_000);
    const before = canonicalDump(b);
    const forged = { ...batch, entries: batch.entries.map((e, i) => (i === 0 ? { ...e, device: 'someone-else' } : e)) };
    expect(() => applyBatch(b.services, forged)).toThrowError(expect.objectContaining({ messageKey: 'sync.errors.bad_batch' }));
    const bad = { ...batch, entries: [...batch.entries, { ...batch.entries[0]!, hlc: '999.1.x', data: 'nope' }] };
    expect(() => applyBatch(b.services, bad)).toThrowError(expect.objectContaining({ messageKey: 'sync.errors.bad_batch' }));
    expect(canonicalDump(b)).toEqual(before);
  });
});
