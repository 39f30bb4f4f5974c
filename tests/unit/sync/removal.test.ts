import { createServer, type Server } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src-main/core/db/schema';
import { collectFromFolder, publishToFolder } from '../../../src-main/core/sync/folder';
import { deviceCertificate, officeIdentity, readMeta, writeMeta } from '../../../src-main/core/sync/identity';
import { getPeer, isRemovedDevice, listPeers, notePeerContact } from '../../../src-main/core/sync/peers';
import { syncServiceFor } from '../../../src-main/core/sync/service';
import { connectTls, joinOffice, SyncServer, syncWithPeer } from '../../../src-main/core/sync/tls';
import { ADMIN, setUpOffice, snapshot, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, syncingCores, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cores = syncingCores();
const servers: SyncServer[] = [];
const plain: Server[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  while (plain.length) {
    const s = plain.pop()!;
    await new Promise((resolve) => s.close(resolve));
  }
  await cores.dispose();
});
const core = (): TestCore => cores.make();
/** Lets the wall clock move on, so a write made next is stamped after everything before it on any desktop. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
/** Entries of `device` in a desktop's change log, in order. */
const identity = (x: TestCore) => officeIdentity(x.services.db, x.services.deviceId)!;
const adminIdOf = (x: TestCore) => (x.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
const entriesBy = (x: TestCore, device: string) =>
  (x.services.db.prepare('SELECT hlc, data FROM change_log WHERE device_id = ? ORDER BY hlc').all(device) as { hlc: string; data: string }[]).map(
    (e) => JSON.parse(e.data) as Record<string, unknown>,
  );

async function serve(c: TestCore, name: string): Promise<{ server: SyncServer; port: number }> {
  const server = new SyncServer({ ctx: c.services, host: HOST, port: 0, deviceName: () => name });
  servers.push(server);
  return { server, port: await server.start() };
}

const TABLES = ['users', 'settings', 'change_log', 'sync_removed_devices', 'sync_peers', 'sync_cursors'];

/**
 * A, B and C of one office on loopback: B joined A, C joined A, then B also
 * paired with C. Everyone has everything.
 */
async function office() {
  const a = core();
  const b = core();
  const c = core();
  const admin = await setUpOffice(a);
  const { port: portA } = await a.ok('sync.pair.start', { deviceName: 'A' }, admin);
  // The service's server on A (started by pair.start) answers B and C.
  await joinOffice(b.services, { host: HOST, port: portA, code: (await a.ok('sync.pair.start', {}, admin)).code, deviceName: 'B' });
  await joinOffice(c.services, { host: HOST, port: portA, code: (await a.ok('sync.pair.start', {}, admin)).code, deviceName: 'C' });
  const { server: serverC, port: portC } = await serve(c, 'C');
  await joinOffice(b.services, { host: HOST, port: portC, code: serverC.openPairing().code, deviceName: 'B' });
  const { server: serverB, port: portB } = await serve(b, 'B');
  const ports = new Map([
    [a.services.deviceId, portA],
    [b.services.deviceId, portB],
    [c.services.deviceId, portC],
  ]);
  const sync = (from: TestCore, to: TestCore) =>
    syncWithPeer(from.services, getPeer(from.services.db, to.services.deviceId)!, { host: HOST, port: ports.get(to.services.deviceId)! });
  await sync(b, a);
  await sync(c, a);
  await sync(b, c);
  expect(canonicalDump(b)).toEqual(canonicalDump(a));
  expect(canonicalDump(c)).toEqual(canonicalDump(a));
  return { a, b, c, admin, sync, serverB, ports };
}

/** The office above after A removed C, with a shared folder to use. */
async function officeWithoutC() {
  const o = await office();
  await o.a.ok('sync.unpair', { deviceId: o.c.services.deviceId }, o.admin);
  return { ...o, folder: tempDir('harbor-share-'), adminId: adminIdOf(o.a) };
}

describe('removing a device from the office', () => {
  it('A removes C; B refuses C once it learned it from A; C is told and keeps nothing from the others', async () => {
    const { a, b, c, admin, sync } = await office();
    const adminId = adminIdOf(a);

    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    expect(isRemovedDevice(a.services.db, { deviceId: c.services.deviceId })).toBe(true);
    await expect(sync(c, a)).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });

    // B has not heard of it yet: C still syncs with B (trust follows what each desktop has learned).
    await tick();
    const themeBefore = b.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId);
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await sync(c, b);
    expect(b.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).toEqual({ theme: 'dark' });

    // A's removal travels to B with the office data, like any record; B withdraws what C wrote after it.
    await sync(b, a);
    expect(isRemovedDevice(b.services.db, { deviceId: c.services.deviceId })).toBe(true);
    expect(listPeers(b.services.db).map((p) => p.deviceId)).toEqual([a.services.deviceId]);
    expect(b.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).toEqual(themeBefore);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));

    writeOn(c, (w) => w.update(users, adminId, { displayName: 'written on C after its removal' }));
    const onB = snapshot(b, TABLES);
    await expect(sync(c, b)).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    expect(snapshot(b, TABLES)).toEqual(onB);
    // B does not call C either (no connection is even opened).
    await expect(sync(b, c)).rejects.toMatchObject({ messageKey: 'sync.errors.peer_removed' });

    // A and B still converge, without C's later change.
    writeOn(a, (w) => w.update(users, adminId, { language: 'en' }));
    await sync(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT display_name AS name FROM users WHERE id = ?').get(adminId)).toEqual({ name: ADMIN.displayName });
  });

  it('relayed: what a removed device wrote after its removal reaches no desktop, however it travels; what it wrote before does', async () => {
    const { a, b, c, admin, sync } = await office();
    const adminId = adminIdOf(a);
    const idC = c.services.deviceId;

    // Before its removal C writes one change it keeps to itself for now.
    writeOn(c, (w) => w.update(users, adminId, { language: 'en' }));
    await tick();
    await a.ok('sync.unpair', { deviceId: idC }, admin);
    await tick();
    // After it, not knowing: a new user and an edit of an existing field.
    writeOn(c, (w) => {
      w.update(users, adminId, { displayName: 'written on C after its removal' });
      w.insert(users, { username: 'c.after', displayName: 'C after', role: 'read_only', passwordHash: 'x' });
    });
    // B has not heard of the removal: it takes all of it from C...
    await sync(c, b);
    expect(b.services.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'c.after'").get()).toEqual({ n: 1 });
    // ...and relays it to A when they sync (B pushes, then pulls the removal): A refuses C's later entries,
    // B withdraws them once it learns the removal. Both keep what C wrote before.
    const result = await sync(b, a);
    expect(result.pulled.applied).toBeGreaterThan(0);
    for (const x of [a, b]) {
      expect(x.services.db.prepare('SELECT display_name AS name, language FROM users WHERE id = ?').get(adminId)).toEqual({
        name: ADMIN.displayName,
        language: 'en',
      });
      expect(x.services.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'c.after'").get()).toEqual({ n: 0 });
      expect(entriesBy(x, idC).filter((d) => 'display_name' in d || d.username === 'c.after')).toEqual([]);
      expect(x.services.db.prepare('SELECT count(*) AS n FROM sync_pending').get()).toEqual({ n: 0 });
    }
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    // Nothing of it comes back later, by any path: B's log no longer holds it, and a copy relayed again is refused.
    const again = await sync(b, a);
    expect(again.pulled.applied).toBe(0);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });

  it('the same on a desktop that relays through the shared folder before it learns of the removal', async () => {
    const { a, b, c, sync, folder, adminId } = await officeWithoutC();
    const id = identity;
    await tick();
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await sync(c, b);
    // B writes its log, C's later entry included, to the folder before it learns anything; A reads it.
    await publishToFolder(b.services, id(b), folder);
    const report = await collectFromFolder(a.services, id(a), folder);
    expect(report.refused).toEqual([]);
    expect(a.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).not.toEqual({ theme: 'dark' });
    await sync(b, a);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(entriesBy(a, c.services.deviceId).filter((d) => d.theme === 'dark')).toEqual([]);
  });

  it('a removed device is not admitted again by a pairing, old or new', async () => {
    const { a, b, c, admin, sync, serverB, ports } = await office();
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    await sync(b, a);
    const before = { a: snapshot(a, TABLES), b: snapshot(b, TABLES) };

    // A fresh code on A, given to C: refused, and A's record of C stays removed.
    const { code } = await a.ok('sync.pair.start', {}, admin);
    await expect(
      joinOffice(c.services, { host: HOST, port: ports.get(a.services.deviceId)!, code, deviceName: 'C again' }),
    ).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    expect(getPeer(a.services.db, c.services.deviceId)!.removedAt).not.toBeNull();

    // The pairing message C sent B long ago, replayed on a new connection while B has a code open: refused.
    serverB.openPairing();
    const conn = await connectTls(c.services, HOST, ports.get(b.services.deviceId)!);
    try {
      await expect(
        conn.framed.request({ t: 'pair', deviceId: c.services.deviceId, name: 'C', nonce: '0'.repeat(32), proof: 'f'.repeat(64) }),
      ).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    } finally {
      conn.framed.close();
    }
    // The same message under another device id, with C's certificate: refused by the certificate.
    const again = await connectTls(c.services, HOST, ports.get(b.services.deviceId)!);
    try {
      await expect(
        again.framed.request({ t: 'pair', deviceId: 'someone-else', name: 'C', nonce: '0'.repeat(32), proof: 'f'.repeat(64) }),
      ).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    } finally {
      again.framed.close();
    }
    expect(snapshot(b, TABLES)).toEqual(before.b);
    expect(snapshot(a, ['users', 'settings', 'change_log', 'sync_removed_devices'])).toEqual(
      Object.fromEntries(Object.entries(before.a).filter(([t]) => ['users', 'settings', 'change_log', 'sync_removed_devices'].includes(t))),
    );
  });

  it('an administrator lets a removed desktop back in: a new identity the old removal cannot touch; its data stays, what it wrote while removed does not', async () => {
    const { a, b, c, admin, sync, ports } = await office();
    const adminId = adminIdOf(a);
    const oldC = { deviceId: c.services.deviceId, fingerprint: deviceCertificate(c.services.db, c.services.deviceId).fingerprint };
    // Before the removal C writes something it has not sent yet; after it, something else.
    writeOn(c, (w) => w.update(users, adminId, { language: 'en' }));
    await tick();
    await a.ok('sync.unpair', { deviceId: oldC.deviceId }, admin);
    await sync(b, a);
    await tick();
    writeOn(c, (w) => w.update(users, adminId, { displayName: 'written on C while removed' }));
    const serviceC = syncServiceFor(c.services);
    for (const [id, port] of ports) if (id !== oldC.deviceId) notePeerContact(c.services.db, id, { address: `${HOST}:${port}` });
    await serviceC.runRound();
    expect(serviceC.removed).toBe(true);
    const tokenC = (await c.ok('auth.login', { username: ADMIN.username, password: ADMIN.password })).token;
    expect(await c.ok('sync.status', {}, tokenC)).toMatchObject({ rejoinable: true });
    // While removed it admits nobody: no pairing code opens on it.
    expect(await c.call('sync.pair.start', {}, tokenC)).toMatchObject({ ok: false, error: { messageKey: 'sync.errors.device_removed' } });

    // A's administrator opens a code; C joins again with it.
    const { code, port } = await a.ok('sync.pair.start', {}, admin);
    const again = await c.ok('sync.rejoin', { host: HOST, port, code, deviceName: 'C again' }, tokenC);
    expect(again.deviceId).not.toBe(oldC.deviceId);
    expect(c.services.deviceId).toBe(again.deviceId);
    const newC = { deviceId: again.deviceId, fingerprint: deviceCertificate(c.services.db, c.services.deviceId).fingerprint };
    expect(newC.fingerprint).not.toBe(oldC.fingerprint);
    expect(listPeers(c.services.db).map((p) => p.deviceId)).toEqual([a.services.deviceId]);
    expect(await c.ok('sync.status', {}, tokenC)).toMatchObject({ rejoinable: false, enabled: true });

    // Sync resumed on C in the background under its new identity: its rounds (one at a time) reach A.
    const syncC = async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await serviceC.runRound();
      expect(serviceC.lastError).toBeNull();
    };
    await syncC();
    // What C wrote before the removal reached the office; what it wrote while removed is gone, on C too.
    for (const x of [a, c]) {
      expect(x.services.db.prepare('SELECT display_name AS name, language FROM users WHERE id = ?').get(adminId)).toEqual({
        name: ADMIN.displayName,
        language: 'en',
      });
    }
    expect(canonicalDump(c)).toEqual(canonicalDump(a));

    // From now on C writes under its new identity and its changes travel, relayed to B too.
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await syncC();
    await sync(b, a);
    expect(b.services.db.prepare('SELECT theme FROM users WHERE id = ?').get(adminId)).toEqual({ theme: 'dark' });
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    // The old removal still stands for the old identity everywhere, and for the new one nowhere,
    // even after another round of the old removal's copies between every desktop.
    await sync(b, a);
    await syncC();
    for (const x of [a, b, c]) {
      expect(isRemovedDevice(x.services.db, oldC)).toBe(true);
      expect(isRemovedDevice(x.services.db, newC)).toBe(false);
    }
    expect(syncServiceFor(c.services).removed).toBe(false);
    // An active member cannot "join again".
    const { code: code2 } = await a.ok('sync.pair.start', {}, admin);
    expect(await c.call('sync.rejoin', { host: HOST, port, code: code2, deviceName: 'C' }, tokenC)).toMatchObject({
      ok: false,
      error: { messageKey: 'sync.errors.rejoin_member' },
    });
  });

  it('the removed desktop is told in words and stops trying', async () => {
    const { a, c, admin, ports } = await office();
    await a.ok('sync.unpair', { deviceId: c.services.deviceId }, admin);
    const serviceC = syncServiceFor(c.services);
    // C's peers, reachable at their test ports.
    for (const [id, port] of ports) if (id !== c.services.deviceId) notePeerContact(c.services.db, id, { address: `${HOST}:${port}` });
    await serviceC.runRound();
    expect(serviceC.lastError).toEqual({ messageKey: 'sync.errors.device_removed' });
    expect(serviceC.state).toBe('error');
    expect(serviceC.removed).toBe(true);
    expect(readMeta(c.services.db, 'removed_at')).not.toBeNull();

    // From now on C opens no connection at all: its peers point at a listener that counts them.
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    plain.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, HOST, resolve));
    const port = (listener.address() as { port: number }).port;
    for (const p of listPeers(c.services.db)) notePeerContact(c.services.db, p.deviceId, { address: `${HOST}:${port}` });
    await serviceC.runRound();
    serviceC.requestSync(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await serviceC.runRound();
    expect(connections).toBe(0);
    expect(serviceC.lastError).toEqual({ messageKey: 'sync.errors.device_removed' });
  });

  it('shared folder: batches of a removed device are refused once the removal is known; the device learns it there too', async () => {
    const { a, b, c, sync, folder, adminId } = await officeWithoutC();
    const id = identity;
    await sync(b, a);
    writeOn(c, (w) => w.update(users, adminId, { displayName: 'from removed C' }));
    await publishToFolder(c.services, id(c), folder);
    expect(readdirSync(join(folder, id(c).officeId, c.services.deviceId)).length).toBeGreaterThan(0);
    const onB = snapshot(b, TABLES);
    const report = await collectFromFolder(b.services, id(b), folder);
    expect(report.applied).toBe(0);
    expect(snapshot(b, TABLES)).toEqual(onB);

    // A writes its log (the removal included) to the folder; C reads it and knows it is out.
    await publishToFolder(a.services, id(a), folder);
    await collectFromFolder(c.services, id(c), folder);
    const serviceC = syncServiceFor(c.services);
    expect(serviceC.removed).toBe(true);
    writeMeta(c.services.db, 'folder', folder);
    const files = () => readdirSync(join(folder, id(c).officeId, c.services.deviceId)).sort();
    const before = files();
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await serviceC.runRound();
    expect(serviceC.lastError).toEqual({ messageKey: 'sync.errors.device_removed' });
    expect(files()).toEqual(before);
  });
});
