/**
 * Query planner statistics, kept fresh without stalling the app. Some time
 * after opening, then hourly, a worker thread (statistics-worker.ts) opens the
 * database read-only, finds the tables whose statistics are missing or stale
 * (one that grew tenfold, as after an import) and computes, one table at a
 * time and inside read transactions only, the sqlite_stat1 rows ANALYZE would
 * write (statistics-scan.ts). Counting a million contacts' index entries
 * takes seconds (every page read is decrypted); none of it runs here.
 *
 * The main connection then writes each table's few rows in a short
 * transaction of its own, between calls, and reloads them with
 * `ANALYZE sqlite_schema` (which analyses nothing: it re-reads the statistics
 * tables and expires prepared statements, so the next ones are planned with
 * them). That write never waits for the lock: when another connection holds
 * it (a sync batch), it is tried again shortly, then at the next refresh.
 * Other connections read statistics when they open; the sync worker is told
 * to open its connection again (`onWritten`).
 *
 * A restore swapping the file, or closing the core, takes the database back
 * from the worker synchronously (`release`) before the file is checkpointed.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerScript } from '../worker-script';
import type { SqliteDb } from './connection';
import { quoteId, type StatRow } from './statistics-scan';

/** The first refresh waits this long after opening, so start-up work goes first. */
const FIRST_AFTER_MS = 30_000;
const EVERY_MS = 60 * 60_000;
/** A write that found the database locked is tried again after this long, this many times. */
const BUSY_RETRY_MS = 200;
const BUSY_ATTEMPTS = 4;
/** How long `release` waits for the statement in progress in the worker before going on without it. */
const RELEASE_TIMEOUT_MS = 5_000;

/** Cells of the worker's shared memory. */
export const STATE = 0;
export const STOP = 1;
/** Values of STATE: the worker has not opened its connection yet (0), has it open, has closed it for good. */
export const OPEN = 1;
export const RELEASED = 2;

export interface StatisticsWorkerData {
  file: string;
  /** The database key, hex. */
  key: string;
  /** Two Int32 cells: STATE and STOP. */
  shared: SharedArrayBuffer;
}

export type StatisticsRequest = { op: 'scan'; table: string } | { op: 'close' };

export type StatisticsReply =
  | { type: 'stale'; tables: string[] }
  | { type: 'table'; table: string; rows: StatRow[] }
  | { type: 'failed'; table: string; message: string }
  | { type: 'error'; message: string };

export interface DatabaseLocation {
  file: string;
  key: Buffer;
}

const hasTable = (db: SqliteDb, name: string) => db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((error as { code?: string }).code ?? '');

/**
 * Replaces a table's statistics with `rows` as `ANALYZE "main"."<table>"`
 * does (its sqlite_stat4 samples go too) and makes this connection's planner
 * use them. Never waits for the write lock: throws SQLITE_BUSY instead.
 */
export function writeStatistics(db: SqliteDb, table: string, rows: StatRow[]): void {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Creates the statistics tables when missing (an ordinary CREATE TABLE may not use their names).
      if (!hasTable(db, 'sqlite_stat1')) db.exec('ANALYZE sqlite_schema');
      for (const stat of ['sqlite_stat1', 'sqlite_stat4', 'sqlite_stat3']) {
        if (hasTable(db, stat)) db.prepare(`DELETE FROM ${quoteId(stat)} WHERE tbl = ?`).run(table);
      }
      const insert = db.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)');
      for (const row of rows) insert.run(table, row.idx, row.stat);
      // Reloads the statistics into this connection's schema and expires its prepared statements.
      db.exec('ANALYZE sqlite_schema');
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

class WorkerLost extends Error {}

/** One refresh's worker thread: requests one at a time, and a synchronous way to take the database back. */
class ScanWorker {
  private readonly worker: Worker;
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private waiting: { resolve: (reply: StatisticsReply) => void; reject: (error: Error) => void } | null = null;
  private early: StatisticsReply | null = null;
  private gone = false;
  readonly exited: Promise<void>;

  constructor(location: DatabaseLocation) {
    const workerData: StatisticsWorkerData = { file: location.file, key: location.key.toString('hex'), shared: this.shared.buffer as SharedArrayBuffer };
    this.worker = startWorkerScript(import.meta.url, './statistics-worker.ts', 'statistics-worker.js', workerData);
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (reply: StatisticsReply) => {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting) waiting.resolve(reply);
      else this.early = reply;
    });
    const lost = () => {
      this.gone = true;
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.reject(new WorkerLost('statistics worker ended'));
    };
    this.worker.on('error', lost);
    this.worker.on('exit', lost);
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /** The next reply (the first one is the list of stale tables). */
  next(request?: StatisticsRequest): Promise<StatisticsReply> {
    if (this.gone) return Promise.reject(new WorkerLost('statistics worker ended'));
    return new Promise((resolve, reject) => {
      if (this.early) {
        resolve(this.early);
        this.early = null;
        return;
      }
      this.waiting = { resolve, reject };
      if (request) this.worker.postMessage(request);
    });
  }

  /** The refresh is over: the worker closes its connection and ends. */
  async close(): Promise<void> {
    if (!this.gone) this.worker.postMessage({ op: 'close' } satisfies StatisticsRequest);
    const timer = setTimeout(() => void this.worker.terminate(), RELEASE_TIMEOUT_MS).unref();
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * Synchronously: the worker closes its connection (or never opens it); at
   * most the statement in progress is waited for. Then the thread ends.
   */
  release(): void {
    if (!this.gone && Atomics.compareExchange(this.shared, STATE, 0, RELEASED) === OPEN) {
      Atomics.store(this.shared, STOP, 1);
      this.worker.postMessage({ op: 'close' } satisfies StatisticsRequest);
      if (Atomics.wait(this.shared, STATE, OPEN, RELEASE_TIMEOUT_MS) === 'timed-out') {
        console.error('[harbor] statistics worker did not release the database in time; stopping it');
      }
    }
    this.gone = true;
    void this.worker.terminate();
  }
}

export interface StatisticsOptions {
  /** The connection now in use (a restore replaces it). */
  db: () => SqliteDb;
  /** Runs `fn` between calls (the dispatcher's `exclusive`). */
  exclusive: <T>(fn: () => T) => Promise<T>;
  /** Where the worker opens the same database (a restore may change the key). */
  location: () => DatabaseLocation;
  /** After a refresh wrote statistics: other connections should read them again. */
  onWritten?: () => void;
}

export interface RefreshResult {
  /** The tables found stale. */
  stale: string[];
  /** The tables whose statistics were written. */
  written: string[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Refreshes stale statistics some time after opening, then hourly, in a worker thread. */
export class PlannerStatistics {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private worker: ScanWorker | null = null;
  private running: Promise<RefreshResult> | null = null;

  constructor(private readonly options: StatisticsOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(FIRST_AFTER_MS);
  }

  /** Stops the schedule and any refresh in progress; synchronously, the worker lets go of the database. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.release();
  }

  /**
   * Synchronously ends the refresh in progress, if any, and its worker's hold
   * on the database (before a restore swaps the file). The schedule goes on.
   */
  release(): void {
    const worker = this.worker;
    this.worker = null;
    worker?.release();
  }

  /** The thread of the refresh in progress (null when none runs). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Resolves once no refresh runs (its worker thread has ended). */
  async settled(): Promise<void> {
    await this.running;
  }

  /** One full refresh; resolves (never rejects) when done, released or stopped. A refresh already running is joined. */
  refresh(): Promise<RefreshResult> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<RefreshResult> {
    const result: RefreshResult = { stale: [], written: [] };
    if (this.stopped) return result;
    const db = this.options.db();
    let worker: ScanWorker;
    try {
      worker = new ScanWorker(this.options.location());
    } catch {
      return result;
    }
    this.worker = worker;
    const current = () => this.worker === worker && !this.stopped && this.options.db() === db;
    try {
      const first = await worker.next();
      if (first.type !== 'stale') return result;
      result.stale = first.tables;
      for (const table of first.tables) {
        if (!current()) break;
        const reply = await worker.next({ op: 'scan', table });
        if (reply.type !== 'table') continue;
        if (await this.write(db, table, reply.rows, current)) result.written.push(table);
      }
    } catch {
      // The worker ended (released, stopped, or it failed): the next refresh tries again.
    } finally {
      // Until the thread has ended, a stop or a restore still takes the database back from it synchronously.
      if (this.worker === worker) await worker.close();
      else await worker.exited;
      if (this.worker === worker) this.worker = null;
    }
    if (result.written.length > 0 && !this.stopped && this.options.db() === db) {
      try {
        this.options.onWritten?.();
      } catch {
        // Only a hint to other connections.
      }
    }
    return result;
  }

  /** Writes a table's rows between calls; a locked database is tried again a few times. */
  private async write(db: SqliteDb, table: string, rows: StatRow[], current: () => boolean): Promise<boolean> {
    for (let attempt = 1; attempt <= BUSY_ATTEMPTS; attempt++) {
      const outcome = await this.options.exclusive(() => {
        // No write after a stop or a restore, nor inside a transaction someone left open.
        if (!current() || !db.open || db.inTransaction) return 'gone';
        try {
          writeStatistics(db, table, rows);
          return 'written';
        } catch (error) {
          return isBusy(error) ? 'busy' : 'gone';
        }
      });
      if (outcome !== 'busy') return outcome === 'written';
      await pause(BUSY_RETRY_MS);
    }
    return false;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refresh().then(() => this.schedule(EVERY_MS));
    }, ms);
    this.timer.unref();
  }
}
