/**
 * Planner statistics computed in a worker thread on a read-only connection
 * (src-main/core/db/statistics*.ts), against what SQLite's own ANALYZE writes
 * on a copy of the same encrypted file; the planner's choices for list
 * queries with each; and the refresh around the lock, a close and a restore.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type SqliteDb } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { migrate } from '../../src-main/core/db/migrate';
import { settings } from '../../src-main/core/db/schema';
import { PlannerStatistics, type StatisticsOptions } from '../../src-main/core/db/statistics';
import { parseCreateIndex, staleTables, Stopped, tableStatistics } from '../../src-main/core/db/statistics-scan';
import { applyReceived, applyWorkerFor, startApplyWorker, stopApplyWorker } from '../../src-main/core/sync/apply';
import { readBatch } from '../../src-main/core/sync/exchange';
import { disposedAfterEach, makeTestCore, setUpOffice, tempDir, type TestCore } from '../helpers/core';
import { seedContacts } from '../helpers/seed-contacts';
import { writeOn } from './sync/helpers';

const core = disposedAfterEach();

const keyOf = (c: TestCore) => new FileKeyStore(c.keyFile).loadAll()[0]!;

function statRows(db: SqliteDb): { tbl: string; idx: string | null; stat: string }[] {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get()) return [];
  return db.prepare('SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx').all() as { tbl: string; idx: string | null; stat: string }[];
}

/** Tables and indexes of every kind ANALYZE treats apart, with data that tells them apart. */
function createEdgeTables(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE stat_edge (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT, gone INTEGER);
    CREATE INDEX stat_edge_nocase ON stat_edge (a COLLATE NOCASE, b DESC);
    CREATE INDEX stat_edge_expr ON stat_edge (lower(c), b) WHERE gone IS NULL;
    CREATE UNIQUE INDEX stat_edge_unique ON stat_edge (c);
    CREATE INDEX stat_edge_empty ON stat_edge (b) WHERE gone = 99;
    CREATE INDEX "stat_edge tricky" ON stat_edge ("a" /* ) , */, [b]) WHERE c <> 'x) WHERE (' AND -- a ) comment
      b IS NOT NULL;
    WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < 12000)
    INSERT INTO stat_edge (a, b, c, gone)
    SELECT substr('AbaBAB', 1 + (i % 3) * 2, 2) || (i % 50), i % 17, CASE WHEN i % 3 = 0 THEN NULL ELSE 'C' || i END, CASE WHEN i % 9 = 0 THEN 1 END FROM s;

    CREATE TABLE stat_pk (k TEXT NOT NULL, n INTEGER NOT NULL, v, PRIMARY KEY (k, n)) WITHOUT ROWID;
    CREATE INDEX stat_pk_v ON stat_pk (v);
    WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < 3000)
    INSERT INTO stat_pk SELECT 'k' || (i % 40), i, i % 13 FROM s;

    CREATE TABLE stat_partial_only (x, y);
    CREATE INDEX stat_partial_only_x ON stat_partial_only (x) WHERE y > 0;
    WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < 900)
    INSERT INTO stat_partial_only SELECT i % 30, i % 4 FROM s;

    CREATE TABLE stat_plain (x);
    INSERT INTO stat_plain VALUES (1), (2), (3);
    CREATE TABLE stat_empty (x);
    CREATE INDEX stat_empty_x ON stat_empty (x);
  `);
}

/** A copy of the file where SQLite itself analysed `tables` in full (analysis_limit 0). */
function analysedCopy(db: SqliteDb, file: string, key: Buffer, tables: string[]): SqliteDb {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const copy = join(tempDir('harbor-stats-copy-'), 'copy.db');
  copyFileSync(file, copy);
  const other = openDatabase({ file: copy, key, create: false });
  other.pragma('analysis_limit = 0');
  for (const t of tables) other.exec(`ANALYZE "main"."${t}"`);
  return other;
}

/** What PRAGMA optimize would analyse on a fresh writable connection (it takes the write lock, hence the copy). */
function optimizeWouldAnalyse(file: string, key: Buffer): string[] {
  const db = openDatabase({ file, key, create: false });
  try {
    const report = db.pragma('optimize = 0x10003') as { optimize: string }[];
    return report.map((r) => /^ANALYZE "main"\."(.+)"$/.exec(r.optimize)![1]!).sort();
  } finally {
    db.close();
  }
}

/** Representative list queries (the shapes list.ts and the handlers build), with parameters. */
const LIST_QUERIES: [string, unknown[]][] = [
  ['SELECT r.* FROM contacts r WHERE r.deleted_at IS NULL AND 1 ORDER BY r.name_key ASC, r.rowid ASC LIMIT 50 OFFSET 0', []],
  ['SELECT r.* FROM contacts r WHERE r.deleted_at IS NULL AND (r.owner_id IS NULL OR r.owner_id = ?) ORDER BY r.updated_at DESC, r.rowid DESC LIMIT 50 OFFSET 0', ['owner01']],
  ['SELECT r.* FROM contacts r WHERE r.deleted_at IS NULL AND 1 AND r.city = ? AND r.province = ? ORDER BY r.name_key ASC, r.rowid ASC LIMIT 50 OFFSET 0', ['上海市', 'P3']],
  ['SELECT r.* FROM contacts r WHERE r.deleted_at IS NULL AND 1 AND +r.city = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT 50 OFFSET 0', ['上海市']],
  ['SELECT count(*) AS n FROM (SELECT 1 FROM contacts r WHERE r.deleted_at IS NULL AND 1 AND r.owner_id = ? AND r.title = ? LIMIT 10001)', ['owner01', '经理']],
  ['SELECT count(*) AS n FROM (SELECT 1 FROM contacts r WHERE r.deleted_at IS NULL AND 1 AND r.province = ? AND r.city = ? AND r.title = ? LIMIT 10001)', ['P3', 'city2', '经理']],
  ['SELECT count(*) AS n FROM (SELECT 1 FROM contacts r WHERE r.deleted_at IS NULL AND 1 AND r.created_at >= ? AND r.city = ? LIMIT 10001)', [1_700_000_000_000 + 20_000_000, 'city1']],
  ['SELECT * FROM contacts WHERE owner_id = ? AND deleted_at IS NULL AND updated_at < ? ORDER BY updated_at LIMIT ?', ['owner10', 1_700_000_500_000, 50]],
  ['SELECT r.* FROM contacts r WHERE r.deleted_at IS NULL AND r.given_key = ? AND r.city = ? ORDER BY r.name_key LIMIT 50', ['g3', 'city1']],
  ['SELECT * FROM stat_edge WHERE a = ? COLLATE NOCASE AND lower(c) = ? AND gone IS NULL', ['ab1', 'c4']],
];

const plans = (db: SqliteDb) => LIST_QUERIES.map(([sql, params]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | '));

describe('planner statistics computed off the main thread', () => {
  let c: TestCore;
  let copy: SqliteDb;
  let result: Awaited<ReturnType<PlannerStatistics['refresh']>>;
  let threads: (number | null)[];
  let optimizeBefore: string[];

  beforeAll(async () => {
    c = makeTestCore();
    await setUpOffice(c);
    seedContacts(c.services.db, 30_000);
    createEdgeTables(c.services.db);
    c.services.db.pragma('wal_checkpoint(TRUNCATE)');
    optimizeBefore = optimizeWouldAnalyse(c.dbFile, keyOf(c));
    // Each write of a table's rows happens between calls, while the worker thread (not this one) holds what it read.
    threads = [];
    const exclusive = c.dispatcher.exclusive.bind(c.dispatcher);
    vi.spyOn(c.dispatcher, 'exclusive').mockImplementation((fn) => exclusive(() => (threads.push(c.statistics.threadId), fn())));
    result = await c.statistics.refresh();
    vi.restoreAllMocks();
    copy = analysedCopy(c.services.db, c.dbFile, keyOf(c), result.stale);
  }, 120_000);

  afterAll(() => {
    copy?.close();
    c?.dispose();
  });

  it('finds the stale tables as PRAGMA optimize does, without its write lock, and skips full-text shadow tables', () => {
    expect(result.stale).toEqual(optimizeBefore.filter((t) => !/_fts_/.test(t)));
    expect(result.stale).toEqual(expect.arrayContaining(['contacts', 'stat_edge', 'stat_pk', 'stat_partial_only', 'stat_plain']));
    expect(result.stale).not.toContain('stat_empty');
    expect(result.written).toEqual(result.stale);
    // One write step per table, each while a worker thread was running the refresh.
    expect(threads).toHaveLength(result.stale.length);
    expect(threads.every((t) => typeof t === 'number' && t > 0)).toBe(true);
    // Afterwards nothing is stale but what no ANALYZE can settle (an empty table without an index), here and for PRAGMA optimize.
    const fresh = openDatabase({ file: c.dbFile, key: keyOf(c), create: false, readonly: true });
    const still = staleTables(fresh);
    fresh.close();
    expect(still).toEqual(optimizeWouldAnalyse(c.dbFile, keyOf(c)).filter((t) => !/_fts_/.test(t)));
    expect(still.every((t) => (c.services.db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number) === 0)).toBe(true);
  });

  it('writes exactly the sqlite_stat1 rows a full ANALYZE writes: partial, multi-column, NOCASE, DESC, expression, unique, WITHOUT ROWID', () => {
    const ours = statRows(c.services.db);
    expect(ours).toEqual(statRows(copy));
    const row = (idx: string) => ours.find((r) => r.idx === idx)?.stat;
    expect(row('contacts_deleted')).toBe('1500 1500');
    expect(row('contacts_owner')).toMatch(/^28500( \d+){2,}$/);
    expect(row('stat_edge_empty')).toBe('0 0');
    expect(ours.find((r) => r.tbl === 'stat_pk' && r.idx === 'stat_pk')?.stat).toBe('3000 75 1');
    // A table's own row only where no index covers every row (all partial, or none at all).
    const own = ours.filter((r) => r.idx === null).map((r) => r.tbl);
    expect(own).toEqual(expect.arrayContaining(['stat_partial_only', 'stat_plain']));
    expect(own).not.toContain('stat_edge');
  });

  it('the planner makes the same choices for list queries as after a real ANALYZE', () => {
    // The copy's sample rows (sqlite_stat4, which this build also collects) are dropped: the refresh writes none, like analysis_limit did.
    copy.exec('DELETE FROM sqlite_stat4; ANALYZE sqlite_schema');
    const ourPlans = plans(c.services.db);
    expect(ourPlans).toEqual(plans(copy));
    // Exact counts: the more selective of two filter indexes leads.
    expect(ourPlans[2]).toContain('contacts_province');
  });
});

function standalone(): { db: SqliteDb; file: string; key: Buffer; options: StatisticsOptions } {
  const dir = tempDir('harbor-stats-');
  const file = join(dir, 'harbor.db');
  const key = Buffer.alloc(32, 5);
  const db = openDatabase({ file, key });
  migrate(db, null);
  seedContacts(db, 5_000);
  return { db, file, key, options: { db: () => db, exclusive: async (fn) => fn(), location: () => ({ file, key }) } };
}

/**
 * Holds the next `exclusive` step (a refresh's first write) until `gate()`:
 * meanwhile its worker has its connection open and waits for the next table.
 */
function holdFirstWrite(c: TestCore): { atWrite: Promise<void>; gate: () => void } {
  let gate!: () => void;
  const held = new Promise<void>((resolve) => (gate = resolve));
  let reached!: () => void;
  const atWrite = new Promise<void>((resolve) => (reached = resolve));
  const exclusive = c.dispatcher.exclusive.bind(c.dispatcher);
  vi.spyOn(c.dispatcher, 'exclusive').mockImplementationOnce(async (fn) => {
    reached();
    await held;
    return exclusive(fn);
  });
  return { atWrite, gate };
}

describe('the refresh around the rest of the app', () => {
  it('never waits for the write lock: a locked database is tried again without blocking this thread', async () => {
    const { db, file, key, options } = standalone();
    const holder = openDatabase({ file, key, create: false });
    holder.exec('BEGIN IMMEDIATE');
    const attempts: number[] = [];
    const statistics = new PlannerStatistics({
      ...options,
      exclusive: async (fn) => {
        const t0 = performance.now();
        const value = fn();
        attempts.push(performance.now() - t0);
        if (holder.inTransaction) holder.exec('COMMIT');
        return value;
      },
    });
    const result = await statistics.refresh();
    expect(result.written).toContain('contacts');
    // The first attempt met the lock and gave up at once (the busy timeout is 5 s, which it would otherwise have waited).
    expect(attempts.length).toBe(result.written.length + 1);
    expect(attempts[0]!).toBeLessThan(2_500);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(statRows(db).some((r) => r.idx === 'contacts_name')).toBe(true);
    holder.close();
    db.close();
  });

  it('never throws: a worker that cannot open the database, a stopped refresher', async () => {
    const { db, options } = standalone();
    const wrongKey = new PlannerStatistics({ ...options, location: () => ({ ...options.location(), key: Buffer.alloc(32, 6) }) });
    await expect(wrongKey.refresh()).resolves.toEqual({ stale: [], written: [] });
    const stopped = new PlannerStatistics(options);
    stopped.stop();
    await expect(stopped.refresh()).resolves.toEqual({ stale: [], written: [] });
    expect(statRows(db)).toEqual([]);
    db.close();
  });

  it('a scan asked to stop ends between two statements and leaves no transaction open', () => {
    const { db } = standalone();
    let statements = 0;
    expect(() => tableStatistics(db, 'contacts', () => ++statements > 3)).toThrow(Stopped);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('closing during a refresh: the worker lets go of the file before the core closes it, and nothing is written after', async () => {
    const c = core();
    await setUpOffice(c);
    seedContacts(c.services.db, 3_000);
    const { atWrite, gate } = holdFirstWrite(c);
    const refreshing = c.statistics.refresh();
    await atWrite;
    expect(c.statistics.threadId).not.toBeNull();
    c.close();
    expect(c.statistics.threadId).toBeNull();
    // The last connection to close removes the log files: the worker's was closed before the core's.
    expect(existsSync(`${c.dbFile}-wal`)).toBe(false);
    expect(existsSync(`${c.dbFile}-shm`)).toBe(false);
    gate();
    await expect(refreshing).resolves.toMatchObject({ written: [] });
    await c.statistics.settled();
    const after = openDatabase({ file: c.dbFile, key: keyOf(c), create: false, readonly: true });
    expect(statRows(after)).toEqual([]);
    after.close();
    vi.restoreAllMocks();
  });

  it('a restore during a refresh swaps the file (the worker lets go first); the next refresh analyses the restored file', async () => {
    const c = core();
    const token = await setUpOffice(c);
    seedContacts(c.services.db, 3_000);
    const usb = join(c.dir, 'usb');
    mkdirSync(usb);
    await c.ok('backup.setConfig', { targetDir: usb }, token);
    await c.ok('backup.setPassword', { password: 'backup password 1' }, token);
    const backup = await c.backup.waitFor((await c.ok('backup.run', {}, token)).jobId);
    expect(backup.state).toBe('done');

    const { atWrite, gate } = holdFirstWrite(c);
    const before = c.services.db;
    const refreshing = c.statistics.refresh();
    await atWrite;
    const { jobId } = await c.ok('backup.restore', { path: backup.path!, password: 'backup password 1' }, token);
    const restored = await c.backup.waitFor(jobId);
    expect(restored.error).toBeNull();
    expect(restored.state).toBe('done');
    expect(c.services.db).not.toBe(before);
    gate();
    await expect(refreshing).resolves.toMatchObject({ written: [] });
    expect(statRows(c.services.db)).toEqual([]);
    vi.restoreAllMocks();

    const next = await c.statistics.refresh();
    expect(next.written).toContain('contacts');
    expect(statRows(c.services.db).find((r) => r.idx === 'contacts_name')?.stat).toMatch(/^2850 /);
    rmSync(usb, { recursive: true, force: true });
  });
});

describe('other connections', () => {
  it('the sync worker is told, and opens its connection again (reading the new statistics) before its next batch', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    const put = (from: number) =>
      writeOn(a, (w) => {
        for (let i = from; i < from + 50; i++) w.insertRaw(settings, { id: `stats.${i}`, value: JSON.stringify({ n: i }) });
      });
    put(0);
    const worker = startApplyWorker(b.services)!;
    try {
      const source = { name: `peer:${a.services.deviceId}`, from: 0 };
      const first = readBatch(a.services, 0, 10_000);
      await applyReceived(b.services, first, { ...source, cursor: first.end });
      const told = vi.spyOn(applyWorkerFor(b.services)!, 'statisticsChanged');
      seedContacts(b.services.db, 2_000);
      expect((await b.statistics.refresh()).written).toContain('contacts');
      expect(told).toHaveBeenCalledTimes(1);
      put(50);
      const second = readBatch(a.services, first.end, 10_000);
      await expect(applyReceived(b.services, second, { ...source, cursor: second.end, from: first.end })).resolves.toMatchObject({ applied: second.entries.length });
      expect(worker.stats).toMatchObject({ batches: 2, crashes: 0 });
      expect(b.services.db.prepare("SELECT count(*) FROM settings WHERE id LIKE 'stats.%'").pluck().get()).toBe(100);
    } finally {
      vi.restoreAllMocks();
      await stopApplyWorker(b.services);
    }
  });
});

describe('CREATE INDEX text', () => {
  it('gives each indexed term and the WHERE clause, past quotes, brackets and comments', () => {
    expect(parseCreateIndex(`CREATE INDEX "i" ON "t" ("a" /* ) , */, lower(b) COLLATE NOCASE DESC, [c]) WHERE c <> 'x) WHERE (' -- )\n AND d`)).toEqual({
      terms: ['"a"', 'lower(b)', '[c]'],
      where: `c <> 'x) WHERE (' -- )\n AND d`,
    });
    expect(parseCreateIndex('CREATE UNIQUE INDEX IF NOT EXISTS main.x ON t(a)')).toEqual({ terms: ['a'], where: null });
  });
});
