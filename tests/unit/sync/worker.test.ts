/**
 * Received batches are applied in the sync worker thread: the main thread
 * keeps answering calls and committing its own writes while a large batch is
 * merged; a worker that dies mid-batch is reported in the sync status, leaves
 * nothing half-applied, and the next round starts a new one that converges.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { contacts, settings } from '../../../src-main/core/db/schema';
import { applyReceived, applyWorkerFor, startApplyWorker, stopApplyWorker } from '../../../src-main/core/sync/apply';
import { readBatch } from '../../../src-main/core/sync/exchange';
import { createOffice, writeMeta } from '../../../src-main/core/sync/identity';
import { getCursor } from '../../../src-main/core/sync/merge';
import { SyncService, syncServiceFor } from '../../../src-main/core/sync/service';
import { joinOffice, SyncServer } from '../../../src-main/core/sync/tls';
import { ADMIN, makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const cores: TestCore[] = [];
const servers: SyncServer[] = [];
const services: SyncService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.stop();
  while (servers.length) await servers.pop()!.stop();
  while (cores.length) {
    const c = cores.pop()!;
    await syncServiceFor(c.services).stop();
    await stopApplyWorker(c.services);
    c.dispose();
  }
});

function core(): TestCore {
  const c = makeTestCore();
  cores.push(c);
  writeMeta(c.services.db, 'listen_host', '127.0.0.1');
  writeMeta(c.services.db, 'port', '0');
  writeMeta(c.services.db, 'discovery', 'off');
  return c;
}

function bulk(c: TestCore, n: number, prefix = 'bulk'): void {
  writeOn(c, (w) => {
    for (let i = 0; i < n; i++) w.insertRaw(settings, { id: `${prefix}.${i}`, value: JSON.stringify({ n: i, text: '港口贸易 harbor trading '.repeat(4) }) });
  });
}

function count(c: TestCore, sql: string): number {
  return (c.services.db.prepare(sql).get() as { n: number }).n;
}

describe('sync worker thread', () => {
  it('stopping it is awaited to the end even when nothing else keeps the process running', () => {
    const dir = tempDir('harbor-stop-');
    try {
      const script = join(dir, 'stop.mts');
      const src = (path: string) => JSON.stringify(join(import.meta.dirname, '../../../src-main', path));
      writeFileSync(
        script,
        `import { openCore } from ${src('core/index.ts')};
         import { FileKeyStore } from ${src('core/db/keystore.ts')};
         import { startApplyWorker, stopApplyWorker } from ${src('core/sync/apply.ts')};
         const core = openCore({ dataDir: ${JSON.stringify(join(dir, 'office'))}, keyStore: new FileKeyStore(${JSON.stringify(join(dir, 'office', 'harbor.key'))}) });
         startApplyWorker(core.services);
         await new Promise((resolve) => setTimeout(resolve, 300));
         await stopApplyWorker(core.services);
         console.log('stopped');
         core.close();`,
      );
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8', timeout: 30_000 });
      expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: 'stopped' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies a large batch in another thread while the main thread answers calls and commits its own writes', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    bulk(a, 12_000);
    const worker = startApplyWorker(b.services)!;
    expect(worker).not.toBeNull();
    const batch = readBatch(a.services, 0, 20_000);
    expect(batch.more).toBe(false);

    let applied = false;
    const pending = applyReceived(b.services, batch, { name: `peer:${a.services.deviceId}`, cursor: batch.end, from: 0 }).then((r) => {
      applied = true;
      return r;
    });
    // While the batch is merged, the main thread serves calls and writes contacts of its own (each waits at most for the lock).
    let answered = 0;
    let written = 0;
    while (!applied) {
      const status = await b.call('system.status', {});
      expect(status.ok).toBe(true);
      // A transaction that reads before it writes (as many handlers do) waits for the worker's batch rather than failing.
      writeOn(b, (w) => {
        const before = count(b, 'SELECT count(*) AS n FROM contacts');
        w.insertRaw(contacts, { familyName: '王', givenName: `伟${before}`, nameKey: `王伟${before}`, phones: '[]', emails: '[]' });
      });
      written++;
      if (!applied) answered++;
      // Calls from the window or the browser arrive as events: let the next one in.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await pending;
    expect(result.applied).toBe(batch.entries.length);
    // Calls completed before the single batch finished: the merge did not hold this thread.
    expect(answered).toBeGreaterThan(0);
    expect(worker.stats).toMatchObject({ batches: 1, entries: batch.entries.length, starts: 1, crashes: 0 });
    expect(worker.threadId).not.toBeNull();
    expect(worker.threadId).not.toBe(threadId);
    // Everything arrived, the cursor moved with the batch, and every local write survived.
    expect(getCursor(b.services.db, `peer:${a.services.deviceId}`)).toBe(batch.end);
    expect(count(b, "SELECT count(*) AS n FROM settings WHERE id LIKE 'bulk.%'")).toBe(12_000);
    expect(count(b, 'SELECT count(*) AS n FROM contacts')).toBe(written);
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // A batch fetched for a cursor that has since moved is refused, not applied over a gap.
    await expect(applyReceived(b.services, batch, { name: `peer:${a.services.deviceId}`, cursor: batch.end, from: 0 })).rejects.toMatchObject({
      messageKey: 'sync.errors.out_of_order',
    });
  }, 60_000);

  it('a worker that dies with a batch in hand is a sync error; nothing is half-applied and the next round restarts it and converges', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    bulk(a, 6_000);
    createOffice(a.services.db, a.services.deviceId);
    const server = new SyncServer({ ctx: a.services, host: '127.0.0.1', port: 0, deviceName: () => 'A' });
    const port = await server.start();
    servers.push(server);
    await joinOffice(b.services, { host: '127.0.0.1', port, code: server.openPairing().code, deviceName: 'B' });
    // Rounds only when asked, so the states seen are those of the rounds below.
    const service = new SyncService(b.services, { debounceMs: 3_600_000, intervalMs: 3_600_000 });
    services.push(service);
    await service.start();
    const worker = applyWorkerFor(b.services)!;
    expect(worker).not.toBeNull();
    // The thread dies while the round's second batch is handed to it.
    const apply = worker.apply.bind(worker);
    let calls = 0;
    worker.apply = (...args) => {
      if (++calls === 2) void worker.kill();
      return apply(...args);
    };
    await service.runRound();
    expect(calls).toBe(2);
    expect(service.state).toBe('error');
    expect(service.lastError).toEqual({ messageKey: 'sync.errors.worker' });
    expect(worker.stats).toMatchObject({ batches: 1, crashes: 1 });
    // The main thread still writes, the file is intact, and the cursor covers exactly what arrived.
    writeOn(b, (w) => w.insertRaw(settings, { id: 'after.crash', value: '1' }));
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const cursor = getCursor(b.services.db, `peer:${a.services.deviceId}`);
    expect(cursor).toBeGreaterThan(0);
    const sent = count(a, `SELECT count(*) AS n FROM change_log WHERE seq <= ${cursor}`);
    expect(count(b, `SELECT count(*) AS n FROM change_log WHERE device_id <> '${b.services.deviceId}'`)).toBe(sent);
    expect(sent).toBeLessThan(count(a, 'SELECT count(*) AS n FROM change_log'));

    worker.apply = apply;
    // Each batch the worker applies is announced on the main thread, so open screens refresh.
    const announced = new Set<string>();
    const off = b.events.on('data.changed', (e) => e.tables.forEach((t) => announced.add(t)));
    await service.runRound();
    off();
    expect(announced.has('settings')).toBe(true);
    expect(service.state).toBe('idle');
    expect(service.lastError).toBeNull();
    expect(worker.stats.starts).toBe(2);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  }, 120_000);

  it('a restore swaps the file under a running worker: the worker lets go first, then applies to the restored database', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    bulk(a, 300, 'first');
    const worker = startApplyWorker(b.services)!;
    const source = `peer:${a.services.deviceId}`;
    const first = readBatch(a.services, 0, 5000);
    await applyReceived(b.services, first, { name: source, cursor: first.end, from: 0 });
    const { token } = await b.ok('auth.login', { username: ADMIN.username, password: ADMIN.password });
    const usb = join(b.dir, 'usb');
    mkdirSync(usb, { recursive: true });
    await b.ok('backup.setConfig', { targetDir: usb }, token);
    await b.ok('backup.setPassword', { password: 'backup password 1' }, token);
    const backup = await b.backup.waitFor((await b.ok('backup.run', {}, token)).jobId);
    expect(backup.state).toBe('done');
    // More arrives through the worker, whose connection stays open.
    bulk(a, 300, 'second');
    const second = readBatch(a.services, first.end, 5000);
    await applyReceived(b.services, second, { name: source, cursor: second.end, from: first.end });
    expect(count(b, "SELECT count(*) AS n FROM settings WHERE id LIKE 'second.%'")).toBe(300);

    const restore = await b.backup.waitFor((await b.ok('backup.restore', { path: backup.path!, password: 'backup password 1' }, token)).jobId);
    expect(restore).toMatchObject({ state: 'done' });
    expect(count(b, "SELECT count(*) AS n FROM settings WHERE id LIKE 'second.%'")).toBe(0);
    expect(getCursor(b.services.db, source)).toBe(first.end);
    // The same worker applies the rest to the restored file.
    await applyReceived(b.services, second, { name: source, cursor: second.end, from: first.end });
    expect(worker.stats).toMatchObject({ batches: 3, starts: 1, crashes: 0 });
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  }, 60_000);

  it('closing the core releases the worker’s connection first, so the database closes cleanly', async () => {
    const a = core();
    const dir = tempDir();
    const b = makeTestCore({ dir });
    await setUpOffice(a);
    bulk(a, 500);
    const worker = startApplyWorker(b.services)!;
    const batch = readBatch(a.services, 0, 1000);
    await applyReceived(b.services, batch, { name: `peer:${a.services.deviceId}`, cursor: batch.end, from: 0 });
    expect(worker.stats.batches).toBe(1);
    // The last connection to close checkpoints and removes the WAL: it would stay if the worker still held the file.
    b.close();
    expect(existsSync(`${b.dbFile}-wal`)).toBe(false);
    expect(applyWorkerFor(b.services)).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
