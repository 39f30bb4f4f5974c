/**
 * Worker thread entry: upgrades the database file before the core opens it
 * (see upgrade.ts). It opens its own connection with the key ring, runs the
 * safety copy and the pending migrations, checkpoints and closes, posting
 * progress on the way. Terminating it at any point leaves the version of the
 * last committed migration: each migration is one transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HarborError } from '../../../src-shared/errors';
import { openWithKeys } from './connection';
import { migrate, type MigrateProgress } from './migrate';
import type { UpgradeMessage, UpgradeRequest } from './upgrade';

function post(message: UpgradeMessage): void {
  parentPort!.postMessage(message);
}

/** Posts a progress when the shown value (per mille), the stage, the version or the table changes. */
function reporter(gate: Int32Array | null): (progress: MigrateProgress) => void {
  let last: MigrateProgress | null = null;
  let posted = 0;
  const perMille = (p: MigrateProgress) => Math.floor((1000 * p.done) / Math.max(p.total, 1));
  return (progress) => {
    const same =
      last !== null &&
      last.stage === progress.stage &&
      last.version === progress.version &&
      last.rows?.table === progress.rows?.table &&
      perMille(last) === perMille(progress) &&
      progress.done < progress.total;
    if (same) return;
    last = progress;
    post({ type: 'progress', progress });
    posted += 1;
    // Tests hold the upgrade at a progress point until they let it go (or terminate it there).
    if (gate) {
      for (let open = Atomics.load(gate, 0); open < posted; open = Atomics.load(gate, 0)) Atomics.wait(gate, 0, open);
    }
  };
}

function main(): void {
  const request = workerData as UpgradeRequest;
  let opened: ReturnType<typeof openWithKeys> | null = null;
  try {
    opened = openWithKeys(
      request.file,
      request.keys.map((hex) => Buffer.from(hex, 'hex')),
      false,
    );
    const result = migrate(opened.db, request.safetyCopy === false ? null : request.file, undefined, {
      onProgress: reporter(request.gate ? new Int32Array(request.gate) : null),
      onSafetyCopy: (file) => post({ type: 'copied', file }),
      sliceRows: request.sliceRows,
    });
    // The core opens a checkpointed file: no log of the upgrade left to replay on the main thread.
    opened.db.pragma('wal_checkpoint(TRUNCATE)');
    opened.db.close();
    post({ type: 'done', result });
  } catch (error) {
    if (opened?.db.open) opened.db.close();
    post({
      type: 'error',
      error: error instanceof HarborError ? error.toApiError() : null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

main();
