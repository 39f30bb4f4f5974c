/**
 * Child process for the crash tests: loops over backups (or restores) of a
 * real office until it is killed, printing an acknowledgement line after each
 * write and each completed backup/restore. Bundled by crash.test.ts.
 *
 * Environment: HARBOR_DIR (data folder), HARBOR_USB (backup folder),
 * HARBOR_BACKUP_KEY (JSON {kdf, key hex}), HARBOR_MODE ('backup' | 'restore'),
 * HARBOR_RESTORE_FROM (JSON [path, ...], restore mode).
 */
import { join } from 'node:path';
import { openCore } from '../../../src-main/core';
import { createBackup, deleteBackup, listBackups } from '../../../src-main/core/backup/archive';
import { FileKeyStore } from '../../../src-main/core/db/keystore';
import { readFileSync } from 'node:fs';

const dir = process.env.HARBOR_DIR!;
const usb = process.env.HARBOR_USB!;
const stored = JSON.parse(process.env.HARBOR_BACKUP_KEY!) as { kdf: never; key: string };
const backupKey = { kdf: stored.kdf, key: Buffer.from(stored.key, 'hex') };
const core = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')), appVersion: 'crash-test' });
const liveKey = Buffer.from(readFileSync(join(dir, 'harbor.key'), 'utf8').trim(), 'hex');

function write(tag: string): void {
  const db = core.services.db;
  const id = `${process.pid}-${tag}`;
  db.prepare('INSERT INTO local_meta (key, value, updated_at) VALUES (?, ?, ?)').run(`crash.${id}`, 'x'.repeat(200), Date.now());
  process.stdout.write(`W ${id}\n`);
}

async function backupLoop(): Promise<void> {
  for (let i = 0; ; i++) {
    write(String(i));
    const made = await createBackup({
      srcFile: core.dbFile,
      srcKey: liveKey,
      targetDir: usb,
      backupKey,
      appVersion: 'crash-test',
      deviceId: core.services.deviceId,
      officeName: 'Crash',
      now: Date.now(),
    });
    process.stdout.write(`B ${made.name}\n`);
    for (const old of listBackups(usb).slice(3)) deleteBackup(old.path);
  }
}

async function restoreLoop(): Promise<void> {
  const sources = JSON.parse(process.env.HARBOR_RESTORE_FROM!) as string[];
  const start = Number(process.env.HARBOR_START ?? 0);
  for (let i = start; ; i++) {
    write(String(i));
    const path = sources[i % sources.length]!;
    process.stdout.write(`S ${i % sources.length}\n`);
    const jobId = core.backup.startRestore(core.services.db, path, backupKey.key, { userId: null, username: null });
    const job = await core.backup.waitFor(jobId);
    if (job.state !== 'done') throw new Error(`restore failed: ${JSON.stringify(job.error)}`);
    process.stdout.write(`R ${i % sources.length}\n`);
  }
}

process.stdout.write('ready\n');
(process.env.HARBOR_MODE === 'restore' ? restoreLoop() : backupLoop()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
