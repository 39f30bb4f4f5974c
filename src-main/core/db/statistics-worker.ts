/**
 * Worker thread entry: computes planner statistics on its own read-only
 * connection to the database (same file and key), so the reading, which
 * decrypts every page of every index analysed, never runs on the main thread
 * and never holds the write lock. It first answers which tables are stale,
 * then one table per request; the main thread writes the rows (statistics.ts).
 *
 * The main thread can take the database back synchronously (a restore swaps
 * the file, the core closes): it sets STOP and waits on STATE, which this
 * thread sets to RELEASED once its connection is closed. A scan checks STOP
 * between statements, so the wait lasts at most the statement in progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type SqliteDb } from './connection';
import { staleTables, Stopped, tableStatistics } from './statistics-scan';
import { OPEN, RELEASED, STATE, STOP, type StatisticsReply, type StatisticsRequest, type StatisticsWorkerData } from './statistics';

const data = workerData as StatisticsWorkerData;
const shared = new Int32Array(data.shared);
let db: SqliteDb | null = null;

const stopping = () => Atomics.load(shared, STOP) === 1;

function release(): void {
  if (db?.open) db.close();
  db = null;
  Atomics.store(shared, STATE, RELEASED);
  Atomics.notify(shared, STATE);
}

function reply(message: StatisticsReply): void {
  parentPort!.postMessage(message);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

parentPort!.on('message', (message: StatisticsRequest) => {
  if (message.op === 'close') {
    release();
    parentPort!.close();
    return;
  }
  try {
    if (!db || stopping()) throw new Stopped();
    reply({ type: 'table', table: message.table, rows: tableStatistics(db, message.table, stopping) });
  } catch (error) {
    if (error instanceof Stopped) release();
    reply({ type: 'failed', table: message.table, message: messageOf(error) });
  }
});

// The connection opens only if the main thread has not taken the database back already.
if (Atomics.compareExchange(shared, STATE, 0, OPEN) === 0) {
  try {
    db = openDatabase({ file: data.file, key: Buffer.from(data.key, 'hex'), create: false, readonly: true });
    reply({ type: 'stale', tables: staleTables(db) });
  } catch (error) {
    release();
    reply({ type: 'error', message: messageOf(error) });
  }
} else {
  reply({ type: 'error', message: 'released before opening' });
}
