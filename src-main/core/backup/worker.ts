/**
 * Worker thread entry: runs one snapshot, file copy or check and reports
 * progress, so the main thread (and every user of the app) is never blocked by
 * a large backup or restore. Cancelling terminates the worker; the caller
 * deletes the partial file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDatabase, copyDatabase, CopyError, localizeCopy } from './copy';
import type { WorkerMessage, WorkerRequest, WorkerResult } from './run-worker';
import { hashFile, snapshotDatabase, streamFile } from './snapshot';

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

async function run(req: WorkerRequest, progress: (done: number, total: number, stage: string) => void): Promise<WorkerResult> {
  switch (req.op) {
    case 'snapshot':
      return snapshotDatabase(req.src, Buffer.from(req.key, 'hex'), req.dest, progress, req.freezeTimeoutMs);
    case 'stream': {
      const sha256 = await streamFile(req.src, req.dest, req.bytes, (done, total) => progress(done, total, 'copy'));
      if (req.sha256 !== undefined && sha256 !== req.sha256) throw new CopyError('tampered');
      if (req.localize) localizeCopy(req.dest, Buffer.from(req.localize.key, 'hex'), req.localize.localMeta);
      return { sha256 };
    }
    case 'hash':
      return { sha256: await hashFile(req.file, req.bytes) };
    case 'copy':
      return copyDatabase({ ...req, srcKey: Buffer.from(req.srcKey, 'hex'), destKey: Buffer.from(req.destKey, 'hex') }, progress);
    case 'check':
      return checkDatabase(req.file, Buffer.from(req.key, 'hex'), progress);
  }
}

async function main(): Promise<void> {
  const req = workerData as WorkerRequest;
  const progress = (done: number, total: number, stage: string) => post({ type: 'progress', done, total, stage });
  try {
    post({ type: 'done', result: await run(req, progress) });
  } catch (error) {
    post({
      type: 'error',
      reason: error instanceof CopyError ? error.reason : null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

void main();
