import { copyFileSync } from 'node:fs';
import { connect as connectTlsSocket, createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src-main/core/db/schema';
import { readBatch } from '../../../src-main/core/sync/exchange';
import { createOffice, deviceCertificate } from '../../../src-main/core/sync/identity';
import { getPeer, removePeer } from '../../../src-main/core/sync/peers';
import { connectTls, joinOffice, SyncServer, syncWithPeer } from '../../../src-main/core/sync/tls';
import { makeTestCore, setUpOffice, ADMIN, type TestCore } from '../../helpers/core';
import { Spake2 } from '../../../src-main/core/sync/pake';
import { FramedSocket, type Message } from '../../../src-main/core/sync/wire';
import { canonicalDump, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cores: TestCore[] = [];
const servers: SyncServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  while (cores.length) cores.pop()!.dispose();
});

function core(): TestCore {
  const c = makeTestCore();
  cores.push(c);
  return c;
}

async function serve(c: TestCore, name: string): Promise<{ server: SyncServer; port: number }> {
  createOffice(c.services.db, c.services.deviceId);
  const server = new SyncServer({ ctx: c.services, host: HOST, port: 0, deviceName: () => name });
  servers.push(server);
  return { server, port: await server.start() };
}

async function pairedPair() {
  const a = core();
  const b = core();
  await setUpOffice(a);
  const { server, port } = await serve(a, 'Front desk');
  const { code } = server.openPairing();
  const joined = await joinOffice(b.services, { host: HOST, port, code, deviceName: 'Back office' });
  return { a, b, server, port, joined };
}

describe('pairing and TLS sync on loopback', () => {
  it('pairs with the code, syncs both ways, and the joined desktop can sign in', async () => {
    const { a, b, port, joined } = await pairedPair();
    expect(joined.peer).toEqual({ deviceId: a.services.deviceId, name: 'Front desk' });
    expect(getPeer(a.services.db, b.services.deviceId)).toMatchObject({ name: 'Back office', removedAt: null });
    const peerA = getPeer(b.services.db, a.services.deviceId)!;
    expect(peerA.fingerprint).toBe(deviceCertificate(a.services.db, a.services.deviceId).fingerprint);
    const first = await syncWithPeer(b.services, peerA, { host: HOST, port });
    expect(first.pulled.applied).toBeGreaterThan(0);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect((await b.ok('auth.login', { username: ADMIN.username, password: ADMIN.password })).user.username).toBe('admin');
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(b, (w) => w.update(users, adminId, { displayName: 'edited on B' }));
    const second = await syncWithPeer(b.services, peerA, { host: HOST, port });
    expect(second.pushed).toBe(1);
    expect(canonicalDump(a)).toEqual(canonicalDump(b));
  });

  it('three desktops converge through the first one, which relays', async () => {
    const { a, b, server, port } = await pairedPair();
    const c = core();
    await joinOffice(c.services, { host: HOST, port, code: server.openPairing().code, deviceName: 'C' });
    const target = { host: HOST, port };
    const sync = (x: TestCore) => syncWithPeer(x.services, getPeer(x.services.db, a.services.deviceId)!, target);
    await sync(b);
    await sync(c);
    const adminId = (a.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(a, (w) => w.update(users, adminId, { language: 'en' }));
    writeOn(b, (w) => w.update(users, adminId, { displayName: 'from B' }));
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await sync(b);
    await sync(c);
    await sync(b);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT language, display_name AS name, theme FROM users WHERE id = ?').get(adminId)).toEqual({
      language: 'en',
      name: 'from B',
      theme: 'dark',
    });
  });

  it('a desktop restored from an older copy still sends its new changes and gets back the ones it lost', async () => {
    const { a, b, port } = await pairedPair();
    const target = { host: HOST, port };
    const peerA = getPeer(b.services.db, a.services.deviceId)!;
    await syncWithPeer(b.services, peerA, target);
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    // A copy of B's database, as a backup would keep it.
    b.close();
    const copy = join(b.dir, 'copy.db');
    copyFileSync(join(b.dir, 'harbor.db'), copy);
    let b1 = makeTestCore({ dir: b.dir });
    for (let i = 0; i < 5; i++) writeOn(b1, (w) => w.update(users, adminId, { displayName: `lost ${i}`, theme: i % 2 ? 'dark' : 'light' }));
    writeOn(b1, (w) => w.update(users, adminId, { language: 'en' }));
    await syncWithPeer(b1.services, peerA, target);
    // B goes back to the copy: its log is now shorter than what A has read of it.
    b1.close();
    copyFileSync(copy, join(b.dir, 'harbor.db'));
    b1 = makeTestCore({ dir: b.dir });
    cores.push(b1);
    writeOn(b1, (w) => w.update(users, adminId, { displayName: 'after the restore' }));
    await syncWithPeer(b1.services, peerA, target);
    expect(canonicalDump(b1)).toEqual(canonicalDump(a));
    const row = a.services.db.prepare('SELECT display_name AS name, language, theme FROM users WHERE id = ?').get(adminId);
    expect(row).toEqual({ name: 'after the restore', language: 'en', theme: 'light' });
  });

  it('refuses a wrong code, and the code is burned after one attempt', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    const { server, port } = await serve(a, 'A');
    const { code } = server.openPairing();
    const wrong = code === '00000000' ? '00000001' : '00000000';
    await expect(joinOffice(b.services, { host: HOST, port, code: wrong, deviceName: 'B' })).rejects.toMatchObject({
      messageKey: 'sync.errors.pairing_code_wrong',
    });
    await expect(joinOffice(b.services, { host: HOST, port, code, deviceName: 'B' })).rejects.toMatchObject({
      messageKey: 'sync.errors.pairing_closed',
    });
    expect(getPeer(a.services.db, b.services.deviceId)).toBeNull();
  });

  it('a machine in the middle relaying the pairing, with the right code, gets no pairing: SPAKE2 binds both certificates; the code is used up', async () => {
    const a = core();
    const b = core();
    const mallory = deviceCertificate(core().services.db, 'mallory');
    await setUpOffice(a);
    const { server, port } = await serve(a, 'A');
    const { code } = server.openPairing();
    // Presents its own certificate to each side and passes every byte through, recording them.
    const recorded: Buffer[] = [];
    const relay = createTlsServer({ key: mallory.keyPem, cert: mallory.certPem, requestCert: true, rejectUnauthorized: false }, (fromJoiner) => {
      const toHost = connectTlsSocket({ host: HOST, port, key: mallory.keyPem, cert: mallory.certPem, rejectUnauthorized: false, checkServerIdentity: () => undefined });
      fromJoiner.on('data', (chunk: Buffer) => recorded.push(chunk));
      fromJoiner.pipe(toHost).pipe(fromJoiner);
      const end = () => {
        fromJoiner.destroy();
        toHost.destroy();
      };
      fromJoiner.on('close', end);
      toHost.on('close', end);
      fromJoiner.on('error', end);
      toHost.on('error', end);
    });
    await new Promise<void>((resolve) => relay.listen(0, HOST, resolve));
    try {
      const relayPort = (relay.address() as { port: number }).port;
      await expect(joinOffice(b.services, { host: HOST, port: relayPort, code, deviceName: 'B' })).rejects.toMatchObject({
        messageKey: 'sync.errors.pairing_code_wrong',
      });
      // Nothing was admitted, the code cannot be tried again, and the code itself never crossed the wire.
      expect(server.pairingWindow).toBeNull();
      expect(a.services.db.prepare('SELECT count(*) AS n FROM sync_peers').get()).toEqual({ n: 0 });
      expect(Buffer.concat(recorded).includes(Buffer.from(code))).toBe(false);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it('a fake host that does not know the code learns nothing to test guesses against offline: the joiner stops after its SPAKE2 share', async () => {
    const b = core();
    const mallory = deviceCertificate(core().services.db, 'mallory');
    const heard: Message[] = [];
    const fake = createTlsServer({ key: mallory.keyPem, cert: mallory.certPem, requestCert: true, rejectUnauthorized: false }, (socket) => {
      const framed = new FramedSocket(socket);
      void (async () => {
        for (;;) {
          const msg = await framed.next(5_000).catch(() => null);
          if (!msg) return;
          heard.push(msg);
          // Any valid point, and a confirmation it cannot compute.
          framed.send({ t: 'pake', pB: new Spake2('B', 7n, { a: '', b: '' }).share.toString('hex'), confirm: 'ab'.repeat(32) });
        }
      })();
    });
    await new Promise<void>((resolve) => fake.listen(0, HOST, resolve));
    try {
      const port = (fake.address() as { port: number }).port;
      await expect(joinOffice(b.services, { host: HOST, port, code: '12345678', deviceName: 'B' })).rejects.toMatchObject({
        messageKey: 'sync.errors.pairing_code_wrong',
      });
      // One message: who it is and its share, a point that reveals nothing about the code. No proof, no confirmation.
      expect(heard).toHaveLength(1);
      expect(Object.keys(heard[0]!).sort()).toEqual(['deviceId', 'name', 'pA', 't']);
      expect(heard[0]!.pA).toMatch(/^04[0-9a-f]{128}$/);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('refuses an unpaired device, and tells a removed one so', async () => {
    const { a, b, port } = await pairedPair();
    const stranger = core();
    const peerA = getPeer(b.services.db, a.services.deviceId)!;
    await expect(syncWithPeer(stranger.services, peerA, { host: HOST, port })).rejects.toMatchObject({ messageKey: 'sync.errors.not_paired' });
    await syncWithPeer(b.services, peerA, { host: HOST, port });
    removePeer(a.services.db, b.services.deviceId, Date.now());
    const before = canonicalDump(a);
    await expect(syncWithPeer(b.services, peerA, { host: HOST, port })).rejects.toMatchObject({ messageKey: 'sync.errors.device_removed' });
    expect(canonicalDump(a)).toEqual(before);
    expect(canonicalDump(stranger).users).toEqual([]);
  });

  it('refuses a server that is not the pinned device', async () => {
    const { a, b } = await pairedPair();
    const impostor = core();
    await setUpOffice(impostor);
    const { port: impostorPort } = await serve(impostor, 'A');
    const peerA = getPeer(b.services.db, a.services.deviceId)!;
    await expect(syncWithPeer(b.services, peerA, { host: HOST, port: impostorPort })).rejects.toMatchObject({
      messageKey: 'sync.errors.peer_identity',
    });
    expect(canonicalDump(b).users).toEqual([]);
  });

  it('tells a desktop whose own clock is days ahead to correct it, and applies none of its changes', async () => {
    const a = core();
    let skew = 0;
    const b = makeTestCore({ now: () => Date.now() + skew });
    cores.push(b);
    await setUpOffice(a);
    const { server, port } = await serve(a, 'A');
    await joinOffice(b.services, { host: HOST, port, code: server.openPairing().code, deviceName: 'B' });
    const peerA = getPeer(b.services.db, a.services.deviceId)!;
    await syncWithPeer(b.services, peerA, { host: HOST, port });
    skew = 3 * 24 * 3600 * 1000;
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(b, (w) => w.update(users, adminId, { displayName: 'from the future' }));
    const before = canonicalDump(a);
    await expect(syncWithPeer(b.services, peerA, { host: HOST, port })).rejects.toMatchObject({
      messageKey: 'sync.errors.own_clock_ahead',
      params: { hours: 72, maxHours: 24 },
    });
    expect(canonicalDump(a)).toEqual(before);
  });

  it('rejects a tampered or forged batch and applies none of it', async () => {
    const { a, b, port } = await pairedPair();
    await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: HOST, port });
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(b, (w) => w.update(users, adminId, { role: 'read_only', displayName: 'tampered' }));
    const before = canonicalDump(a);
    const conn = await connectTls(b.services, HOST, port);
    try {
      const { cursor } = await conn.framed.request({ t: 'cursor' });
      const batch = readBatch(b.services, Number(cursor), 1000, a.services.deviceId);
      // An entry rewritten to look as if the other device wrote it.
      const forged = { ...batch, entries: batch.entries.map((e) => ({ ...e, device: a.services.deviceId })) };
      await expect(conn.framed.request({ t: 'push', batch: forged })).rejects.toMatchObject({ messageKey: 'sync.errors.bad_batch' });
      // A batch claiming to come from another device.
      await expect(conn.framed.request({ t: 'push', batch: { ...batch, from: 'someoneelse' } })).rejects.toMatchObject({
        messageKey: 'sync.errors.bad_batch',
      });
      // Garbage data inside an otherwise valid entry.
      const garbage = { ...batch, entries: [{ ...batch.entries[0]!, data: '[1,2' }] };
      await expect(conn.framed.request({ t: 'push', batch: garbage })).rejects.toMatchObject({ messageKey: 'sync.errors.bad_batch' });
    } finally {
      conn.framed.close();
    }
    expect(canonicalDump(a)).toEqual(before);
  });
});
