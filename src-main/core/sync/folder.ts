/**
 * Shared-folder transport: for desktops that cannot reach each other, a
 * folder on a network share or USB stick carries encrypted batches.
 *
 * Layout: `<folder>/<officeId>/<deviceId>/<start>-<end>.batch`, where the
 * range is the writer's change-log seq range (start exclusive). Each device
 * writes only its own sub-folder, each file once (temp name, fsync, rename),
 * and never rewrites anything. Files are AES-256-GCM sealed with an office
 * key; the authenticated data names the office, device and range, so a
 * renamed, moved, truncated (half-copied) or altered file fails to open. Such
 * a file is skipped and retried on the next run; the files after it wait, so a
 * reader's cursor for each device only moves over contiguous, fully applied
 * files. After a removal the office changes its key (keys.ts): a file
 * names the key epoch it is sealed under in clear, what was stamped after a
 * rotation is sealed under its key or a newer one, readers find their copies
 * in the folder's `.keys` files and keep older keys for older files. A removed
 * desktop has no copy of the newer keys and cannot open what was written
 * under them. A file is applied in slices of BACKGROUND_BATCH entries, each one
 * short transaction (in the sync worker while the service runs) that saves
 * how far into the file it got; an interrupted file resumes there, and the
 * last slice moves the device's cursor past the file.
 *
 * Clean-up. Next to the sub-folders each device keeps one small sealed state
 * file, `<folder>/<officeId>/<deviceId>.state`, which only it writes (temp
 * name, rename): how far it has read every sub-folder, and below which seq
 * it has deleted its own files (its "floor" per sub-folder). A device deletes
 * its own files, oldest first and never its newest one, once every other
 * device that uses the folder (has a sub-folder or a state file there, and is
 * not removed from the office) has recorded that it read past them; or, after
 * a grace period of 90 days, a file nobody read yet, so a desktop switched
 * off for good does not keep the folder growing. Nobody deletes another
 * device's files. A reader that finds files deleted before it read them (it
 * was away longer than the grace period, or it started using the folder after
 * they went) moves on to the writer's floor and gets what it skipped from its
 * direct (TLS) sync, which sends whole logs; the report counts such gaps.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readBatch, whenIdle } from './exchange';
import { applyReceived } from './apply';
import { getCursor, resetCursor, setCursor, type SyncContext } from './merge';
import { cachedStatement } from '../db/writer';
import { isRemovedDevice } from './peers';
import { epochOf, heldKeys, newestEpoch, openUnder, readMeta, sealUnder, writeMeta, type OfficeIdentity } from './identity';
import { epochFor, keyCopies, maintainOfficeKeys, receiveKeys, type KeyCopy } from './keys';
import { BACKGROUND_BATCH, DEFAULT_BATCH_SIZE, type Batch, type WireEntry } from './protocol';
import type { CoreEvents } from '../events';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

const FILE_RE = /^(\d{12})-(\d{12})\.batch$/;
/** A device's folder: `<deviceId>`, or `<deviceId>~<n>` after the device was restored from an older copy. */
const DIR_RE = /^([A-Za-z0-9_-]{1,64})(?:~(\d{1,6}))?$/;

const STATE_RE = /^([A-Za-z0-9_-]{1,64})\.state$/;
/** Files nobody has read are deleted by their writer after this long (by the file's modification time). */
export const FOLDER_GRACE_MS = 90 * 24 * 3600 * 1000;

const pad = (n: number) => String(n).padStart(12, '0');

/** What one device records about its use of the folder (sealed, in `<deviceId>.state`). */
export interface FolderState {
  device: string;
  at: number;
  /** Sub-folder name -> seq up to which this device has applied its files. */
  read: Record<string, number>;
  /** Own sub-folder name -> seq up to which this device deleted its files. */
  floor: Record<string, number>;
  /** Other devices' sub-folders whose cleaned-up files this device never read: their writer sends its log again. */
  gaps?: string[];
}

function stateAad(officeId: string, device: string): string {
  return `harbor-sync-folder-state|${officeId}|${device}`;
}

/** A device's state file, or null when it has none or it cannot be opened (another key, half-written). */
export function readFolderState(identity: OfficeIdentity, folder: string, device: string): FolderState | null {
  const file = join(folder, identity.officeId, `${device}.state`);
  if (!existsSync(file)) return null;
  const plain = openUnder(identity.keys, readFileSync(file), stateAad(identity.officeId, device));
  if (!plain) return null;
  try {
    const state = JSON.parse(plain.toString('utf8')) as FolderState;
    return state.device === device && typeof state.read === 'object' && typeof state.floor === 'object' ? state : null;
  } catch {
    return null;
  }
}

/** Writes a file that appears whole or not at all: temp name, fsync, rename. */
function writeWhole(dir: string, name: string, bytes: Buffer): void {
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

function writeFolderState(identity: OfficeIdentity, folder: string, state: FolderState): void {
  const sealed = sealUnder(identity.keys, newestEpoch(identity.keys), Buffer.from(JSON.stringify(state)), stateAad(identity.officeId, state.device));
  writeWhole(join(folder, identity.officeId), `${state.device}.state`, sealed);
}

function readCursors(ctx: SyncContext): Record<string, number> {
  const rows = cachedStatement(ctx.db, "SELECT source, cursor FROM sync_cursors WHERE source LIKE 'folder:%' ORDER BY source").all() as { source: string; cursor: number }[];
  return Object.fromEntries(rows.map((r) => [r.source.slice('folder:'.length), r.cursor]));
}

function aadFor(officeId: string, dirName: string, file: string): string {
  return `harbor-sync-folder|${officeId}|${dirName}|${file}`;
}

export function listBatchFiles(dir: string): { file: string; start: number; end: number }[] {
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
  const officeDir = join(folder, identity.officeId);
  const floor = readFolderState(identity, folder, ctx.deviceId)?.floor[name] ?? 0;
  const written = listBatchFiles(join(officeDir, name)).reduce((m, f) => Math.max(m, f.end), floor);
  const restored = written > getCursor(ctx.db, 'folder-out');
  // Another device missed files of this folder that were cleaned up: the whole log goes out again.
  const resend = !restored && floor > 0 && othersUsingFolder(ctx, identity, folder).some(([, s]) => s?.gaps?.includes(name));
  if (!restored && !resend) return name;
  let next = epoch + 1;
  for (const d of readdirSync(officeDir)) {
    const m = DIR_RE.exec(d);
    if (m && m[1] === ctx.deviceId && m[2]) next = Math.max(next, Number(m[2]) + 1);
  }
  ctx.db.transaction(() => {
    writeMeta(ctx.db, 'folder_epoch', String(next));
    resetCursor(ctx.db, 'folder-out');
    // Resent: this device holds all of the old folder already and does not read it back.
    if (resend) setCursor(ctx.db, `folder:${name}`, written, ctx.now());
  })();
  return `${ctx.deviceId}~${next}`;
}

/** Every other device that uses the folder (a sub-folder or a state file there) and is not removed, with its state. */
function othersUsingFolder(ctx: SyncContext, identity: OfficeIdentity, folder: string): [string, FolderState | null][] {
  const officeDir = join(folder, identity.officeId);
  const others = new Map<string, FolderState | null>();
  for (const entry of existsSync(officeDir) ? readdirSync(officeDir) : []) {
    const device = DIR_RE.exec(entry)?.[1] ?? STATE_RE.exec(entry)?.[1];
    if (!device || device === ctx.deviceId || others.has(device) || isRemovedDevice(ctx.db, { deviceId: device })) continue;
    others.set(device, readFolderState(identity, folder, device));
  }
  return [...others];
}

export interface FolderReport {
  written: number;
  applied: number;
  files: number;
  /** Files that could not be opened (half-written or tampered); retried next time. */
  skipped: { device: string; file: string }[];
  /** Sub-folders whose writer had deleted files this device had not read (see the clean-up note above). */
  gaps: { device: string; dir: string; from: number; to: number }[];
  /** Own files deleted by the clean-up of this round. */
  deleted: number;
  refused: { device: string; file: string; messageKey: string }[];
}

/**
 * The key epoch that seals a file of these entries, and how many of them go
 * in it: the key the first entry needs (keys.ts, `epochFor`), up to the first
 * entry that needs a newer one, which starts the next file. Entries that need
 * an older key go under the newer one.
 */
function epochOfFile(keys: Map<string, Buffer>, entries: WireEntry[]): { epoch: string; count: number } {
  const epochs = [...keys.keys()];
  let epoch: string | null = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.tbl === 'sync_office_keys') continue;
    const need = epochFor(epochs, e);
    if (epoch === null) epoch = need;
    else if (need > epoch) return { epoch, count: i };
  }
  return { epoch: epoch ?? '', count: entries.length };
}

/** Entries read from the change log at a time while a file is put together (the main thread's loop turns in between). */
const READ_STEP = 250;

/** Up to `limit` of this device's change-log entries after `after`, read a step at a time. */
async function readInSteps(ctx: SyncContext, after: number, limit: number): Promise<Batch> {
  await whenIdle(ctx);
  const batch = readBatch(ctx, after, Math.min(READ_STEP, limit));
  while (batch.more && batch.entries.length < limit) {
    await new Promise((resolve) => setImmediate(resolve));
    await whenIdle(ctx);
    const next = readBatch(ctx, batch.end, Math.min(READ_STEP, limit - batch.entries.length));
    batch.entries.push(...next.entries);
    batch.end = next.end;
    batch.more = next.more;
  }
  return batch;
}

/** `writeWhole` without blocking the event loop: the file's bytes and its fsync go through the thread pool. */
async function writeWholeInBackground(dir: string, name: string, bytes: Buffer): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, join(dir, name));
}

/**
 * Writes this device's new change-log entries as sealed batch files. The
 * log is read a step at a time; compressing, writing and fsync run off the
 * event loop, so a UI call waits for at most one step.
 */
export async function publishToFolder(ctx: SyncContext, identity: OfficeIdentity, folder: string, batchSize = DEFAULT_BATCH_SIZE): Promise<number> {
  mkdirSync(join(folder, identity.officeId), { recursive: true });
  await whenIdle(ctx);
  const dirName = ownDir(ctx, identity, folder);
  const dir = join(folder, identity.officeId, dirName);
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (;;) {
    const after = getCursor(ctx.db, 'folder-out');
    const batch = await readInSteps(ctx, after, batchSize);
    if (batch.entries.length === 0) break;
    const { epoch, count } = epochOfFile(identity.keys, batch.entries);
    if (count < batch.entries.length) {
      // The next entry needs a newer key: the file ends before it (every entry of the log is in the batch, in order).
      batch.end = (cachedStatement(ctx.db, 'SELECT seq FROM change_log WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?').get(after, count - 1) as { seq: number }).seq;
      batch.entries.length = count;
      batch.more = true;
    }
    const name = `${pad(batch.start)}-${pad(batch.end)}.batch`;
    const packed = await deflate(Buffer.from(JSON.stringify(batch)));
    await writeWholeInBackground(dir, name, sealUnder(identity.keys, epoch, packed, aadFor(identity.officeId, dirName, name)));
    await whenIdle(ctx);
    setCursor(ctx.db, 'folder-out', batch.end, ctx.now());
    written += batch.entries.length;
    if (!batch.more) break;
  }
  return written;
}

export interface FolderOptions {
  /** Entries applied per transaction (default BACKGROUND_BATCH). */
  slice?: number;
  /** Files nobody read are deleted by their writer after this long (default FOLDER_GRACE_MS). */
  graceMs?: number;
}

const partCursor = (dirName: string, fileStart: number) => `folder-part:${dirName}:${fileStart}`;

/** Forgets how far into files of a sub-folder this device had got (they were cleaned up unread). */
function forgetParts(ctx: SyncContext, dirName: string): void {
  const prefix = `folder-part:${dirName}:`;
  cachedStatement(ctx.db, 'DELETE FROM sync_cursors WHERE substr(source, 1, ?) = ?').run(prefix.length, prefix);
}

/**
 * Applies one file's batch a slice at a time, from where an earlier run
 * stopped; each slice moves the count of entries done, the last one the
 * sub-folder's cursor. Returns the entries applied.
 */
async function applyInSlices(
  ctx: SyncContext,
  batch: Batch,
  source: string,
  dirName: string,
  file: { start: number; end: number },
  slice: number,
  events?: CoreEvents,
): Promise<number> {
  const part = partCursor(dirName, file.start);
  const total = batch.entries.length;
  let applied = 0;
  for (let from = Math.min(getCursor(ctx.db, part), total); ; ) {
    const to = Math.min(total, from + slice);
    const last = to >= total;
    const result = await applyReceived(ctx, { ...batch, entries: batch.entries.slice(from, to) }, {
      name: source,
      cursor: file.end,
      from: file.start,
      part: { name: part, from, to, last },
    });
    applied += result.applied;
    if (result.tables.length > 0) events?.emit('data.changed', { tables: result.tables });
    if (last) return applied;
    from = to;
  }
}

/**
 * Key copies in the folder: beside its state file each device keeps
 * `<deviceId>.keys`, the copies of office keys it knows (keys.ts), so a
 * desktop finds the copy sealed to it before the files sealed under that key,
 * whichever sub-folder carries the copy in the log. Copies are sealed to one
 * certificate and signed (a desktop takes only those its peers signed), so the
 * file itself is not sealed.
 */
function writeKeyCopies(ctx: SyncContext, identity: OfficeIdentity, folder: string): void {
  const copies = keyCopies(ctx.db);
  if (copies.length === 0) return;
  const bytes = Buffer.from(JSON.stringify(copies));
  const file = join(folder, identity.officeId, `${ctx.deviceId}.keys`);
  if (existsSync(file) && readFileSync(file).equals(bytes)) return;
  writeWhole(join(folder, identity.officeId), `${ctx.deviceId}.keys`, bytes);
}

/** Every key copy in the folder's `.keys` files that has the shape of one. */
function folderKeyCopies(officeDir: string): KeyCopy[] {
  const copies: KeyCopy[] = [];
  for (const entry of readdirSync(officeDir)) {
    if (!/^[A-Za-z0-9_-]{1,64}\.keys$/.test(entry)) continue;
    try {
      const list = JSON.parse(readFileSync(join(officeDir, entry), 'utf8')) as unknown;
      if (!Array.isArray(list)) continue;
      for (const c of list as Record<string, unknown>[]) {
        if (['epoch', 'deviceId', 'signer', 'sealed', 'signature'].every((k) => typeof c?.[k] === 'string')) copies.push(c as unknown as KeyCopy);
      }
    } catch {
      // Half-written or not ours: the next round reads it again.
    }
  }
  return copies;
}

/**
 * The batch in one of `device`'s files (in its sub-folder `dirName`), or null
 * when the file does not open with the keys of `identity` (half-written,
 * altered, moved, or sealed under a key it does not hold) or holds something
 * other than that range of that device's log.
 */
export async function openBatchFile(
  identity: Pick<OfficeIdentity, 'officeId' | 'keys'>,
  device: string,
  dirName: string,
  f: { file: string; start: number; end: number },
  bytes: Buffer,
): Promise<Batch | null> {
  const plain = openUnder(identity.keys, bytes, aadFor(identity.officeId, dirName, f.file));
  if (!plain) return null;
  try {
    const b = JSON.parse((await inflate(plain)).toString('utf8')) as Partial<Batch> | null;
    return b && b.from === device && b.start === f.start && b.end === f.end && Array.isArray(b.entries) ? (b as Batch) : null;
  } catch {
    return null;
  }
}

/** Applies other devices' new files, in order, each file in slices (see above). */
export async function collectFromFolder(
  ctx: SyncContext,
  identity: OfficeIdentity,
  folder: string,
  events?: CoreEvents,
  options: FolderOptions = {},
): Promise<Omit<FolderReport, 'written' | 'deleted'>> {
  const slice = Math.max(1, options.slice ?? BACKGROUND_BATCH);
  const report: Omit<FolderReport, 'written' | 'deleted'> = { applied: 0, files: 0, skipped: [], refused: [], gaps: [] };
  const officeDir = join(folder, identity.officeId);
  if (!existsSync(officeDir)) return report;
  await whenIdle(ctx);
  const mine = ownDir(ctx, identity, folder);
  for (const dirName of readdirSync(officeDir)) {
    const m = DIR_RE.exec(dirName);
    if (!m || dirName === mine) continue;
    const device = m[1]!;
    // The office removed this device: its files are refused (quietly: nothing for this desktop's user to fix).
    if (device !== ctx.deviceId && isRemovedDevice(ctx.db, { deviceId: device })) continue;
    const source = `folder:${dirName}`;
    const floor = readFolderState(identity, folder, device)?.floor[dirName] ?? 0;
    const before = getCursor(ctx.db, source);
    if (before < floor) {
      await whenIdle(ctx);
      setCursor(ctx.db, source, floor, ctx.now());
      forgetParts(ctx, dirName);
      report.gaps.push({ device, dir: dirName, from: before, to: floor });
    }
    for (const f of listBatchFiles(join(officeDir, dirName))) {
      const cursor = getCursor(ctx.db, source);
      if (f.start < cursor) continue;
      if (f.start > cursor) break; // a file before this one is missing: wait for it
      let bytes: Buffer;
      try {
        bytes = await fsp.readFile(join(officeDir, dirName, f.file));
      } catch {
        break; // cleaned up by its writer meanwhile: its floor tells next time
      }
      let batch = await openBatchFile(identity, device, dirName, f, bytes);
      if (!batch && !identity.keys.has(epochOf(bytes))) {
        // Sealed under a key this device has not taken yet: its copy may have come with an earlier file or be in a `.keys` file.
        await whenIdle(ctx);
        if (receiveKeys(ctx) + receiveKeys(ctx, folderKeyCopies(officeDir)) > 0) identity.keys = heldKeys(ctx.db);
        batch = await openBatchFile(identity, device, dirName, f, bytes);
      }
      if (!batch) {
        report.skipped.push({ device, file: f.file });
        break;
      }
      try {
        // Each slice is checked whole and applied in the sync worker while the sync service runs.
        report.applied += await applyInSlices(ctx, batch, source, dirName, f, slice, events);
        report.files++;
      } catch (error) {
        report.refused.push({ device, file: f.file, messageKey: (error as { messageKey?: string }).messageKey ?? 'errors.INTERNAL' });
        break;
      }
    }
  }
  return report;
}

/**
 * Deletes this device's own files that every other device using the folder
 * has read (or that are older than `graceMs`), oldest first, keeping the
 * newest file of each sub-folder; then records this device's state file.
 * Returns how many files went.
 */
export function cleanFolder(
  ctx: SyncContext,
  identity: OfficeIdentity,
  folder: string,
  options: { graceMs?: number; gaps?: string[] } = {},
): number {
  const officeDir = join(folder, identity.officeId);
  if (!existsSync(officeDir)) return 0;
  const graceMs = options.graceMs ?? FOLDER_GRACE_MS;
  const now = ctx.now();
  const previous = readFolderState(identity, folder, ctx.deviceId);
  const floor: Record<string, number> = { ...(previous?.floor ?? {}) };
  const read = readCursors(ctx);
  const entries = readdirSync(officeDir);
  const mineDirs = entries.filter((e) => DIR_RE.exec(e)?.[1] === ctx.deviceId);
  // Everyone else who uses the folder, with what they recorded (null: nothing readable yet).
  const others = othersUsingFolder(ctx, identity, folder).map(([, state]) => state);
  // A gap stays asked for until its writer has moved on to a newer folder.
  const newest = (dir: string) => {
    const [device, epoch = '0'] = dir.split('~');
    return !entries.some((e) => {
      const m = DIR_RE.exec(e);
      return m !== null && m[1] === device && Number(m[2] ?? '0') > Number(epoch);
    });
  };
  const gaps = [...new Set([...(previous?.gaps ?? []), ...(options.gaps ?? [])])].filter(newest);
  const current = mineDirs.length > 0 ? ownDir(ctx, identity, folder) : null;
  let deleted = 0;
  for (const dirName of mineDirs) {
    const dir = join(officeDir, dirName);
    const files = listBatchFiles(dir);
    // An old folder of this device (before a restore) is read back by this device too.
    const selfRead = dirName === current ? Number.MAX_SAFE_INTEGER : (read[dirName] ?? 0);
    // The newest file of the current sub-folder stays: it shows how far this device has written.
    for (const f of dirName === current ? files.slice(0, -1) : files) {
      const readByAll = selfRead >= f.end && others.every((s) => (s?.read[dirName] ?? 0) >= f.end);
      const expired = !readByAll && now - statSync(join(dir, f.file)).mtimeMs >= graceMs;
      if (!readByAll && !expired) break;
      unlinkSync(join(dir, f.file));
      floor[dirName] = Math.max(floor[dirName] ?? 0, f.end);
      deleted++;
    }
    if (dirName !== current && readdirSync(dir).length === 0) rmdirSync(dir);
  }
  const state: FolderState = { device: ctx.deviceId, at: now, read, floor, gaps };
  const same = previous && JSON.stringify({ ...previous, at: now, gaps: previous.gaps ?? [] }) === JSON.stringify(state);
  if (!same) writeFolderState(identity, folder, state);
  return deleted;
}

/** One round: collect what others wrote, publish what this device has (including what it just relayed), clean up. */
export async function syncWithFolder(
  ctx: SyncContext,
  identity: OfficeIdentity,
  folder: string,
  events?: CoreEvents,
  options: FolderOptions = {},
): Promise<FolderReport> {
  await whenIdle(ctx);
  // Keys first: one sealed to this device, or a rotation due after a removal (keys.ts).
  maintainOfficeKeys(ctx);
  identity = { ...identity, keys: heldKeys(ctx.db) };
  const collected = await collectFromFolder(ctx, identity, folder, events, options);
  await whenIdle(ctx);
  // Again before writing: what was just collected may bring a removal, or a key for what it brought.
  maintainOfficeKeys(ctx);
  identity.keys = heldKeys(ctx.db);
  const written = await publishToFolder(ctx, identity, folder);
  await whenIdle(ctx);
  writeKeyCopies(ctx, identity, folder);
  const deleted = cleanFolder(ctx, identity, folder, { ...options, gaps: collected.gaps.map((g) => g.dir) });
  return { ...collected, written, deleted };
}
