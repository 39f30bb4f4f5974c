/**
 * Worker thread entry: applies batches received from other desktops on its own
 * connection to the same encrypted database (same key, WAL, busy timeout), so
 * the merge never runs on the main thread. Each batch is one transaction with
 * its cursor (see merge.ts `applyBatch`); the main thread's writes wait at most
 * for the one batch in progress.
 *
 * The connection opens at the first batch and stays open until the main
 * thread asks for it to be released (a restore swaps the file, the core
 * closes). A release is answered through shared memory so the main thread can
 * wait for it synchronously.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HarborError } from '../../../src-shared/errors';
import { openDatabase, type SqliteDb } from '../db/connection';
import { Hlc } from '../db/hlc';
import { applyBatch, type BatchSource, type SyncContext } from './merge';
import { BEAT, RELEASED, type ApplyRequest, type ApplyWorkerData, type ApplyWorkerReply } from './apply';

const data = workerData as ApplyWorkerData;
const shared = new Int32Array(data.shared);
let db: SqliteDb | null = null;
let batchNow = Date.now();
const clock = new Hlc(data.deviceId, null, () => batchNow);

/** A write lock held longer than the busy timeout (a long call on the main thread): try again a few times. */
const BUSY_ATTEMPTS = 12;
/** The longest the worker stands aside for a main thread that did not turn its event loop during a batch. */
const YIELD_MAX_MS = 250;

function connection(): SqliteDb {
  db ??= openDatabase({ file: data.file, key: Buffer.from(data.key, 'hex'), create: false });
  return db;
}

function release(): void {
  if (db?.open) db.close();
  db = null;
  Atomics.store(shared, RELEASED, 1);
  Atomics.notify(shared, RELEASED);
}

function isBusy(error: unknown): boolean {
  return (error as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;
}

function apply(batch: unknown, source: BatchSource | undefined, now: number) {
  batchNow = now;
  const ctx: SyncContext = { db: connection(), clock, deviceId: data.deviceId, now: () => batchNow };
  for (let attempt = 1; ; attempt++) {
    const beat = Atomics.load(shared, BEAT);
    try {
      return applyBatch(ctx, batch, source);
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_ATTEMPTS) throw error;
    } finally {
      // No beat from the main thread during the whole transaction: it is busy, or blocked waiting for the
      // write lock this batch held. Stand aside until its loop turns again, so its write goes first.
      if (Atomics.load(shared, BEAT) === beat) Atomics.wait(shared, BEAT, beat, YIELD_MAX_MS);
    }
  }
}

function reply(message: ApplyWorkerReply): void {
  parentPort!.postMessage(message);
}

parentPort!.on('message', (message: ApplyRequest) => {
  if (message.op === 'statistics') {
    // A connection reads sqlite_stat1 when it opens: the next batch opens a new one.
    if (db?.open) db.close();
    db = null;
    return;
  }
  if (message.op === 'release' || message.op === 'close') {
    release();
    if (message.op === 'close') parentPort!.close();
    return;
  }
  try {
    reply({ id: message.id, ok: true, result: apply(message.batch, message.source, message.now) });
  } catch (error) {
    if (error instanceof HarborError) {
      reply({ id: message.id, ok: false, error: { code: error.code, messageKey: error.messageKey, params: error.params } });
    } else if (isBusy(error)) {
      reply({ id: message.id, ok: false, error: { code: 'CONFLICT', messageKey: 'sync.errors.busy' } });
    } else {
      reply({ id: message.id, ok: false, error: null, message: error instanceof Error ? error.message : String(error) });
    }
  }
});
