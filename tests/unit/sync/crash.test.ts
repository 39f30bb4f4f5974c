/**
 * A desktop killed with SIGKILL while applying synced batches: after restart
 * the database passes the integrity check, every batch is either wholly there
 * with its cursor or not at all, and the next exchange converges.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../../src-main/core/db/schema';
import { getCursor } from '../../../src-main/core/sync/merge';
import { createOffice } from '../../../src-main/core/sync/identity';
import { getPeer } from '../../../src-main/core/sync/peers';
import { joinOffice, SyncServer, syncWithPeer } from '../../../src-main/core/sync/tls';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('crash while applying a sync batch', () => {
  it('survives SIGKILL mid-sync: integrity ok, batches atomic with their cursor, then converges', async () => {
    const a = makeTestCore();
    cleanup.push(() => a.dispose());
    await setUpOffice(a);
    writeOn(a, (w) => {
      for (let i = 0; i < 24_000; i++) w.insertRaw(settings, { id: `bulk.${i}`, value: JSON.stringify({ n: i, text: '港口贸易 harbor trading' }) });
    });
    createOffice(a.services.db, a.services.deviceId);
    const server = new SyncServer({ ctx: a.services, host: HOST, port: 0, deviceName: () => 'A' });
    const port = await server.start();
    cleanup.push(() => server.stop());

    const dirB = tempDir();
    let b: TestCore = makeTestCore({ dir: dirB });
    const { code } = server.openPairing();
    await joinOffice(b.services, { host: HOST, port, code, deviceName: 'B' });
    b.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/pull-child.ts'), dirB, HOST, String(port), a.services.deviceId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killedAfter = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // After the first batch is committed the child is fetching and applying the next ones.
        if (out.includes('batch ')) {
          child.kill('SIGKILL');
          resolve(out);
        }
      });
      child.on('exit', () => resolve(out));
      child.on('error', reject);
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    expect(child.signalCode).toBe('SIGKILL');
    expect(killedAfter).not.toContain('done');

    b = makeTestCore({ dir: dirB });
    cleanup.push(() => {
      b.dispose();
      rmSync(dirB, { recursive: true, force: true });
    });
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every entry up to the cursor arrived, and nothing beyond a committed batch.
    const cursor = getCursor(b.services.db, `peer:${a.services.deviceId}`);
    expect(cursor).toBeGreaterThan(0);
    const expectedUpTo = (a.services.db.prepare('SELECT count(*) AS n FROM change_log WHERE seq <= ?').get(cursor) as { n: number }).n;
    const got = (b.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;
    expect(got).toBe(expectedUpTo);
    expect(got).toBeLessThan((a.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n);

    await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: HOST, port });
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  }, 120_000);
});
