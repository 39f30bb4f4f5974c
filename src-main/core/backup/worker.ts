/**
 * Worker thread entry: runs one copy or check from copy.ts and reports
 * progress, so the main thread (and every user of the app) is never blocked by
 * a large backup or restore. Cancelling terminates the worker; the caller
 * deletes the partial file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDatabase, copyDatabase, CopyError, type CheckResult, type CopyResult } from './copy';
import type { WorkerMessage, WorkerRequest } from './run-worker';

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

function main(): void {
  const req = workerData as WorkerRequest;
  const progress = (done: number, total: number, stage: string) => post({ type: 'progress', done, total, stage });
  try {
    let result: CopyResult | CheckResult;
    if (req.op === 'copy') {
      result = copyDatabase(
        { ...req, srcKey: Buffer.from(req.srcKey, 'hex'), destKey: Buffer.from(req.destKey, 'hex') },
        progress,
      );
    } else {
      result = checkDatabase(req.file, Buffer.from(req.key, 'hex'), progress);
    }
    post({ type: 'done', result });
  } catch (error) {
    post({
      type: 'error',
      reason: error instanceof CopyError ? error.reason : null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

main();
