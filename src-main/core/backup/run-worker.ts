/**
 * Starts worker.ts in a worker thread and turns its messages into a promise
 * with progress callbacks and cancellation.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerScript } from '../worker-script';
import type { CheckResult, CopyFailure, CopyResult, LocalMetaRow, Progress } from './copy';
import type { SnapshotResult } from './snapshot';

export type WorkerRequest =
  /** A consistent copy of the live database's file, same key (a backup). */
  | { op: 'snapshot'; src: string; key: string; dest: string; freezeTimeoutMs?: number }
  /**
   * The first `bytes` of a file into a new file, fsynced; answers its SHA-256
   * (a restore), failing as `tampered` when it is not `sha256`. With
   * `localize`, the copy then gets this device's own rows (see localizeCopy).
   */
  | { op: 'stream'; src: string; dest: string; bytes: number; sha256?: string; localize?: { key: string; localMeta: LocalMetaRow[] } }
  /** SHA-256 of the first `bytes` of a file. */
  | { op: 'hash'; file: string; bytes: number }
  /** A copy re-encrypted with another key (restoring a first-format backup). */
  | {
      op: 'copy';
      src: string;
      srcKey: string;
      dest: string;
      destKey: string;
      scrub?: boolean;
      localMeta?: LocalMetaRow[];
    }
  | { op: 'check'; file: string; key: string };

export type WorkerResult = CopyResult | CheckResult | SnapshotResult | { sha256: string };

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; stage: string }
  | { type: 'done'; result: WorkerResult }
  | { type: 'error'; reason: CopyFailure | null; message: string };

export class WorkerFailure extends Error {
  constructor(
    readonly reason: CopyFailure | 'cancelled' | null,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerFailure';
  }
}

/**
 * Where the worker script is: beside this file when running from source
 * (tests, the CLI under tsx), or `backup-worker.js` in the built main bundle.
 */
function startWorker(workerData: WorkerRequest): Worker {
  return startWorkerScript(import.meta.url, './worker.ts', 'backup-worker.js', workerData);
}

export function runWorker(request: Extract<WorkerRequest, { op: 'snapshot' }>, onProgress?: Progress, signal?: AbortSignal): Promise<SnapshotResult>;
export function runWorker(request: Extract<WorkerRequest, { op: 'stream' | 'hash' }>, onProgress?: Progress, signal?: AbortSignal): Promise<{ sha256: string }>;
export function runWorker(request: Extract<WorkerRequest, { op: 'copy' }>, onProgress?: Progress, signal?: AbortSignal): Promise<CopyResult>;
export function runWorker(request: Extract<WorkerRequest, { op: 'check' }>, onProgress?: Progress, signal?: AbortSignal): Promise<CheckResult>;
export function runWorker(request: WorkerRequest, onProgress: Progress = () => {}, signal?: AbortSignal): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new WorkerFailure('cancelled', 'cancelled'));
      return;
    }
    const worker = startWorker(request);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    let cancelling = false;
    // Settles only once the thread has stopped, so the caller can delete the partial file.
    const onAbort = () => {
      cancelling = true;
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.done, message.total, message.stage);
      else if (message.type === 'done') finish(() => resolve(message.result));
      else finish(() => reject(new WorkerFailure(message.reason, message.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) =>
      finish(() => reject(cancelling ? new WorkerFailure('cancelled', 'cancelled') : new Error(`backup worker exited with code ${code}`))),
    );
  });
}
