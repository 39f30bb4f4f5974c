/**
 * Starts worker.ts in a worker thread and turns its messages into a promise
 * with progress callbacks and cancellation.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerScript } from '../worker-script';
import type { CheckResult, CopyResult, Progress } from './copy';

export type WorkerRequest =
  | {
      op: 'copy';
      src: string;
      srcKey: string;
      dest: string;
      destKey: string;
      scrub?: boolean;
      localMeta?: { key: string; value: string; updated_at: number }[];
    }
  | { op: 'check'; file: string; key: string };

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; stage: string }
  | { type: 'done'; result: CopyResult | CheckResult }
  | { type: 'error'; reason: 'wrong_key' | 'source_missing' | null; message: string };

export class WorkerFailure extends Error {
  constructor(
    readonly reason: 'wrong_key' | 'source_missing' | 'cancelled' | null,
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

export function runWorker(request: Extract<WorkerRequest, { op: 'copy' }>, onProgress?: Progress, signal?: AbortSignal): Promise<CopyResult>;
export function runWorker(request: Extract<WorkerRequest, { op: 'check' }>, onProgress?: Progress, signal?: AbortSignal): Promise<CheckResult>;
export function runWorker(request: WorkerRequest, onProgress: Progress = () => {}, signal?: AbortSignal): Promise<CopyResult | CheckResult> {
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
