import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { users } from '../../../src-main/core/db/schema';
import { adoptOffice, createOffice, officeIdentity } from '../../../src-main/core/sync/identity';
import { collectFromFolder, publishToFolder, syncWithFolder } from '../../../src-main/core/sync/folder';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const cores: TestCore[] = [];
afterEach(() => {
  while (cores.length) cores.pop()!.dispose();
});

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
    publishToFolder(a.services, identity(a), folder, 2);
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
    expect(readdirSync(join(folder, identity(a).officeId)).filter((f) => !f.endsWith('.state')).sort()).toEqual(
      [a.services.deviceId, b1.services.deviceId, `${b1.services.deviceId}~1`].sort(),
    );
  });

  it('refuses files sealed with another office key or moved to another device folder', async () => {
    const { a, b, folder } = await office();
    publishToFolder(a.services, identity(a), folder);
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
