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
import { applyBatch, getCursor, setCursor, type SyncContext } from './merge';
import { open, seal, type OfficeIdentity } from './identity';
import { DEFAULT_BATCH_SIZE } from './protocol';
import type { CoreEvents } from '../events';

const FILE_RE = /^(\d{12})-(\d{12})\.batch$/;
const DEVICE_RE = /^[A-Za-z0-9_-]{1,64}$/;

const pad = (n: number) => String(n).padStart(12, '0');

function aadFor(officeId: string, deviceId: string, file: string): string {
  return `harbor-sync-folder|${officeId}|${deviceId}|${file}`;
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
  const dir = join(folder, identity.officeId, ctx.deviceId);
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (;;) {
    const cursor = getCursor(ctx.db, 'folder-out');
    const batch = readBatch(ctx, cursor, batchSize);
    if (batch.entries.length === 0) break;
    const name = `${pad(batch.start)}-${pad(batch.end)}.batch`;
    const sealed = seal(identity.officeKey, deflateRawSync(Buffer.from(JSON.stringify(batch))), aadFor(identity.officeId, ctx.deviceId, name));
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
  for (const device of readdirSync(officeDir)) {
    if (device === ctx.deviceId || !DEVICE_RE.test(device)) continue;
    const source = `folder:${device}`;
    const files = readdirSync(join(officeDir, device))
      .map((file) => ({ file, m: FILE_RE.exec(file) }))
      .filter((f): f is { file: string; m: RegExpExecArray } => f.m !== null)
      .map(({ file, m }) => ({ file, start: Number(m[1]), end: Number(m[2]) }))
      .sort((a, b) => a.start - b.start || b.end - a.end);
    for (const f of files) {
      const cursor = getCursor(ctx.db, source);
      if (f.start < cursor) continue;
      if (f.start > cursor) break; // a file before this one is missing: wait for it
      const plain = open(identity.officeKey, readFileSync(join(officeDir, device, f.file)), aadFor(identity.officeId, device, f.file));
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
