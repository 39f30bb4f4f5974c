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
import { adoptOffice, createOffice, officeIdentity } from '../../../src-main/core/sync/identity';
import { collectFromFolder, publishToFolder } from '../../../src-main/core/sync/folder';
import { getPeer } from '../../../src-main/core/sync/peers';
import { joinOffice, SyncServer, syncWithPeer } from '../../../src-main/core/sync/tls';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const HOST = '127.0.0.1';
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** Runs a child desktop (a fixture) until what it printed is `enough`, then kills it with SIGKILL before it finishes. */
async function killWhen(args: string[], enough: (out: string) => boolean): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, args[0]!), ...args.slice(1)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const heard = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (enough(out)) {
        child.kill('SIGKILL');
        resolve(out);
      }
    });
    child.on('exit', () => resolve(out));
    child.on('error', reject);
  });
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  expect(child.signalCode).toBe('SIGKILL');
  expect(heard).not.toContain('done');
}

/** The killed desktop's data folder opened again (removed after the test): its database passes the integrity check. */
function reopen(dir: string): TestCore {
  const b = makeTestCore({ dir });
  cleanup.push(() => {
    b.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
  return b;
}

/** A set-up office holding `n` settings written in one go (removed after the test). */
async function officeWith(n: number): Promise<TestCore> {
  const a = makeTestCore();
  cleanup.push(() => a.dispose());
  await setUpOffice(a);
  writeOn(a, (w) => {
    for (let i = 0; i < n; i++) w.insertRaw(settings, { id: `bulk.${i}`, value: JSON.stringify({ n: i, text: '港口贸易 harbor trading' }) });
  });
  return a;
}

describe('crash while applying a sync batch', () => {
  it('survives SIGKILL mid-sync: integrity ok, batches atomic with their cursor, then converges', async () => {
    const a = await officeWith(24_000);
    createOffice(a.services.db, a.services.deviceId);
    const server = new SyncServer({ ctx: a.services, host: HOST, port: 0, deviceName: () => 'A' });
    const port = await server.start();
    cleanup.push(() => server.stop());

    const dirB = tempDir();
    let b: TestCore = makeTestCore({ dir: dirB });
    const { code } = server.openPairing();
    await joinOffice(b.services, { host: HOST, port, code, deviceName: 'B' });
    b.close();

    // After the first batch is committed the child is fetching and applying the next ones.
    await killWhen(['fixtures/pull-child.ts', dirB, HOST, String(port), a.services.deviceId], (out) => out.includes('batch '));
    b = reopen(dirB);
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

  it('survives SIGKILL in the middle of a shared-folder file: every slice is there with how far it got, the rest follows', async () => {
    const a = await officeWith(5_000);
    const identity = createOffice(a.services.db, a.services.deviceId);
    const folder = tempDir('harbor-share-');
    await publishToFolder(a.services, identity, folder);
    const dirB = tempDir();
    let b: TestCore = makeTestCore({ dir: dirB });
    adoptOffice(b.services.db, identity.officeId, identity.officeKey);
    b.close();

    // A few slices in: in the middle of the first file.
    await killWhen(['fixtures/folder-child.ts', dirB, folder], (out) => out.split('slice').length > 4);
    cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
    b = reopen(dirB);
    // What arrived is exactly the whole files up to the cursor plus the counted part of the next one.
    const source = `folder:${a.services.deviceId}`;
    const cursor = getCursor(b.services.db, source);
    const part = b.services.db.prepare("SELECT cursor FROM sync_cursors WHERE source LIKE 'folder-part:%'").get() as { cursor: number } | undefined;
    const whole = (a.services.db.prepare('SELECT count(*) AS n FROM change_log WHERE seq <= ?').get(cursor) as { n: number }).n;
    const got = (b.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;
    expect(got).toBe(whole + (part?.cursor ?? 0));
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan((a.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n);

    await collectFromFolder(b.services, officeIdentity(b.services.db, b.services.deviceId)!, folder);
    expect(b.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  }, 120_000);
});
