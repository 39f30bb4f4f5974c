import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settings, users } from '../../../src-main/core/db/schema';
import { startApplyWorker, stopApplyWorker } from '../../../src-main/core/sync/apply';
import { getCursor } from '../../../src-main/core/sync/merge';
import { adoptOffice, createOffice, officeIdentity } from '../../../src-main/core/sync/identity';
import { collectFromFolder, FOLDER_GRACE_MS, publishToFolder, readFolderState, syncWithFolder } from '../../../src-main/core/sync/folder';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const cores: TestCore[] = [];
afterEach(async () => {
  while (cores.length) {
    const c = cores.pop()!;
    await stopApplyWorker(c.services);
    c.dispose();
  }
});
const count = (x: TestCore, sql: string) => (x.services.db.prepare(sql).get() as { n: number }).n;

async function office(): Promise<{ a: TestCore; b: TestCore; c: TestCore; folder: string }> {
  const [a, b, c] = [makeTestCore(), makeTestCore(), makeTestCore()];
  cores.push(a, b, c);
  await setUpOffice(a);
  const id = createOffice(a.services.db, a.services.deviceId);
  for (const x of [b, c]) adoptOffice(x.services.db, id.officeId, id.officeKey);
  return { a, b, c, folder: tempDir('harbor-share-') };
}

const identity = (x: TestCore) => officeIdentity(x.services.db, x.services.deviceId)!;
const round = async (folder: string, ...xs: TestCore[]) => {
  for (const x of xs) await syncWithFolder(x.services, identity(x), folder);
};

describe('shared-folder sync', () => {
  it('three data folders converge through one shared folder; files are sealed', async () => {
    const { a, b, c, folder } = await office();
    await round(folder, a, b, c);
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    writeOn(b, (w) => w.update(users, adminId, { displayName: 'from B' }));
    writeOn(c, (w) => w.update(users, adminId, { theme: 'dark' }));
    await round(folder, a, b, c);
    await round(folder, a, b, c);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT display_name AS n, theme FROM users WHERE id = ?').get(adminId)).toEqual({ n: 'from B', theme: 'dark' });
    // Each device wrote only its own sub-folder; nothing readable in the files.
    const officeDir = join(folder, identity(a).officeId);
    const ids = [a, b, c].map((x) => x.services.deviceId).sort();
    // Beside each device's sub-folder, its sealed state file (what it has read; see the clean-up tests).
    expect(readdirSync(officeDir).sort()).toEqual([...ids, ...ids.map((id) => `${id}.state`)].sort());
    for (const id of ids) expect(readFileSync(join(officeDir, `${id}.state`)).includes(Buffer.from('read'))).toBe(false);
    for (const dev of ids) {
      for (const f of readdirSync(join(officeDir, dev))) {
        expect(f).toMatch(/^\d{12}-\d{12}\.batch$/);
        const bytes = readFileSync(join(officeDir, dev, f));
        expect(bytes.includes(Buffer.from('admin'))).toBe(false);
        expect(bytes.includes(Buffer.from('users'))).toBe(false);
      }
    }
  });

  it('skips a half-written or tampered file, applies nothing of it, and picks it up once complete', async () => {
    const { a, b, folder } = await office();
    await publishToFolder(a.services, identity(a), folder, 2);
    const dir = join(folder, identity(a).officeId, a.services.deviceId);
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(1);
    const first = join(dir, files[0]!);
    const full = readFileSync(first);
    writeFileSync(first, full.subarray(0, Math.floor(full.length / 2)));
    const before = canonicalDump(b);
    const r1 = await collectFromFolder(b.services, identity(b), folder);
    expect(r1.skipped).toEqual([{ device: a.services.deviceId, file: files[0] }]);
    expect(r1.applied).toBe(0);
    expect(canonicalDump(b)).toEqual(before);
    // One flipped byte: rejected the same way.
    const flipped = Buffer.from(full);
    flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0x40;
    writeFileSync(first, flipped);
    expect((await collectFromFolder(b.services, identity(b), folder)).skipped).toHaveLength(1);
    expect(canonicalDump(b)).toEqual(before);
    // The copy completes: everything applies, in order.
    writeFileSync(first, full);
    const r2 = await collectFromFolder(b.services, identity(b), folder);
    expect(r2.skipped).toEqual([]);
    expect(r2.files).toBe(files.length);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });

  it('a desktop restored from an older copy starts a new folder, and nothing written before or after is lost', async () => {
    const { a, b, folder } = await office();
    await round(folder, a, b);
    await round(folder, a, b);
    const adminId = (b.services.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
    b.close();
    const copy = join(b.dir, 'copy.db');
    copyFileSync(join(b.dir, 'harbor.db'), copy);
    let b1 = makeTestCore({ dir: b.dir });
    writeOn(b1, (w) => w.update(users, adminId, { language: 'en', theme: 'dark' }));
    await round(folder, b1);
    b1.close();
    copyFileSync(copy, join(b.dir, 'harbor.db'));
    b1 = makeTestCore({ dir: b.dir });
    cores.push(b1);
    writeOn(b1, (w) => w.update(users, adminId, { displayName: 'after the restore' }));
    await round(folder, b1, a, b1, a);
    expect(canonicalDump(b1)).toEqual(canonicalDump(a));
    expect(a.services.db.prepare('SELECT display_name AS name, language, theme FROM users WHERE id = ?').get(adminId)).toEqual({
      name: 'after the restore',
      language: 'en',
      theme: 'dark',
    });
    // B's old sub-folder, read back by B and read by A, was cleaned up by B; the new one goes on.
    expect(readdirSync(join(folder, identity(a).officeId)).filter((f) => !f.endsWith('.state')).sort()).toEqual(
      [a.services.deviceId, `${b1.services.deviceId}~1`].sort(),
    );
  });

  it('applies a file in slices of 100 entries, each in the sync worker with how far it got, and resumes an interrupted file there', async () => {
    const { a, b, folder } = await office();
    writeOn(a, (w) => {
      for (let i = 0; i < 1_000; i++) w.insertRaw(settings, { id: `bulk.${i}`, value: JSON.stringify({ n: i }) });
    });
    await publishToFolder(a.services, identity(a), folder);
    const dir = join(folder, identity(a).officeId, a.services.deviceId);
    const [file] = readdirSync(dir);
    const [start, end] = file!.split(/[-.]/).map(Number) as [number, number];
    const entries = count(a, 'SELECT count(*) AS n FROM change_log');
    expect(end - start).toBe(entries);
    const source = `folder:${a.services.deviceId}`;
    const part = `folder-part:${a.services.deviceId}:${start}`;

    // A round stopped after three slices (here: a listener of the change events fails): three slices are in,
    // the count says so, the file's cursor has not moved.
    let slices = 0;
    const stop = b.services.events.on('data.changed', () => {
      if (++slices === 3) throw new Error('stopped');
    });
    const worker = startApplyWorker(b.services)!;
    try {
      const first = await collectFromFolder(b.services, identity(b), folder, b.services.events);
      expect(first.files).toBe(0);
      expect(first.refused).toHaveLength(1);
    } finally {
      stop();
    }
    expect(getCursor(b.services.db, part)).toBe(300);
    expect(getCursor(b.services.db, source)).toBe(0);
    expect(count(b, 'SELECT count(*) AS n FROM change_log')).toBe(300);
    // The next round goes on from there, in the worker, a slice per transaction; the count is forgotten at the end.
    const batchesBefore = worker.stats.batches;
    const second = await collectFromFolder(b.services, identity(b), folder, b.services.events);
    expect(second).toMatchObject({ files: 1, applied: entries - 300, refused: [] });
    expect(worker.stats.batches - batchesBefore).toBe(Math.ceil((entries - 300) / 100));
    expect(getCursor(b.services.db, source)).toBe(end);
    expect(count(b, `SELECT count(*) AS n FROM sync_cursors WHERE source = '${part}'`)).toBe(0);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    // Idempotent: read again from the start, nothing changes.
    b.services.db.prepare('DELETE FROM sync_cursors WHERE source = ?').run(source);
    expect(await collectFromFolder(b.services, identity(b), folder)).toMatchObject({ files: 1, applied: 0 });
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
  });

  it('refuses files sealed with another office key or moved to another device folder', async () => {
    const { a, b, folder } = await office();
    await publishToFolder(a.services, identity(a), folder);
    const stranger = makeTestCore();
    cores.push(stranger);
    adoptOffice(stranger.services.db, identity(a).officeId, Buffer.alloc(32, 7));
    const r = await collectFromFolder(stranger.services, identity(stranger), folder);
    expect(r.applied).toBe(0);
    expect(r.skipped).toHaveLength(1);
    expect(canonicalDump(b)).toEqual(canonicalDump(stranger));
    // A file copied into another device's folder does not open there.
    const src = join(folder, identity(a).officeId, a.services.deviceId);
    const fake = join(folder, identity(a).officeId, 'fakedevice01');
    mkdirSync(fake);
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(fake, f));
    rmSync(src, { recursive: true });
    const moved = await collectFromFolder(b.services, identity(b), folder);
    expect(moved.applied).toBe(0);
    expect(moved.skipped).toEqual([{ device: 'fakedevice01', file: expect.any(String) }]);
  });
});

describe('shared-folder clean-up', () => {
  const officeDir = (folder: string, x: TestCore) => join(folder, identity(x).officeId);
  const own = (folder: string, x: TestCore, dir = x.services.deviceId) => join(officeDir(folder, x), dir);
  const batches = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.batch')).sort();
  const addUsers = (x: TestCore, prefix: string, n: number) => {
    for (let i = 0; i < n; i++) {
      writeOn(x, (w) => w.insert(users, { username: `${prefix}${i}`, displayName: `${prefix} ${i}`, role: 'sales_rep', passwordHash: 'unused' }));
    }
  };

  it('each device deletes only its own files, once every other device using the folder recorded reading past them', async () => {
    const { a, b, c, folder } = await office();
    // All three use the folder from now on (each has its sub-folder and its sealed state file).
    await round(folder, a, b, c);
    addUsers(a, 'a', 6);
    await publishToFolder(a.services, identity(a), folder, 2);
    const fresh = batches(own(folder, a)).slice(1);
    expect(fresh.length).toBeGreaterThan(2);
    // Nobody has read the new files: A keeps them (its first file, read by B and C in the first round, goes).
    await round(folder, a);
    expect(batches(own(folder, a))).toEqual(fresh);
    // B read them, C not yet: still kept.
    await round(folder, b, a);
    expect(batches(own(folder, a))).toEqual(fresh);
    await round(folder, c);
    const others = { b: batches(own(folder, b)), c: batches(own(folder, c)) };
    await round(folder, a);
    // Everyone read past them: only the newest file stays (it marks how far A has written).
    expect(batches(own(folder, a))).toEqual([fresh.at(-1)]);
    expect(readFolderState(identity(a), folder, a.services.deviceId)!.floor[a.services.deviceId]).toBe(Number(fresh.at(-2)!.slice(13, 25)));
    // A never touched B's or C's files.
    expect({ b: batches(own(folder, b)), c: batches(own(folder, c)) }).toEqual(others);
    // C's record of what it read is its own, sealed; B and C clean their own folders the same way.
    expect(readFolderState(identity(a), folder, c.services.deviceId)!.read[a.services.deviceId]).toBeGreaterThan(0);
    await round(folder, a, b, c, a, b, c);
    for (const x of [a, b, c]) expect(batches(own(folder, x))).toHaveLength(1);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
    // Later changes still flow after the clean-up.
    addUsers(c, 'c', 2);
    await round(folder, c, a, b);
    expect(canonicalDump(a)).toEqual(canonicalDump(c));
    expect(canonicalDump(b)).toEqual(canonicalDump(c));
  });

  it('after the grace period a writer deletes files an absent device never read; back, that device gets the whole log again', async () => {
    const { a, c, folder } = await office();
    await round(folder, a, c);
    addUsers(a, 'a', 6);
    await publishToFolder(a.services, identity(a), folder, 2);
    // C is away: A keeps what C has not read.
    await round(folder, a);
    const kept = batches(own(folder, a));
    expect(kept.length).toBeGreaterThan(2);
    // Ninety days and one later, by the files' own clock.
    const old = (Date.now() - FOLDER_GRACE_MS - 24 * 3600 * 1000) / 1000;
    for (const f of kept) utimesSync(join(own(folder, a), f), old, old);
    await round(folder, a);
    expect(batches(own(folder, a))).toEqual([kept.at(-1)]);
    // C comes back: the files it missed are gone; it notes the gap in its state file...
    const back = await syncWithFolder(c.services, identity(c), folder);
    expect(back.gaps).toEqual([{ device: a.services.deviceId, dir: a.services.deviceId, from: expect.any(Number), to: expect.any(Number) }]);
    expect(readFolderState(identity(c), folder, c.services.deviceId)!.gaps).toEqual([a.services.deviceId]);
    expect(canonicalDump(c)).not.toEqual(canonicalDump(a));
    // ...and A writes its whole log again, in a new sub-folder, which C reads from the start.
    await round(folder, a);
    expect(existsSync(own(folder, a, `${a.services.deviceId}~1`))).toBe(true);
    await round(folder, c, a, c);
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
    // The request is answered: no further resend.
    expect(readFolderState(identity(c), folder, c.services.deviceId)!.gaps).toEqual([]);
    await round(folder, a);
    expect(existsSync(own(folder, a, `${a.services.deviceId}~2`))).toBe(false);
    // The old sub-folder, read by everyone and held in full by A, goes entirely.
    await round(folder, c, a);
    expect(existsSync(own(folder, a))).toBe(false);
    addUsers(a, 'later', 1);
    await round(folder, a, c);
    expect(canonicalDump(c)).toEqual(canonicalDump(a));
  });
});
