/**
 * Applying received batches off the main thread. While the sync service runs,
 * every batch a desktop receives (pulled over TLS, pushed by a peer, read from
 * the shared folder) is handed to one worker thread (worker.ts) that owns its
 * own connection to the same database and runs the merge there. The main
 * thread only moves bytes, checks the batch, advances its clock, and after
 * each applied batch announces the tables it touched.
 *
 * Without a running worker (tests of the merge itself, the command line, a
 * core opened without a file) batches are applied on the calling thread, as
 * before. Reading outgoing changes for a peer stays on the main thread: it is
 * an indexed range read of the change log (by seq, LIMIT), as cheap as a list
 * query.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerScript } from '../worker-script';
import { HarborError, type ErrorCode } from '../../../src-shared/errors';
import type { SqliteDb } from '../db/connection';
import { SCHEMA_VERSION } from '../db/migrate';
import { applyBatch, peerNewerError, receiveStamp, type ApplyResult, type BatchSource, type SyncContext } from './merge';
import { batchSchema, type Batch } from './protocol';

export interface ApplyWorkerData {
  file: string;
  /** The database key, hex. */
  key: string;
  deviceId: string;
  /**
   * Two Int32 cells. [0] RELEASED: set to 1 by the worker once its connection
   * is closed. [1] BEAT: counted up by the main thread's event loop while
   * batches are pending; a worker that sees no beat during a whole transaction
   * lets the main thread (blocked, perhaps waiting for the write lock) go first.
   */
  shared: SharedArrayBuffer;
}

export type ApplyRequest =
  | { op: 'apply'; id: number; batch: Batch; source?: BatchSource; now: number }
  | { op: 'release' }
  /** Planner statistics were rewritten: open the connection again (it reads them when it opens) before the next batch. */
  | { op: 'statistics' }
  | { op: 'close' };

export type ApplyWorkerReply =
  | { id: number; ok: true; result: ApplyResult }
  | { id: number; ok: false; error: { code: ErrorCode; messageKey: string; params?: Record<string, string | number> } }
  | { id: number; ok: false; error: null; message: string };

export const RELEASED = 0;
export const BEAT = 1;
const BEAT_MS = 2;

/** How long a restore or close waits for the batch in progress before going on without the worker. */
const RELEASE_TIMEOUT_MS = 10_000;

interface DatabaseLocation {
  file: string;
  key: Buffer;
}

const locations = new WeakMap<object, DatabaseLocation>();
const running = new WeakMap<object, ApplyWorker>();

const IMMEDIATE = Symbol('harbor.immediateTransactions');

/**
 * While the worker writes the same file, a transaction on the main connection
 * that reads before it writes could not wait for the worker's lock: SQLite
 * refuses such an upgrade at once (SQLITE_BUSY) instead of calling the busy
 * handler. So every `db.transaction(fn)` of this connection begins IMMEDIATE:
 * it waits (busy timeout) for the batch in progress, then holds the lock.
 * `.deferred` stays available to a caller that only reads. A connection
 * opened by a restore is adapted at the next batch, before the worker writes.
 */
function beginImmediate(db: SqliteDb): void {
  const marked = db as SqliteDb & { [IMMEDIATE]?: true };
  if (marked[IMMEDIATE]) return;
  const transaction = db.transaction.bind(db);
  Object.defineProperty(db, 'transaction', { value: ((fn) => transaction(fn).immediate) as SqliteDb['transaction'], configurable: true });
  marked[IMMEDIATE] = true;
}

/** Called by the core when it opens: where a worker finds the database of these services. */
export function registerSyncDatabase(services: SyncContext, location: DatabaseLocation): void {
  locations.set(services, location);
}

/** Waits until no other transaction is open on the connection (a call awaiting inside the dispatcher). */
export async function whenIdle(ctx: SyncContext): Promise<void> {
  while (ctx.db.inTransaction) await new Promise((resolve) => setTimeout(resolve, 2));
}

function workerFailed(): HarborError {
  return new HarborError('INTERNAL', 'sync.errors.worker');
}

/**
 * Where the worker script is: beside this file when running from source
 * (tests, the CLI under tsx), or `sync-worker.js` in the built main bundle.
 */
function spawn(workerData: ApplyWorkerData): Worker {
  return startWorkerScript(import.meta.url, './worker.ts', 'sync-worker.js', workerData);
}

interface Pending {
  resolve: (result: ApplyResult) => void;
  reject: (error: Error) => void;
}

/** The worker thread of one running core; restarted on the next batch after a crash. */
export class ApplyWorker {
  private worker: Worker | null = null;
  private shared: Int32Array | null = null;
  private beat: NodeJS.Timeout | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Batches and entries applied by worker threads so far. */
  readonly stats = { batches: 0, entries: 0, starts: 0, crashes: 0 };

  constructor(
    private readonly ctx: SyncContext,
    private readonly location: DatabaseLocation,
  ) {}

  /** The running thread's id (null when none runs). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Starts the thread if none runs. */
  start(): void {
    if (this.worker || this.closed) return;
    const shared = new SharedArrayBuffer(8);
    const worker = spawn({ file: this.location.file, key: this.location.key.toString('hex'), deviceId: this.ctx.deviceId, shared });
    this.worker = worker;
    this.shared = new Int32Array(shared);
    this.stats.starts++;
    worker.unref();
    worker.on('message', (reply: ApplyWorkerReply) => this.settle(reply));
    worker.on('error', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
  }

  /** The thread ended (crashed, killed, or closed): its batches fail; the next batch starts a new one. */
  private lost(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.shared = null;
    this.idle();
    if (!this.closed) this.stats.crashes++;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(workerFailed());
  }

  private settle(reply: ApplyWorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    if (reply.ok) {
      this.stats.batches++;
      this.stats.entries += reply.result.applied;
      p.resolve(reply.result);
    } else if (reply.error) {
      p.reject(new HarborError(reply.error.code, reply.error.messageKey, reply.error.params));
    } else {
      console.error('[harbor] sync worker failed to apply a batch:', reply.message);
      p.reject(workerFailed());
    }
  }

  /** Batches pending: keep the process alive and the beat going. */
  private busy(): void {
    this.worker?.ref();
    if (this.beat) return;
    const shared = this.shared;
    this.beat = setInterval(() => {
      if (!shared) return;
      Atomics.add(shared, BEAT, 1);
      Atomics.notify(shared, BEAT);
    }, BEAT_MS);
  }

  private idle(): void {
    this.worker?.unref();
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  /** Applies a checked batch in the worker: one transaction with its cursor. */
  apply(batch: Batch, source: BatchSource | undefined, now: number): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new HarborError('CONFLICT', 'sync.errors.busy'));
    this.start();
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.busy();
      worker.postMessage({ op: 'apply', id, batch, source, now } satisfies ApplyRequest);
    });
  }

  /**
   * Synchronously: the worker finishes the batch in progress and closes its
   * connection (reopened at the next batch). For a restore that swaps the
   * database file, and before the core closes its own connection.
   */
  release(): void {
    const worker = this.worker;
    const shared = this.shared;
    if (!worker || !shared) return;
    Atomics.store(shared, RELEASED, 0);
    worker.postMessage({ op: 'release' } satisfies ApplyRequest);
    if (Atomics.wait(shared, RELEASED, 0, RELEASE_TIMEOUT_MS) === 'timed-out') {
      console.error('[harbor] sync worker did not release the database in time; stopping it');
      this.lost(worker);
      void worker.terminate();
    }
  }

  /** The planner statistics changed: the thread reads them again before its next batch. */
  statisticsChanged(): void {
    this.worker?.postMessage({ op: 'statistics' } satisfies ApplyRequest);
  }

  /** Stops the thread as a crash would (the batch in progress rolls back); the next batch starts a new one. */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Releases the database and ends the thread; batches still queued fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.release();
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      // Held while it ends, so a caller awaiting this at shutdown (a script, the CLI) is not cut off by an idle event loop.
      worker.ref();
      worker.postMessage({ op: 'close' } satisfies ApplyRequest);
      setTimeout(() => void worker.terminate(), RELEASE_TIMEOUT_MS).unref();
    });
  }
}

/** The worker of these services, when the sync service runs one. */
export function applyWorkerFor(ctx: SyncContext): ApplyWorker | null {
  return running.get(ctx) ?? null;
}

/** Starts the apply worker of a core (a no-op for a core not opened from a file, which applies in place). */
export function startApplyWorker(ctx: SyncContext): ApplyWorker | null {
  let worker = running.get(ctx);
  if (worker) return worker;
  const location = locations.get(ctx);
  if (!location) return null;
  beginImmediate(ctx.db);
  worker = new ApplyWorker(ctx, location);
  running.set(ctx, worker);
  worker.start();
  return worker;
}

export async function stopApplyWorker(ctx: SyncContext): Promise<void> {
  const worker = running.get(ctx);
  running.delete(ctx);
  await worker?.close();
}

/** After the main connection rewrote the planner statistics: the worker's connection picks them up too. */
export function syncStatisticsChanged(ctx: SyncContext): void {
  running.get(ctx)?.statisticsChanged();
}

/**
 * For the core, synchronously: before a restore swaps the file (`final`
 * false: the worker reopens at its next batch) and before the core closes
 * (`final` true: the worker ends).
 */
export function releaseSyncDatabase(ctx: SyncContext, final: boolean): void {
  const worker = running.get(ctx);
  if (!worker) return;
  if (final) {
    running.delete(ctx);
    void worker.close();
  } else {
    worker.release();
  }
}

/**
 * Applies a received batch: in the worker while one runs, else here. The
 * batch is checked and the local clock advanced on this thread first, so a
 * refused batch (newer schema, clock far ahead) never reaches the worker and
 * every local write after it is stamped after what arrived.
 */
export async function applyReceived(ctx: SyncContext, rawBatch: unknown, source?: BatchSource): Promise<ApplyResult> {
  const worker = running.get(ctx);
  if (!worker) {
    await whenIdle(ctx);
    return applyBatch(ctx, rawBatch, source);
  }
  const parsed = batchSchema.safeParse(rawBatch);
  if (!parsed.success) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
  const batch = parsed.data;
  if (batch.schemaVersion > SCHEMA_VERSION) throw peerNewerError(batch.schemaVersion);
  let newest = '';
  for (const e of batch.entries) if (e.hlc > newest) newest = e.hlc;
  if (newest) receiveStamp(ctx.clock, newest);
  beginImmediate(ctx.db);
  return worker.apply(batch, source, ctx.now());
}
