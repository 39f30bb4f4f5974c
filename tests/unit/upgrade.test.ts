/**
 * Upgrading an older office before the core opens it: in a worker thread,
 * with progress through the trigram refill of migration 0008, cancellable,
 * and safe against SIGKILL at any point (each migration is one transaction;
 * the safety copy is renamed into place only when whole).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserMode } from '../../src-main/browser-mode';
import { openCore } from '../../src-main/core';
import { applyKey, openDatabase } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { KEPT_SAFETY_COPIES, keepSafetyCopy, SCHEMA_VERSION, schemaVersionOf, type MigrateProgress } from '../../src-main/core/db/migrate';
import { pendingUpgrade, runUpgrade, UpgradeCancelled } from '../../src-main/core/db/upgrade';
import { bundleForNode } from '../helpers/bundle';
import { makeTestCore, tempDir } from '../helpers/core';
import { makeVersion8Database, OLD_VERSION, searchMatchesViews } from '../helpers/upgrade';
import Database from 'better-sqlite3';

const ROOT = join(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'node_modules/.cache/harbor-upgrade-kill');
const CONTACTS = 3_000;
/** Smaller than the app's slices, so a few thousand contacts take several. */
const SLICE_ROWS = 1_000;
const PHRASES = ['李丽芳', '130000012', 'u1234@', 'manager', 'wx_15', '海港12', 'seattle'];

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

interface Office {
  dir: string;
  file: string;
  key: Buffer;
  keyStore: FileKeyStore;
}

function oldOffice(): Office {
  const dir = tempDir('harbor-upgrade-');
  dirs.push(dir);
  const keyStore = new FileKeyStore(join(dir, 'harbor.key'));
  const key = keyStore.create();
  const file = join(dir, 'harbor.db');
  makeVersion8Database(file, key, { contacts: CONTACTS, companies: 1_000 });
  return { dir, file, key, keyStore };
}

/** The file's schema version, after an integrity check; the live contacts it holds. */
function inspect(office: Office): { version: number; contacts: number } {
  const db = openDatabase({ file: office.file, key: office.key, create: false });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return { version: schemaVersionOf(db), contacts: db.prepare('SELECT count(*) FROM contacts').pluck().get() as number };
  } finally {
    db.close();
  }
}

/** Safety copies beside the database: complete ones and partial ones. */
function copies(office: Office): { whole: string[]; partial: string[] } {
  const names = readdirSync(office.dir).filter((n) => n.startsWith('harbor.db.pre-v'));
  return { whole: names.filter((n) => n.endsWith('.bak')), partial: names.filter((n) => n.endsWith('.partial')) };
}

function expectSearchLikeViews(office: Office): void {
  const db = openDatabase({ file: office.file, key: office.key, create: false });
  try {
    const checks = searchMatchesViews(db, PHRASES);
    for (const check of checks) expect(check.index, `${check.kind} ${check.phrase}`).toEqual(check.view);
    // Every phrase finds something in one kind or the other, and the recycle bin stays out.
    for (const phrase of PHRASES) expect(checks.filter((c) => c.phrase === phrase).some((c) => c.index.length > 0), phrase).toBe(true);
    expect(checks.find((c) => c.kind === 'contacts' && c.phrase === '*')!.index).toHaveLength(CONTACTS - CONTACTS / 50);
  } finally {
    db.close();
  }
}

const insideRefill = (p: MigrateProgress) => p.rows?.table === 'contacts' && p.rows.done > 0 && p.rows.done < p.rows.total;

describe('upgrading an older office in a worker thread', () => {
  it('reports monotone progress through the trigram refill to 100%; the indexes then match the text views and openCore has nothing left to migrate', async () => {
    const office = oldOffice();
    const pending = pendingUpgrade(office.dir, office.keyStore);
    expect(pending).toMatchObject({ file: office.file, from: OLD_VERSION, to: SCHEMA_VERSION });

    const seen: MigrateProgress[] = [];
    const result = await runUpgrade(pending!, { sliceRows: SLICE_ROWS, onProgress: (p) => seen.push(p) });
    expect(result).toMatchObject({ from: OLD_VERSION, to: SCHEMA_VERSION });

    const total = seen[0]!.total;
    expect(seen.every((p) => p.total === total)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    expect(seen.at(-1)!.done).toBe(total);
    expect(seen[0]!.stage).toBe('copy');
    // Inside the one statement that refills the contacts index, the fraction moves.
    const refill = seen.filter(insideRefill);
    expect(refill.length).toBeGreaterThanOrEqual(2);
    expect(refill.every((p) => p.version === OLD_VERSION + 1 && p.done > 0 && p.done < total)).toBe(true);
    expect(new Set(refill.map((p) => p.done)).size).toBe(refill.length);

    // The copy is whole, under its final name, and holds the old version.
    expect(copies(office)).toEqual({ whole: [basename(result.backupFile!)], partial: [] });
    const copy = new Database(result.backupFile!, { readonly: true });
    applyKey(copy, office.key);
    expect(copy.pragma('user_version', { simple: true })).toBe(OLD_VERSION);
    copy.close();

    expect(inspect(office)).toEqual({ version: SCHEMA_VERSION, contacts: CONTACTS });
    expectSearchLikeViews(office);
    expect(pendingUpgrade(office.dir, office.keyStore)).toBeNull();
    const core = openCore({ dataDir: office.dir, keyStore: office.keyStore });
    try {
      expect(core.migration).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, backupFile: null });
    } finally {
      core.close();
    }
    expect(copies(office).whole).toHaveLength(1);
  });

  it('needs no upgrade for a new install, a current office or one without its key; a wrong key fails as opening would', () => {
    const dir = tempDir('harbor-upgrade-');
    dirs.push(dir);
    const keyStore = new FileKeyStore(join(dir, 'harbor.key'));
    expect(pendingUpgrade(dir, keyStore)).toBeNull();
    const current = makeTestCore({ dir });
    current.close();
    expect(pendingUpgrade(dir, keyStore)).toBeNull();

    const office = oldOffice();
    expect(pendingUpgrade(office.dir, new FileKeyStore(join(office.dir, 'missing.key')))).toBeNull();
    const wrong = new FileKeyStore(join(office.dir, 'wrong.key'));
    wrong.create();
    expect(() => pendingUpgrade(office.dir, wrong)).toThrow(expect.objectContaining({ messageKey: 'errors.db_wrong_key' }));
    // An earlier key of the ring opens it, as in openCore.
    wrong.save([wrong.load()!, office.key]);
    expect(pendingUpgrade(office.dir, wrong)).toMatchObject({ from: OLD_VERSION });
  });

  it('cancelled in the middle of the refill: the file stays at version 8, intact, without a copy; the next upgrade completes', async () => {
    const office = oldOffice();
    const gate = new SharedArrayBuffer(4);
    const open = new Int32Array(gate);
    const cancel = new AbortController();
    const seen: MigrateProgress[] = [];
    const upgrading = runUpgrade(pendingUpgrade(office.dir, office.keyStore)!, {
      gate,
      sliceRows: SLICE_ROWS,
      signal: cancel.signal,
      onProgress: (p) => {
        seen.push(p);
        // Held at this point by the gate until the thread is terminated.
        if (insideRefill(p)) return cancel.abort();
        Atomics.add(open, 0, 1);
        Atomics.notify(open, 0);
      },
    });
    await expect(upgrading).rejects.toBeInstanceOf(UpgradeCancelled);
    expect(seen.some(insideRefill)).toBe(true);
    expect(inspect(office)).toEqual({ version: OLD_VERSION, contacts: CONTACTS });
    expect(copies(office)).toEqual({ whole: [], partial: [] });

    const result = await runUpgrade(pendingUpgrade(office.dir, office.keyStore)!);
    expect(result).toMatchObject({ from: OLD_VERSION, to: SCHEMA_VERSION });
    expect(inspect(office)).toEqual({ version: SCHEMA_VERSION, contacts: CONTACTS });
    expectSearchLikeViews(office);
    expect(copies(office).whole).toHaveLength(1);
  });

  it('a failing migration leaves the file as it was and keeps no copy', async () => {
    const office = oldOffice();
    // Migration 0008 drops this table: without it, the migration fails half way.
    const db = openDatabase({ file: office.file, key: office.key, create: false });
    db.exec('DROP TABLE search_docs');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const sha = () => createHash('sha256').update(readFileSync(office.file)).digest('hex');
    const before = sha();
    await expect(runUpgrade(pendingUpgrade(office.dir, office.keyStore)!)).rejects.toThrow(/search_docs/);
    expect(sha()).toBe(before);
    expect(inspect(office).version).toBe(OLD_VERSION);
    expect(copies(office)).toEqual({ whole: [], partial: [] });
  });

  it('browser mode upgrades before it serves, printing progress lines', async () => {
    const office = oldOffice();
    const lines: string[] = [];
    const mode = await startBrowserMode({ dataDir: office.dir, host: '127.0.0.1', port: 0, staticDir: null, appVersion: '0.1.0-test', log: (l) => lines.push(l) });
    try {
      expect(mode.core.migration).toMatchObject({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      const percents = lines.map((l) => /: (\d+)%$/.exec(l)?.[1]).filter(Boolean).map(Number);
      expect(percents.length).toBeGreaterThan(2);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(percents.at(-1)).toBe(100);
      expect(lines.at(-1)).toContain(join(office.dir, 'harbor.db.pre-v'));
    } finally {
      await mode.close();
    }
  });
});

describe('safety copies', () => {
  it('keeps the newest copies only: each is as big as the database', () => {
    const dir = tempDir('harbor-copies-');
    dirs.push(dir);
    const file = join(dir, 'harbor.db');
    writeFileSync(file, 'database bytes');
    const older = ['harbor.db.pre-v5-1000.bak', 'harbor.db.pre-v6-2000.bak', 'harbor.db.pre-v9-3000.bak'];
    // Not safety copies of this file: left alone.
    const others = ['harbor.db.pre-v9-notes.bak', 'other.db.pre-v5-500.bak'];
    for (const name of [...older, ...others]) writeFileSync(join(dir, name), 'old');
    const made = keepSafetyCopy(file, 11);
    expect(readFileSync(made, 'utf8')).toBe('database bytes');
    expect(KEPT_SAFETY_COPIES).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['harbor.db', basename(made), 'harbor.db.pre-v9-3000.bak', ...others].sort());
  });
});

describe('SIGKILL during an upgrade', () => {
  beforeAll(async () => {
    await bundleForNode(
      { 'upgrade-child': join(import.meta.dirname, 'upgrade-child.ts'), 'upgrade-worker': join(ROOT, 'src-main/core/db/upgrade-worker.ts') },
      BUNDLE,
    );
  }, 60_000);

  /** Upgrades in a child, one progress point at a time, and SIGKILLs it at the first point `killAt` picks. */
  function upgradeAndKill(office: Office, killAt: (p: MigrateProgress) => boolean): Promise<MigrateProgress[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(BUNDLE, 'upgrade-child.js')], {
        cwd: ROOT,
        env: { ...process.env, HARBOR_DIR: office.dir, HARBOR_WORKER_DIR: BUNDLE },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const seen: MigrateProgress[] = [];
      let buffer = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) {
          if (!line.startsWith('{')) continue;
          const progress = JSON.parse(line) as MigrateProgress;
          seen.push(progress);
          if (killAt(progress)) child.kill('SIGKILL');
          else child.stdin!.write('g');
        }
      });
      child.stdin!.on('error', () => undefined);
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${code}): ${stderr}`));
        else resolve(seen);
      });
    });
  }

  it('killed while copying: version 8 and only a partial copy, which the next upgrade removes', async () => {
    const office = oldOffice();
    const seen = await upgradeAndKill(office, (p) => p.stage === 'copy');
    expect(seen.at(-1)!.stage).toBe('copy');
    expect(inspect(office)).toEqual({ version: OLD_VERSION, contacts: CONTACTS });
    expect(copies(office)).toMatchObject({ whole: [], partial: [expect.stringMatching(/\.bak\.partial$/)] });

    await runUpgrade(pendingUpgrade(office.dir, office.keyStore)!);
    expect(inspect(office).version).toBe(SCHEMA_VERSION);
    expect(copies(office)).toMatchObject({ whole: [expect.any(String)], partial: [] });
  });

  it('killed in the middle of the refill: version 8 with its whole copy; the next upgrade completes', async () => {
    const office = oldOffice();
    const seen = await upgradeAndKill(office, insideRefill);
    expect(insideRefill(seen.at(-1)!)).toBe(true);
    expect(inspect(office)).toEqual({ version: OLD_VERSION, contacts: CONTACTS });
    expect(copies(office)).toMatchObject({ whole: [expect.any(String)], partial: [] });

    await runUpgrade(pendingUpgrade(office.dir, office.keyStore)!);
    expect(inspect(office)).toEqual({ version: SCHEMA_VERSION, contacts: CONTACTS });
    expectSearchLikeViews(office);
  });
});
