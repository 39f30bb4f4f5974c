import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackup, databaseKeyOf } from '../../../src-main/core/backup/archive';
import { deriveBackupKey, newKdfParams } from '../../../src-main/core/backup/kdf';
import { applyKey } from '../../../src-main/core/db/connection';
import { makeTestCore, setUpOffice, type TestCore } from '../../helpers/core';

const ROOT = join(import.meta.dirname, '../../..');
let core: TestCore | null = null;
afterEach(() => {
  core?.dispose();
  core = null;
});

describe('a backup taken while another process keeps writing', () => {
  it('holds exactly the writes committed up to one moment: whole pairs, a gap-free prefix', async () => {
    core = makeTestCore();
    await setUpOffice(core, { loadSampleData: true });
    // Enough data that the copy takes a while.
    const filler = core.services.db.prepare(`INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data) VALUES (?, 'filler', 'x', ?, 'insert', ?)`);
    core.services.db.transaction(() => {
      for (let i = 0; i < 60_000; i++) filler.run(`0-${i}`, `f-${i}`, 'y'.repeat(300));
    })();
    const liveKey = Buffer.from(readFileSync(core.keyFile, 'utf8').trim(), 'hex');

    const writer = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'writer-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, HARBOR_DIR: core.dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = -1;
    let buffer = '';
    writer.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) acked = Math.max(acked, Number(line.slice(2)));
    });
    while (acked < 50) await new Promise((r) => setTimeout(r, 10));

    const usb = join(core.dir, 'usb');
    mkdirSync(usb);
    const kdf = newKdfParams({ N: 1024, r: 8, p: 1 });
    const key = await deriveBackupKey('pw', kdf);
    const before = acked;
    const made = await createBackup({
      srcFile: core.dbFile,
      srcKey: liveKey,
      targetDir: usb,
      backupKey: { kdf, key },
      appVersion: 't',
      deviceId: core.services.deviceId,
      officeName: 'o',
      now: Date.now(),
    });
    const after = acked;
    await new Promise<void>((resolve) => {
      writer.on('exit', () => resolve());
      writer.kill('SIGTERM');
    });

    const db = new Database(join(made.path, 'backup.db'), { readonly: true });
    applyKey(db, databaseKeyOf(made.path, key));
    const rows = (db.prepare(`SELECT id FROM settings WHERE id LIKE 'w-%' ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
    const logged = (db.prepare(`SELECT count(*) AS n FROM change_log WHERE device_id = 'writer'`).get() as { n: number }).n;
    const total = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const totals = { settings: total('settings'), change_log: total('change_log') };
    db.close();
    // Writes kept coming during the backup.
    expect(after).toBeGreaterThan(before);
    // Every pair whole (both tables read at the same moment) ...
    expect(logged).toBe(rows.length);
    // ... everything acknowledged before the backup started, nothing from after it ended ...
    expect(rows.length).toBeGreaterThanOrEqual(before + 1);
    expect(rows.length).toBeLessThanOrEqual(after + 2);
    // ... and no gaps: the writes up to one moment.
    expect(rows).toEqual(rows.map((_, i) => `w-${String(i).padStart(8, '0')}`));
    // The manifest counts the same moment.
    expect(made.contents.counts).toMatchObject(totals);
  });
});
