/**
 * Shared-folder transport: for desktops that cannot reach each other, a
 * folder on a network share or USB stick carries encrypted batches.
 *
 * Layout: `<folder>/<officeId>/<deviceId>/<start>-<end>.batch`, where the
 * range is the writer's change-log seq range (start exclusive). Each device
 * writes only its own sub-folder, each file once (temp name, fsync, rename),
 * and never rewrites anything. Files are AES-256-GCM sealed with the office
 * key; the authenticated data names the office, device and range, so a
 * renamed, moved, truncated (half-copied) or altered file fails to open. Such
 * a file is skipped and retried on the next run; the files after it wait, so a
 * reader's cursor for each device only moves over contiguous, fully applied
 * files, each in one transaction with its cursor.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readBatch, whenIdle } from './exchange';
import { applyBatch, getCursor, resetCursor, setCursor, type SyncContext } from './merge';
import { open, readMeta, seal, writeMeta, type OfficeIdentity } from './identity';
import { DEFAULT_BATCH_SIZE } from './protocol';
import type { CoreEvents } from '../events';

const FILE_RE = /^(\d{12})-(\d{12})\.batch$/;
/** A device's folder: `<deviceId>`, or `<deviceId>~<n>` after the device was restored from an older copy. */
const DIR_RE = /^([A-Za-z0-9_-]{1,64})(?:~(\d{1,6}))?$/;

const pad = (n: number) => String(n).padStart(12, '0');

function aadFor(officeId: string, dirName: string, file: string): string {
  return `harbor-sync-folder|${officeId}|${dirName}|${file}`;
}

function listBatchFiles(dir: string): { file: string; start: number; end: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((file) => ({ file, m: FILE_RE.exec(file) }))
    .filter((f): f is { file: string; m: RegExpExecArray } => f.m !== null)
    .map(({ file, m }) => ({ file, start: Number(m[1]), end: Number(m[2]) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * This device's folder name. When the folder holds more of this device's log
 * than the device now has (its database was restored from an older copy),
 * the device starts a new folder (`<id>~<n>`) and writes its log again there,
 * and reads its old folder back like anyone else's, recovering what it lost.
 */
function ownDir(ctx: SyncContext, identity: OfficeIdentity, folder: string): string {
  const epoch = Number(readMeta(ctx.db, 'folder_epoch') ?? '0');
  const name = epoch === 0 ? ctx.deviceId : `${ctx.deviceId}~${epoch}`;
  const written = listBatchFiles(join(folder, identity.officeId, name)).reduce((m, f) => Math.max(m, f.end), 0);
  if (written <= getCursor(ctx.db, 'folder-out')) return name;
  const officeDir = join(folder, identity.officeId);
  let next = epoch + 1;
  for (const d of readdirSync(officeDir)) {
    const m = DIR_RE.exec(d);
    if (m && m[1] === ctx.deviceId && m[2]) next = Math.max(next, Number(m[2]) + 1);
  }
  ctx.db.transaction(() => {
    writeMeta(ctx.db, 'folder_epoch', String(next));
    resetCursor(ctx.db, 'folder-out');
  })();
  return `${ctx.deviceId}~${next}`;
}

export interface FolderReport {
  written: number;
  applied: number;
  files: number;
  /** Files that could not be opened (half-written or tampered); retried next time. */
  skipped: { device: string; file: string }[];
  refused: { device: string; file: string; messageKey: string }[];
}

/** Writes this device's new change-log entries as sealed batch files. */
export function publishToFolder(ctx: SyncContext, identity: OfficeIdentity, folder: string, batchSize = DEFAULT_BATCH_SIZE): number {
  mkdirSync(join(folder, identity.officeId), { recursive: true });
  const dirName = ownDir(ctx, identity, folder);
  const dir = join(folder, identity.officeId, dirName);
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (;;) {
    const cursor = getCursor(ctx.db, 'folder-out');
    const batch = readBatch(ctx, cursor, batchSize);
    if (batch.entries.length === 0) break;
    const name = `${pad(batch.start)}-${pad(batch.end)}.batch`;
    const sealed = seal(identity.officeKey, deflateRawSync(Buffer.from(JSON.stringify(batch))), aadFor(identity.officeId, dirName, name));
    const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, sealed);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, name));
    setCursor(ctx.db, 'folder-out', batch.end, ctx.now());
    written += batch.entries.length;
    if (!batch.more) break;
  }
  return written;
}

/** Applies other devices' new files, in order, each file all or nothing. */
export async function collectFromFolder(
  ctx: SyncContext,
  identity: OfficeIdentity,
  folder: string,
  events?: CoreEvents,
): Promise<Omit<FolderReport, 'written'>> {
  const report: Omit<FolderReport, 'written'> = { applied: 0, files: 0, skipped: [], refused: [] };
  const officeDir = join(folder, identity.officeId);
  if (!existsSync(officeDir)) return report;
  await whenIdle(ctx);
  const mine = ownDir(ctx, identity, folder);
  for (const dirName of readdirSync(officeDir)) {
    const m = DIR_RE.exec(dirName);
    if (!m || dirName === mine) continue;
    const device = m[1]!;
    const source = `folder:${dirName}`;
    for (const f of listBatchFiles(join(officeDir, dirName))) {
      const cursor = getCursor(ctx.db, source);
      if (f.start < cursor) continue;
      if (f.start > cursor) break; // a file before this one is missing: wait for it
      const plain = open(identity.officeKey, readFileSync(join(officeDir, dirName, f.file)), aadFor(identity.officeId, dirName, f.file));
      let batch: unknown = null;
      try {
        batch = plain ? JSON.parse(inflateRawSync(plain).toString('utf8')) : null;
      } catch {
        batch = null;
      }
      const b = batch as { from?: string; start?: number; end?: number } | null;
      if (!b || b.from !== device || b.start !== f.start || b.end !== f.end) {
        report.skipped.push({ device, file: f.file });
        break;
      }
      try {
        await whenIdle(ctx);
        const result = applyBatch(ctx, batch, { name: source, cursor: f.end });
        report.applied += result.applied;
        report.files++;
        if (result.tables.length > 0) events?.emit('data.changed', { tables: result.tables });
      } catch (error) {
        report.refused.push({ device, file: f.file, messageKey: (error as { messageKey?: string }).messageKey ?? 'errors.INTERNAL' });
        break;
      }
    }
  }
  return report;
}

/** One round: collect what others wrote, then publish what this device has (including what it just relayed). */
export async function syncWithFolder(ctx: SyncContext, identity: OfficeIdentity, folder: string, events?: CoreEvents): Promise<FolderReport> {
  const collected = await collectFromFolder(ctx, identity, folder, events);
  await whenIdle(ctx);
  const written = publishToFolder(ctx, identity, folder);
  return { ...collected, written };
}
