/**
 * A restore never hands this desktop another desktop's or another office's
 * sync identity (src-main/core/sync/restore.ts, called by the core around the
 * database swap).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src-main/core/db/schema';
import { createOffice, deviceCertificate, officeIdentity, readMeta } from '../../../src-main/core/sync/identity';
import { getPeer, listPeers } from '../../../src-main/core/sync/peers';
import { connectTls, joinOffice, SyncServer, syncWithPeer } from '../../../src-main/core/sync/tls';
import { ADMIN, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { syncServiceFor } from '../../../src-main/core/sync/service';
import { canonicalDump, syncingCores, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cores = syncingCores();
const servers: SyncServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  await cores.dispose();
});

async function serve(c: TestCore): Promise<number> {
  createOffice(c.services.db, c.services.deviceId);
  const server = new SyncServer({ ctx: c.services, host: HOST, port: 0, deviceName: () => c.services.deviceId });
  servers.push(server);
  const port = await server.start();
  return port;
}

async function pair(joiner: TestCore, host: TestCore, port: number): Promise<void> {
  const server = servers.find((s) => s.port === port)!;
  await joinOffice(joiner.services, { host: HOST, port, code: server.openPairing().code, deviceName: joiner.services.deviceId });
}

/** A backup of `c` made through its API, with `token` of an administrator. */
async function backupOf(c: TestCore, token: string): Promise<string> {
  await c.ok('backup.setConfig', { targetDir: tempDir('harbor-usb-') }, token);
  await c.ok('backup.setPassword', { password: 'backup password 1' }, token);
  const job = await c.backup.waitFor((await c.ok('backup.run', {}, token)).jobId);
  return job.path!;
}

async function restore(c: TestCore, path: string, token: string | null): Promise<void> {
  const { jobId } = await c.ok('backup.restore', { path, password: 'backup password 1' }, token);
  expect(await c.backup.waitFor(jobId)).toMatchObject({ state: 'done' });
}

const fingerprint = (c: TestCore) => deviceCertificate(c.services.db, c.services.deviceId).fingerprint;

describe('sync identity across a restore', () => {
  it('a joined desktop restoring another office’s backup on its first run takes neither that office nor that desktop’s certificate', async () => {
    // Office X: one desktop, set up, with a backup.
    const x = cores.make();
    const xToken = await setUpOffice(x);
    const xPort = await serve(x);
    const backup = await backupOf(x, xToken);
    // Office Y: B has just joined A; its data has not arrived yet (first run).
    const a = cores.make();
    await setUpOffice(a);
    const aPort = await serve(a);
    const b = cores.make();
    await pair(b, a, aPort);
    const bCert = fingerprint(b);
    const bKey = readMeta(b.services.db, 'device_key');

    await restore(b, backup, null);

    // B kept its own certificate and key, and took no office identity from the copy.
    expect(fingerprint(b)).toBe(bCert);
    expect(readMeta(b.services.db, 'device_key')).toBe(bKey);
    expect(fingerprint(b)).not.toBe(fingerprint(x));
    expect(officeIdentity(b.services.db, b.services.deviceId)).toBeNull();
    expect(listPeers(b.services.db, true)).toEqual([]);
    // It remembers which office the data is from, and says why sync is off.
    expect(readMeta(b.services.db, 'data_office')).toBe(officeIdentity(x.services.db, x.services.deviceId)!.officeId);
    const token = (await b.ok('auth.login', { username: ADMIN.username, password: ADMIN.password })).token;
    expect(await b.ok('sync.status', {}, token)).toMatchObject({
      enabled: false,
      rejoinable: true,
      lastError: { messageKey: 'sync.errors.restored_other_office' },
    });
    // X's desktop does not take B for itself: B's certificate is not paired there.
    const conn = await connectTls(b.services, HOST, xPort);
    try {
      await expect(conn.framed.request({ t: 'hello', deviceId: x.services.deviceId, protocol: 1, schemaVersion: 1 })).rejects.toMatchObject({
        messageKey: 'sync.errors.not_paired',
      });
    } finally {
      conn.framed.close();
    }
    // Deliberately, with a code from X's desktop, B joins X under an identity of its own and syncs with it.
    const server = servers.find((srv) => srv.port === xPort)!;
    const again = await b.ok('sync.rejoin', { host: HOST, port: xPort, code: server.openPairing().code, deviceName: 'B' }, token);
    expect(officeIdentity(b.services.db, b.services.deviceId)!.officeId).toBe(officeIdentity(x.services.db, x.services.deviceId)!.officeId);
    expect(again.deviceId).toBe(b.services.deviceId);
    // Sync resumed in the background under the new identity (one round at a time).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await syncServiceFor(b.services).runRound();
    expect(canonicalDump(b)).toEqual(canonicalDump(x));
    expect(await b.ok('sync.status', {}, token)).toMatchObject({ enabled: true, rejoinable: false, lastError: null });
  });

  it('a desktop restoring another desktop’s backup of its own office keeps its identity and pairings; peers read its new log from the start', async () => {
    const a = cores.make();
    const aToken = await setUpOffice(a);
    const aPort = await serve(a);
    const b = cores.make();
    await pair(b, a, aPort);
    const sync = () => syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: HOST, port: aPort });
    await sync();
    // A's backup, before it has anything of B's.
    const backup = await backupOf(a, aToken);
    // B writes a lot, and A reads all of it: A's position in B's log is far on.
    const many = (prefix: string, n: number) =>
      writeOn(b, (w) => {
        for (let i = 0; i < n; i++) w.insert(users, { username: `${prefix}${i}`, displayName: `${prefix} ${i}`, role: 'read_only', passwordHash: 'x' });
      });
    many('before', 50);
    await sync();
    const bCert = fingerprint(b);

    const bToken = (await b.ok('auth.login', { username: ADMIN.username, password: ADMIN.password })).token;
    await restore(b, backup, bToken);
    expect(fingerprint(b)).toBe(bCert);
    expect(officeIdentity(b.services.db, b.services.deviceId)!.officeId).toBe(officeIdentity(a.services.db, a.services.deviceId)!.officeId);
    expect(listPeers(b.services.db).map((p) => p.deviceId)).toEqual([a.services.deviceId]);
    expect(b.services.db.prepare("SELECT count(*) AS n FROM sync_cursors WHERE source LIKE 'ack:%'").get()).toEqual({ n: 0 });

    // B's new log is shorter than where A stood in the old one, then grows past it: A still gets every new entry.
    many('after', 80);
    await sync();
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare("SELECT count(*) AS n FROM users WHERE username LIKE 'after%'").get()).toEqual({ n: 80 });
    // What B wrote before the restore came back from A.
    expect(b.services.db.prepare("SELECT count(*) AS n FROM users WHERE username LIKE 'before%'").get()).toEqual({ n: 50 });
  });
});
