import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncRemovedDevices, users } from '../../../src-main/core/db/schema';
import { migrate } from '../../../src-main/core/db/migrate';
import { migrations } from '../../../src-main/core/db/migrations';
import { openDatabase } from '../../../src-main/core/db/connection';
import { collectFromFolder, listBatchFiles, openBatchFile, syncWithFolder } from '../../../src-main/core/sync/folder';
import { createOffice, epochOf, writeMeta, FIRST_EPOCH, heldKeys, newestEpoch, officeIdentity, type OfficeIdentity } from '../../../src-main/core/sync/identity';
import { maintainOfficeKeys, receiveKeys, rotationDue } from '../../../src-main/core/sync/keys';
import { getPeer, isRemovedDevice, removalStamps } from '../../../src-main/core/sync/peers';
import { rejoinOffice } from '../../../src-main/core/sync/rejoin';
import { joinOffice, syncWithPeer, type SyncServer } from '../../../src-main/core/sync/tls';
import { setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, loopbackServers, syncingCores, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cores = syncingCores();
const servers = loopbackServers();
afterEach(async () => {
  await servers.stop();
  await cores.dispose();
});

const identity = (x: TestCore) => officeIdentity(x.services.db, x.services.deviceId)!;
const newest = (x: TestCore) => newestEpoch(heldKeys(x.services.db));
const adminIdOf = (x: TestCore) => (x.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;

/** `joiner` pairs with `host` (whose server is `hostServer`). */
async function pair(joiner: TestCore, host: { server: SyncServer; port: number }) {
  await joinOffice(joiner.services, { host: HOST, port: host.port, code: host.server.openPairing().code, deviceName: joiner.services.deviceId });
}

/**
 * An office on loopback: A set up, every other desktop paired with A; `also`
 * lists further pairings [joiner, host]. Everyone syncs with A once.
 */
async function office(n: number, also: [number, number][] = []) {
  const xs = Array.from({ length: n }, () => cores.make());
  const a = xs[0]!;
  const admin = await setUpOffice(a);
  createOffice(a.services.db, a.services.deviceId);
  const hosts = new Map<TestCore, { server: SyncServer; port: number }>();
  const hostOf = async (x: TestCore) => hosts.get(x) ?? hosts.set(x, await servers.start(x)).get(x)!;
  for (const x of xs.slice(1)) await pair(x, await hostOf(a));
  for (const [j, h] of also) await pair(xs[j]!, await hostOf(xs[h]!));
  const sync = async (from: TestCore, to: TestCore) =>
    syncWithPeer(from.services, getPeer(from.services.db, to.services.deviceId)!, { host: HOST, port: (await hostOf(to)).port });
  for (const x of xs.slice(1)) await sync(x, a);
  return { xs, admin, sync, folder: tempDir('harbor-share-'), hostOf };
}

const round = async (folder: string, ...xs: TestCore[]) => {
  for (const x of xs) await syncWithFolder(x.services, identity(x), folder);
};

/** Every batch file of the folder with whether `reader` (with the keys it holds) opens it, oldest first per writer. */
async function filesAsSeenBy(reader: Pick<OfficeIdentity, 'officeId' | 'keys'>, folder: string) {
  const officeDir = join(folder, reader.officeId);
  const out: { dir: string; file: string; epoch: string; opens: boolean; entries: { hlc: string; tbl: string }[] }[] = [];
  for (const dir of readdirSync(officeDir).filter((d) => /^[A-Za-z0-9_-]+(~\d+)?$/.test(d))) {
    for (const f of listBatchFiles(join(officeDir, dir))) {
      const bytes = readFileSync(join(officeDir, dir, f.file));
      const batch = await openBatchFile(reader, dir.split('~')[0]!, dir, f, bytes);
      out.push({ dir, file: f.file, epoch: epochOf(bytes), opens: batch !== null, entries: batch?.entries ?? [] });
    }
  }
  return out;
}

/** What the removed desktop (its keys) can open in the folder holds nothing written after its removal but the new keys' sealed copies. */
async function nothingNewFor(removed: Pick<OfficeIdentity, 'officeId' | 'keys'>, folder: string, removalStamp: string) {
  for (const f of (await filesAsSeenBy(removed, folder)).filter((x) => x.opens)) {
    expect(f.entries.filter((e) => e.hlc > removalStamp && e.tbl !== 'sync_office_keys')).toEqual([]);
  }
}
const removalOf = (x: TestCore, device: string) => removalStamps(x.services.db).get(device)!;

describe('office key rotation after a removal', () => {
  it('A removes C: A and B go on through the folder under a new key C cannot open; C still opens what came before', async () => {
    const { xs, admin, folder } = await office(3, [[1, 2]]);
    const [a, b, c] = xs as [TestCore, TestCore, TestCore];
    const adminId = adminIdOf(a);
    // Everyone uses the folder under the first key.
    await round(folder, a, b, c, a, b);
    const oldKeys = { officeId: identity(c).officeId, keys: new Map(identity(c).keys) };
    const before = await filesAsSeenBy(oldKeys, folder);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((f) => f.epoch === FIRST_EPOCH && f.opens)).toBe(true);

    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    const epoch = newest(a);
    expect(epoch).not.toBe(FIRST_EPOCH);
    // The new key is in the synced table only sealed: to A and B, not to C, and never in clear.
    const rows = a.services.db.prepare('SELECT device_id AS device, sealed FROM sync_office_keys WHERE epoch = ?').all(epoch) as { device: string; sealed: string }[];
    expect(rows.map((r) => r.device).sort()).toEqual([a.services.deviceId, b.services.deviceId].sort());
    const hex = heldKeys(a.services.db).get(epoch)!.toString('hex');
    const b64 = heldKeys(a.services.db).get(epoch)!.toString('base64');
    const logText = JSON.stringify(a.services.db.prepare('SELECT data FROM change_log').all());
    expect(logText.includes(hex) || logText.includes(b64)).toBe(false);

    // Only through the folder from now on: A writes, B reads and writes, A reads.
    writeOn(a, (w) => w.update(users, adminId, { displayName: 'after the removal, from A' }));
    await round(folder, a);
    // C reads the folder at once: it learns its removal (in a file under the old key), not what A wrote after it.
    await collectFromFolder(c.services, identity(c), folder);
    expect(isRemovedDevice(c.services.db, { deviceId: c.services.deviceId })).toBe(true);
    expect(c.services.db.prepare('SELECT display_name AS name FROM users WHERE id = ?').get(adminId)).not.toEqual({ name: 'after the removal, from A' });
    await round(folder, b);
    expect(newest(b)).toBe(epoch);
    writeOn(b, (w) => w.update(users, adminId, { theme: 'dark' }));
    await round(folder, b, a, b);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT display_name AS name, theme FROM users WHERE id = ?').get(adminId)).toEqual({
      name: 'after the removal, from A',
      theme: 'dark',
    });

    // The folder now holds files under the new key from both A and B; C, with the keys and the folder it has,
    // opens every file from before the rotation and none under the new key.
    const after = await filesAsSeenBy({ officeId: identity(c).officeId, keys: heldKeys(c.services.db) }, folder);
    const fresh = after.filter((f) => !before.some((o) => o.dir === f.dir && o.file === f.file));
    const sealedNew = fresh.filter((f) => f.epoch === epoch);
    expect(new Set(sealedNew.map((f) => f.dir))).toEqual(new Set([a.services.deviceId, b.services.deviceId]));
    for (const f of sealedNew) expect(f.opens).toBe(false);
    for (const f of after.filter((f) => f.epoch === FIRST_EPOCH)) expect(f.opens).toBe(true);
    await nothingNewFor(oldKeys, folder, removalOf(a, c.services.deviceId));
    // What came under the new key never reaches C.
    await collectFromFolder(c.services, identity(c), folder);
    expect(c.services.db.prepare('SELECT display_name AS name, theme FROM users WHERE id = ?').get(adminId)).not.toEqual({
      name: 'after the removal, from A',
      theme: 'dark',
    });
    expect(c.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).not.toEqual({ theme: 'dark' });
    // Nor does a round of its own give C a key, or make it write under one.
    maintainOfficeKeys(c.services);
    expect(newest(c)).toBe(FIRST_EPOCH);
    // A and B hold both keys: the old files still open for them.
    for (const x of [a, b]) expect((await filesAsSeenBy(identity(x), folder)).every((f) => f.opens)).toBe(true);
  });

  it('two desktops removing two others concurrently end on one newest key that neither removed desktop holds', async () => {
    // A, B, C, D: all paired with A; B also with C and D.
    const { xs, admin, folder, sync } = await office(4, [
      [2, 1],
      [3, 1],
    ]);
    const [a, b, c, d] = xs as [TestCore, TestCore, TestCore, TestCore];
    const adminB = (await b.ok('auth.login', { username: 'admin', password: 'correct horse battery' })).token;
    await round(folder, a, b);
    // Neither has heard of the other's removal.
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    await b.ok('sync.unpair', { deviceId: d.services.deviceId }, adminB);
    expect(newest(a)).not.toBe(newest(b));
    const adminId = adminIdOf(a);
    writeOn(a, (w) => w.update(users, adminId, { displayName: 'A, in between' }));
    writeOn(b, (w) => w.update(users, adminId, { language: 'en' }));
    // They meet: directly and through the folder, a few rounds.
    for (let i = 0; i < 3; i++) {
      await sync(b, a);
      await round(folder, a, b);
    }
    expect(newest(a)).toBe(newest(b));
    const epoch = newest(a);
    for (const x of [a, b]) {
      expect(rotationDue(x.services.db)).toBe(false);
      expect(isRemovedDevice(x.services.db, { deviceId: c.services.deviceId })).toBe(true);
      expect(isRemovedDevice(x.services.db, { deviceId: d.services.deviceId })).toBe(true);
      const to = x.services.db.prepare('SELECT DISTINCT device_id AS d FROM sync_office_keys WHERE epoch = ?').pluck().all(epoch);
      expect(to.sort()).toEqual([a.services.deviceId, b.services.deviceId].sort());
    }
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT display_name AS name, language FROM users WHERE id = ?').get(adminId)).toEqual({ name: 'A, in between', language: 'en' });
    // Whatever either wrote in between (under any of the keys) opens for both; the removed ones take no key.
    for (const x of [a, b]) expect((await filesAsSeenBy(identity(x), folder)).every((f) => f.opens)).toBe(true);
    for (const x of [c, d]) {
      expect(receiveKeys(x.services)).toBe(0);
      expect(heldKeys(x.services.db).has(epoch)).toBe(false);
      await nothingNewFor(identity(x), folder, removalOf(a, x.services.deviceId));
    }
  });

  it('a desktop that joins after the rotation receives the keys at pairing and syncs through the folder under the new one', async () => {
    const { xs, admin, folder, hostOf } = await office(3);
    const [a, b, c] = xs as [TestCore, TestCore, TestCore];
    const adminId = adminIdOf(a);
    await round(folder, a, b);
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    writeOn(a, (w) => w.update(users, adminId, { displayName: 'after the removal' }));
    await round(folder, a, b, a);
    const epoch = newest(a);
    expect((await filesAsSeenBy({ officeId: identity(a).officeId, keys: heldKeys(c.services.db) }, folder)).some((f) => !f.opens)).toBe(true);

    const e = cores.make();
    await pair(e, await hostOf(a));
    expect([...heldKeys(e.services.db).keys()].sort()).toEqual([...heldKeys(a.services.db).keys()].sort());
    expect(newest(e)).toBe(epoch);
    // Its first exchange with A brings what the folder no longer holds (see folder.ts); from then on the folder
    // alone: what B writes reaches it, what it writes reaches A and B, all under the new key.
    await syncWithPeer(e.services, getPeer(e.services.db, a.services.deviceId)!, { host: HOST, port: (await hostOf(a)).port });
    writeOn(b, (w) => w.update(users, adminId, { language: 'en' }));
    await round(folder, b, e);
    expect(e.services.db.prepare('SELECT language FROM users WHERE id = ?').get(adminId)).toEqual({ language: 'en' });
    for (const f of await filesAsSeenBy(identity(e), folder)) expect(f.opens).toBe(true);
    writeOn(e, (w) => w.update(users, adminId, { theme: 'dark' }));
    await round(folder, e, a, b);
    const ofE = (await filesAsSeenBy(identity(a), folder)).filter((f) => f.dir === e.services.deviceId);
    expect(ofE.length).toBeGreaterThan(0);
    expect(ofE.at(-1)!.epoch).toBe(epoch);
    await nothingNewFor({ officeId: identity(c).officeId, keys: heldKeys(c.services.db) }, folder, removalOf(a, c.services.deviceId));
    await round(folder, a, b, e, a, b);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(canonicalDump(e)).toEqual(canonicalDump(a));
    expect(b.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).toEqual({ theme: 'dark' });
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });

  it('a removed desktop let back in receives the keys made while it was out, and opens the files sealed under them', async () => {
    const { xs, admin, folder, hostOf, sync } = await office(3);
    const [a, b, c] = xs as [TestCore, TestCore, TestCore];
    const adminId = adminIdOf(a);
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    writeOn(a, (w) => w.update(users, adminId, { displayName: 'while C was out' }));
    await round(folder, a, b);
    const epoch = newest(a);
    expect((await filesAsSeenBy(identity(c), folder)).filter((f) => f.epoch === epoch).every((f) => !f.opens)).toBe(true);

    // C is told by A (as its sync service would be), then joins again.
    await expect(sync(c, a)).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    writeMeta(c.services.db, 'removed_at', String(c.services.now()));
    const host = await hostOf(a);
    await rejoinOffice(c.services, { host: HOST, port: host.port, code: host.server.openPairing().code, deviceName: 'C again' });
    expect(newest(c)).toBe(epoch);
    const seen = await filesAsSeenBy(identity(c), folder);
    expect(seen.some((f) => f.epoch === epoch)).toBe(true);
    expect(seen.every((f) => f.opens)).toBe(true);
    // No new rotation is due for it: the removal named its old identity, which has no copy of the newest key.
    expect(rotationDue(c.services.db)).toBe(false);
    expect(maintainOfficeKeys(c.services)).toBe(true);
    expect(newest(c)).toBe(epoch);
  });

  it('a key sealed to a desktop is taken only when signed by itself or an active peer', async () => {
    const { xs, admin } = await office(3, [[1, 2]]);
    const [a, b, c] = xs as [TestCore, TestCore, TestCore];
    // C, not yet removed, seals its own key to B; then the office removes C: B no longer takes C's copies.
    maintainOfficeKeys(c.services);
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    const epoch = newest(a);
    // A copy of A's key row for B, re-signed by C (as a removed desktop could plant through the folder), is refused.
    const row = a.services.db.prepare('SELECT * FROM sync_office_keys WHERE epoch = ? AND device_id = ?').get(epoch, b.services.deviceId) as Record<string, unknown>;
    b.services.db
      .prepare('INSERT INTO sync_office_keys (id, created_at, updated_at, epoch, device_id, signer, sealed, signature) VALUES (?, 1, 1, ?, ?, ?, ?, ?)')
      .run(`${epoch}|${b.services.deviceId}|forged`, epoch, b.services.deviceId, a.services.deviceId, row.sealed, Buffer.alloc(256, 1).toString('base64'));
    b.services.db
      .prepare('INSERT INTO sync_office_keys (id, created_at, updated_at, epoch, device_id, signer, sealed, signature) VALUES (?, 1, 1, ?, ?, ?, ?, ?)')
      .run(`${epoch}|${b.services.deviceId}|c`, epoch, b.services.deviceId, c.services.deviceId, row.sealed, row.signature);
    expect(receiveKeys(b.services)).toBe(0);
    // The real row, signed by A, is taken.
    b.services.db
      .prepare('INSERT INTO sync_office_keys (id, created_at, updated_at, epoch, device_id, signer, sealed, signature) VALUES (?, 1, 1, ?, ?, ?, ?, ?)')
      .run(row.id, epoch, b.services.deviceId, a.services.deviceId, row.sealed, row.signature);
    expect(receiveKeys(b.services)).toBe(1);
    expect(heldKeys(b.services.db).get(epoch)).toEqual(heldKeys(a.services.db).get(epoch));
  });
});

describe('migration to version 10 (office keys)', () => {
  it('an office that removed a desktop before the upgrade gets a new key at its first round after it', async () => {
    const dir = tempDir();
    const file = join(dir, 'harbor.db');
    const db = openDatabase({ file, key: Buffer.alloc(32, 6) });
    migrate(db, file, migrations.slice(0, 9));
    db.prepare(
      "INSERT INTO sync_removed_devices (id, created_at, updated_at, name, fingerprint) VALUES ('old-desktop', 1, 1, 'Front desk', 'ab')",
    ).run();
    db.prepare(
      "INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data) VALUES ('000000000000001.000000.here', 'here', 'sync_removed_devices', 'old-desktop', 'insert', '{}')",
    ).run();
    migrate(db, file);
    expect(db.prepare('SELECT count(*) AS n FROM sync_removed_devices').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM sync_office_keys').get()).toEqual({ n: 0 });
    db.close();

    const x = cores.make();
    await setUpOffice(x);
    createOffice(x.services.db, x.services.deviceId);
    writeOn(x, (w) => w.insertRaw(syncRemovedDevices, { id: 'old-desktop', name: 'Front desk', fingerprint: 'ab' }));
    expect(rotationDue(x.services.db)).toBe(true);
    expect(maintainOfficeKeys(x.services)).toBe(true);
    expect(newest(x)).not.toBe(FIRST_EPOCH);
    expect(rotationDue(x.services.db)).toBe(false);
  });
});
