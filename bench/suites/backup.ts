/**
 * Backup and restore of a large encrypted database (about 1 GB; `--quick`:
 * 64 MB) against copying the same file with the OS (`fs.copyFileSync`),
 * measured in the same run. Also: the slowest main-thread stall while a
 * backup runs (the copy runs in a worker thread), and the alternative
 * "copy the file, then PRAGMA rekey" for comparison (not usable online: it
 * needs a checkpointed, quiet database; here it is slower than the
 * VACUUM-like copy anyway, which re-encrypts each page exactly once).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openCore } from '../../src-main/core';
import { createBackup, restoreToFile } from '../../src-main/core/backup/archive';
import { deriveBackupKey, newKdfParams } from '../../src-main/core/backup/kdf';
import { runWorker } from '../../src-main/core/backup/run-worker';
import { applyKey } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { tempDir } from '../../tests/helpers/core';
import { round2, type Suite } from '../lib';

/** Fills change_log (two indexes, like real office tables) until the file reaches `bytes`. */
function fill(db: Database.Database, bytes: number): void {
  const insert = db.prepare(`INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data) VALUES (?, 'bench', 'contacts', ?, 'insert', ?)`);
  const payload = JSON.stringify({ family_name: '王', given_name: '伟芳', title: '经理', city: '上海市', notes: '客户'.repeat(60) });
  let i = 0;
  const size = () => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  while (size() < bytes) {
    db.transaction(() => {
      for (let n = 0; n < 20_000; n++, i++) insert.run(`${1_700_000_000_000 + i}-0000-bench`, `0190${String(i).padStart(12, '0')}`, payload);
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function timed<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

export const backupSuite: Suite = {
  name: 'backup',
  async run({ quick, report }) {
    const target = quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
    const dir = tempDir('harbor-bench-backup-');
    try {
      const core = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')), appVersion: 'bench' });
      const liveKey = Buffer.from(readFileSync(join(dir, 'harbor.key'), 'utf8').trim(), 'hex');
      fill(core.services.db, target);
      const bytes = statSync(core.dbFile).size;
      const mb = Math.round(bytes / 1024 / 1024);
      const usb = join(dir, 'usb');
      mkdirSync(usb);
      const kdf = newKdfParams();
      const backupKey = { kdf, key: await deriveBackupKey('bench password', kdf) };

      // Baseline: the OS copies the same file (warm cache, like the backup reads).
      const copy = timed(() => copyFileSync(core.dbFile, join(dir, 'copy.db')));
      rmSync(join(dir, 'copy.db'));
      report({ name: 'backup.osCopy', unit: 'ms', value: Math.round(copy.ms), mb });

      // Starting the worker thread (from source it is compiled on the fly; the built app loads plain JS).
      const startT0 = performance.now();
      await runWorker({ op: 'check', file: join(dir, 'missing.db'), key: liveKey.toString('hex') }).catch(() => undefined);
      report({ name: 'backup.workerStart', unit: 'ms', value: Math.round(performance.now() - startT0) });

      const stalls = monitorEventLoopDelay({ resolution: 10 });
      stalls.enable();
      let snapshotMs = 0;
      const t0 = performance.now();
      const made = await createBackup({
        srcFile: core.dbFile,
        srcKey: liveKey,
        targetDir: usb,
        backupKey,
        appVersion: 'bench',
        deviceId: core.services.deviceId,
        officeName: 'Bench',
        now: Date.now(),
        onProgress: (_done, _total, stage) => {
          if (stage === 'verify' && snapshotMs === 0) snapshotMs = performance.now() - t0;
        },
      });
      const backupMs = performance.now() - t0;
      stalls.disable();
      report({ name: 'backup.snapshot', unit: 'ms', value: Math.round(snapshotMs), baseline: Math.round(copy.ms), ratio: round2(snapshotMs / copy.ms), target: '<= 2x OS copy', mb });
      report({ name: 'backup.createVerified', unit: 'ms', value: Math.round(backupMs), baseline: Math.round(copy.ms), ratio: round2(backupMs / copy.ms), target: '<= 2x OS copy', mb });
      report({ name: 'backup.mainThreadMaxStall', unit: 'ms', value: round2(stalls.max / 1e6) });

      const restoreT0 = performance.now();
      await restoreToFile({ backupPath: made.path, backupKey: backupKey.key, destFile: join(dir, 'restored.db'), destKey: liveKey });
      const restoreMs = performance.now() - restoreT0;
      report({ name: 'backup.restore', unit: 'ms', value: Math.round(restoreMs), baseline: Math.round(copy.ms), ratio: round2(restoreMs / copy.ms), target: '<= 2x OS copy', mb });
      rmSync(join(dir, 'restored.db'));

      // For comparison: file copy + PRAGMA rekey (needs a quiet, checkpointed database).
      core.close();
      const rekey = timed(() => {
        copyFileSync(core.dbFile, join(dir, 'rekey.db'));
        const db = new Database(join(dir, 'rekey.db'));
        applyKey(db, liveKey);
        // Rekeying is refused in WAL mode; a temp copy needs no journal.
        db.pragma('journal_mode = DELETE');
        db.pragma('journal_mode = OFF');
        db.pragma(`rekey="x'${backupKey.key.toString('hex')}'"`);
        db.close();
      });
      const check = new Database(join(dir, 'rekey.db'), { readonly: true });
      applyKey(check, backupKey.key);
      check.prepare('SELECT count(*) FROM change_log').get();
      check.close();
      report({ name: 'backup.alt.copyThenRekey', unit: 'ms', value: Math.round(rekey.ms), baseline: Math.round(copy.ms), ratio: round2(rekey.ms / copy.ms), mb });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
