/**
 * Crash safety: a child process runs backups (then restores) in a loop and is
 * killed with SIGKILL at random points, 50 times each. After every kill the
 * live database passes the integrity check with every acknowledged write, and
 * the backup folder lists only complete backups that verify.
 *
 * The child is bundled once with esbuild (like the production build, with
 * the backup worker beside it) so that each start takes a fraction of a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, databaseKeyOf, inspectBackup, listBackups, type BackupKey } from '../../../src-main/core/backup/archive';
import { hashFile } from '../../../src-main/core/backup/snapshot';
import { checkDatabase } from '../../../src-main/core/backup/copy';
import { deriveBackupKey, newKdfParams } from '../../../src-main/core/backup/kdf';
import { openDatabase } from '../../../src-main/core/db/connection';
import { bundleForNode } from '../../helpers/bundle';
import { makeTestCore, setUpOffice, tempDir } from '../../helpers/core';

const ROOT = join(import.meta.dirname, '../../..');
const BUNDLE = join(ROOT, 'node_modules/.cache/harbor-backup-crash');
const KILLS = 50;

let backupKey: BackupKey;
let work: string;

beforeAll(async () => {
  await bundleForNode(
    {
      'crash-child': join(import.meta.dirname, 'crash-child.ts'),
      'backup-worker': join(ROOT, 'src-main/core/backup/worker.ts'),
    },
    BUNDLE,
  );
  const kdf = newKdfParams({ N: 1024, r: 8, p: 1 });
  backupKey = { kdf, key: await deriveBackupKey('crash password', kdf) };
  work = tempDir('harbor-crash-');
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  lines: string[];
  stderr: string;
}

/** Starts the child, waits until it is ready, lets it work for `ms`, then SIGKILLs it. */
function runAndKill(env: Record<string, string>, ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(BUNDLE, 'crash-child.js')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { lines: [], stderr: '' };
    let buffer = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        run.lines.push(line);
        if (line === 'ready' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), ms);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${code}): ${run.stderr}`));
      else resolve(run);
    });
  });
}

function liveKey(dir: string): Buffer {
  return Buffer.from(readFileSync(join(dir, 'harbor.key'), 'utf8').trim(), 'hex');
}

/** The live database is intact and holds every acknowledged write. */
function checkLive(dir: string, acked: Set<string>): Record<string, string> {
  const db = openDatabase({ file: join(dir, 'harbor.db'), key: liveKey(dir), create: false });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const present = new Set(
      (db.prepare(`SELECT key FROM local_meta WHERE key LIKE 'crash.%'`).all() as { key: string }[]).map((r) => r.key.slice('crash.'.length)),
    );
    for (const id of acked) expect(present.has(id), `acknowledged write ${id}`).toBe(true);
    const settings = db.prepare(`SELECT id, value FROM settings`).all() as { id: string; value: string }[];
    return Object.fromEntries(settings.map((s) => [s.id, JSON.parse(s.value) as string]));
  } finally {
    db.close();
  }
}

const verified = new Map<string, string>();

/** Every listed backup is complete: manifest opens, checksum matches, integrity check and counts pass. */
async function checkBackups(usb: string): Promise<number> {
  const listed = listBackups(usb);
  for (const b of listed) {
    const contents = inspectBackup(b.path, backupKey.key);
    const file = join(b.path, 'backup.db');
    const sha = await hashFile(file, statSync(file).size);
    expect(sha, b.name).toBe(contents.db.sha256);
    if (verified.get(b.name) === sha) continue;
    const check = checkDatabase(join(b.path, 'backup.db'), databaseKeyOf(b.path, backupKey.key));
    expect(check.integrity, b.name).toBe('ok');
    expect(check.counts).toEqual(contents.counts);
    verified.set(b.name, sha);
  }
  return listed.length;
}

const randomDelay = () => 30 + Math.floor(Math.random() * 300);

describe('SIGKILL during backups and restores', () => {
  it(`backups: ${KILLS} kills leave the live database intact and only complete backups`, async () => {
    const dir = join(work, 'backup-data');
    const usb = join(work, 'backup-usb');
    mkdirSync(usb, { recursive: true });
    const core = makeTestCore({ dir });
    await setUpOffice(core, { loadSampleData: true });
    core.close();
    const acked = new Set<string>();
    let completed = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const run = await runAndKill(
        { HARBOR_DIR: dir, HARBOR_USB: usb, HARBOR_MODE: 'backup', HARBOR_BACKUP_KEY: JSON.stringify({ kdf: backupKey.kdf, key: backupKey.key.toString('hex') }) },
        randomDelay(),
      );
      for (const line of run.lines) {
        if (line.startsWith('W ')) acked.add(line.slice(2));
        if (line.startsWith('B ')) completed++;
      }
      checkLive(dir, acked);
      await checkBackups(usb);
    }
    console.log(`backup crash test: ${KILLS} kills, ${completed} backups completed, ${acked.size} writes acknowledged, ${verified.size} backups verified`);
    // The kills landed both between and inside backups.
    expect(completed).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(completed);
    expect(verified.size).toBeGreaterThan(0);
    // Only hidden temp folders of interrupted backups may remain besides complete ones; the next backup removes them.
    for (const name of readdirSync(usb)) if (!name.startsWith('.')) expect(name).toMatch(/\.harborbackup$/);
  }, 180_000);

  it(`restores: ${KILLS} kills leave a complete database, old or new, with every acknowledged write`, async () => {
    const dir = join(work, 'restore-data');
    const usb = join(work, 'restore-usb');
    mkdirSync(usb, { recursive: true });
    const core = makeTestCore({ dir });
    const token = await setUpOffice(core, { loadSampleData: true });
    const sources: string[] = [];
    for (const name of ['Zero', 'One']) {
      await core.ok('settings.update', { officeName: name }, token);
      const made = await createBackup({
        srcFile: core.dbFile,
        srcKey: liveKey(dir),
        targetDir: usb,
        backupKey,
        appVersion: 'crash-test',
        deviceId: core.services.deviceId,
        officeName: name,
        now: Date.now(),
      });
      sources.push(made.path);
    }
    await core.ok('settings.update', { officeName: 'Start' }, token);
    core.close();

    const acked = new Set<string>();
    let lastRestored = 'Start';
    let lastStarted: string | null = null;
    let restores = 0;
    let start = 0;
    const names = ['Zero', 'One'];
    for (let kill = 0; kill < KILLS; kill++) {
      const run = await runAndKill(
        {
          HARBOR_DIR: dir,
          HARBOR_USB: usb,
          HARBOR_MODE: 'restore',
          HARBOR_START: String(start),
          HARBOR_RESTORE_FROM: JSON.stringify(sources),
          HARBOR_BACKUP_KEY: JSON.stringify({ kdf: backupKey.kdf, key: backupKey.key.toString('hex') }),
        },
        randomDelay(),
      );
      for (const line of run.lines) {
        if (line.startsWith('W ')) acked.add(line.slice(2));
        if (line.startsWith('S ')) lastStarted = names[Number(line.slice(2))]!;
        if (line.startsWith('R ')) {
          lastRestored = names[Number(line.slice(2))]!;
          lastStarted = null;
          restores++;
        }
      }
      start += run.lines.filter((l) => l.startsWith('W ')).length;
      const settings = checkLive(dir, acked);
      // Either the last acknowledged state or the restore that was under way: never a mix, never empty.
      expect([lastRestored, lastStarted]).toContain(settings.officeName);
      if (settings.officeName !== lastRestored) lastRestored = settings.officeName!;
      lastStarted = null;
      // Safety copies are complete databases.
      const safety = join(dir, 'safety-copies');
      const copies = existsSync(safety) ? readdirSync(safety).filter((n) => n.endsWith('.db')) : [];
      if (copies.length > 0) {
        const newest = copies.sort().at(-1)!;
        const db = openDatabase({ file: join(safety, newest), key: liveKey(dir), create: false, readonly: true });
        expect(db.pragma('quick_check', { simple: true })).toBe('ok');
        db.close();
      }
    }
    console.log(`restore crash test: ${KILLS} kills, ${restores} restores completed, ${acked.size} writes acknowledged`);
    expect(restores).toBeGreaterThan(0);
    expect(await checkBackups(usb)).toBe(2);
  }, 180_000);
});
