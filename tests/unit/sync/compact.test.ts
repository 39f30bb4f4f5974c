import { afterEach, describe, expect, it } from 'vitest';
import { syncRemovedDevices, users } from '../../../src-main/core/db/schema';
import { compactionHorizon, compactLog } from '../../../src-main/core/sync/compact';
import { readBatch } from '../../../src-main/core/sync/exchange';
import { applyBatch, setCursor, withdrawAfterRemoval } from '../../../src-main/core/sync/merge';
import { addPeer, removalStamps } from '../../../src-main/core/sync/peers';
import { ADMIN, makeTestCore, setUpOffice, type TestCore } from '../../helpers/core';
import { canonicalDump, pull, writeOn } from './helpers';

const cores: TestCore[] = [];
afterEach(() => {
  while (cores.length) cores.pop()!.dispose();
});
function core(): TestCore {
  const c = makeTestCore();
  cores.push(c);
  return c;
}
const count = (c: TestCore, sql: string) => (c.services.db.prepare(sql).get() as { n: number }).n;

describe('change-log compaction', () => {
  it('keeps the whole history of customer records: their timeline still shows every change, old and new', async () => {
    const a = core();
    const token = await setUpOffice(a);
    const created = await a.ok('contacts.create', { familyName: '陈', givenName: '静', title: '经理', force: true }, token);
    if (!created.saved) throw new Error('not saved');
    const contact = created.record;
    for (const title of ['总监', '总经理', '董事']) await a.ok('contacts.update', { id: contact.id, title }, token);
    const user = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    for (let i = 0; i < 3; i++) writeOn(a, (w) => w.update(users, user, { displayName: `name ${i}` }));
    const contactEntries = "SELECT count(*) AS n FROM change_log WHERE tbl = 'contacts'";
    const before = count(a, contactEntries);
    const result = compactLog(a.services, { settledMs: 0 });
    // The user's overwritten names go; the contact's history stays whole.
    expect(result.removed).toBe(2);
    expect(count(a, contactEntries)).toBe(before);
    const changes = (await a.ok('customers.timeline', { kind: 'contact', id: contact.id }, token)).filter((e) => e.kind === 'changed' && e.field === 'title');
    expect(changes.map((e) => [e.from, e.to])).toEqual([
      ['总经理', '董事'],
      ['总监', '总经理'],
      ['经理', '总监'],
    ]);
  });

  it('touches only what every paired desktop has, keeps the rows, and recognises compacted entries relayed later', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    const id = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    for (let i = 0; i < 30; i++) writeOn(a, (w) => w.update(users, id, { displayName: `name ${i}`, theme: i % 2 ? 'dark' : 'light' }));
    await pull(b, a);
    addPeer(a.services.db, { deviceId: b.services.deviceId, name: 'B', fingerprint: 'f'.repeat(64), certPem: '-', address: null }, Date.now());
    // B has acknowledged nothing yet: nothing may go.
    expect(compactionHorizon(a.services.db)).toBe(0);
    const before = canonicalDump(a);
    expect(compactLog(a.services, { settledMs: 0 })).toMatchObject({ removed: 0, rewritten: 0 });
    const head = count(a, 'SELECT max(seq) AS n FROM change_log');
    setCursor(a.services.db, `ack:${b.services.deviceId}`, head, Date.now());
    const logBefore = count(a, 'SELECT count(*) AS n FROM change_log');
    const result = compactLog(a.services, { settledMs: 0 });
    expect(result.removed).toBe(29);
    expect(count(a, 'SELECT count(*) AS n FROM change_log')).toBe(logBefore - 29);
    expect(count(a, 'SELECT count(*) AS n FROM sync_compacted')).toBe(29);
    expect(canonicalDump(a)).toEqual(before);
    expect(compactLog(a.services, { settledMs: 0 })).toMatchObject({ removed: 0, rewritten: 0 });

    // B relays its full copy back: every entry is recognised, nothing grows back.
    const relayed = applyBatch(a.services, readBatch(b.services, 0, 100_000));
    expect(relayed.applied).toBe(0);
    expect(count(a, 'SELECT count(*) AS n FROM change_log')).toBe(logBefore - 29);
    // A desktop that joins later rebuilds the same office from the compacted log.
    const c = core();
    await pull(c, a);
    expect(canonicalDump(c)).toEqual(before);
    // An edit made on B after all this still wins everywhere, without a false conflict.
    writeOn(b, (w) => w.update(users, id, { displayName: 'after compaction' }));
    await pull(a, b);
    expect(canonicalDump(a)).toEqual(canonicalDump(b));
    expect(count(a, 'SELECT count(*) AS n FROM sync_conflicts')).toBe(0);
  });

  it('keeps what a fresh entry overwrote: the entry may still be withdrawn by a removal that arrives late', async () => {
    const a = core();
    await setUpOffice(a);
    const [b, late, c] = [core(), core(), core()];
    for (const x of [b, late, c]) await pull(x, a);
    const id = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    // A removes C; C, not knowing, overwrites a field; B and \`late\` take it from C before they hear of the removal.
    writeOn(a, (w) => {
      w.insertRaw(syncRemovedDevices, { id: c.services.deviceId, name: 'C', fingerprint: 'f'.repeat(64) });
      withdrawAfterRemoval(a.services, c.services.deviceId, removalStamps(a.services.db).get(c.services.deviceId)!);
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    writeOn(c, (w) => w.update(users, id, { displayName: 'written by C after its removal' }));
    await pull(b, c);
    await pull(late, c);
    // Both compact everything they hold: B as it does (fresh entries settle first), \`late\` as if C's entry had settled.
    compactLog(b.services);
    compactLog(late.services, { settledMs: 0 });
    // Then the removal arrives and C's entry is withdrawn: B falls back to the value under it, as A has it.
    await pull(b, a);
    await pull(late, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(b.services.db.prepare('SELECT display_name AS n FROM users WHERE id = ?').get(id)).toEqual({ n: ADMIN.displayName });
    // Compacting under an unsettled entry had lost that value for good.
    expect(canonicalDump(late)).not.toEqual(canonicalDump(a));
  });
});
