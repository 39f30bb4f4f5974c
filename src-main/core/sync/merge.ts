/**
 * The merge engine: applies change-log entries received from other desktops.
 *
 * State model. A synced row is the fold of every change-log entry for it:
 * - each field takes the value of the entry with the greatest HLC stamp that
 *   set it (last writer wins; stamps compare as strings: time, counter, then
 *   device id, so ties cannot happen between devices);
 * - a purge is a tombstone at its stamp P: it discards every entry older than
 *   P, whatever field. Entries newer than P (a re-insert of the same id, or an
 *   edit made without having seen the purge on a clock that was ahead) rebuild
 *   the row from those entries alone; if they do not make a complete row (no
 *   insert), the row stays absent ("pending") on every device alike;
 * - soft delete is only the `deleted_at` field, so it merges like any field:
 *   a concurrent restore or edit of another field survives it.
 * The fold is a function of the *set* of entries, so applying them in any
 * order, any number of times, gives the same rows everywhere (idempotent,
 * commutative, associative). Per-field winning stamps are not stored twice:
 * they are read from change_log (indexed by table and row), which keeps the
 * local write path exactly as fast as without sync.
 *
 * Conflicts. A value that loses to a *concurrent* write of the same field is
 * recorded in `sync_conflicts` (local) so the user can restore it. Concurrent
 * means the winner's author had not seen the loser: each entry carries the
 * field stamps its origin had seen (`base`). An edit that loses to a purge it
 * had not seen is recorded too (kind `purged`).
 *
 * Received entries are stored in change_log with their original stamp and
 * device id, so they are relayed to third desktops; an entry whose stamp is
 * already there is ignored.
 *
 * Removed devices. An entry whose author the office removed, stamped after
 * the removal, is refused: never stored, never applied, never relayed, on
 * every desktop that knows the removal. A desktop that learns a removal
 * late (it relayed the removed device's entries before) withdraws what it had
 * taken: those entries leave its change log and the rows they touched are
 * folded again without them. Because every removal counts (peers.ts), the
 * set of refused entries only grows as a desktop learns more, so refusing on
 * arrival and withdrawing later end in the same rows everywhere.
 */
import { HarborError } from '../../../src-shared/errors';
import type { SqliteDb } from '../db/connection';
import { ClockDriftError, MAX_DRIFT_MS, type Hlc } from '../db/hlc';
import { SCHEMA_VERSION } from '../db/migrate';
import { SYNCED_TABLES } from '../db/schema';
import { cachedStatement, tableInfo } from '../db/writer';
import { batchSchema, BOOKKEEPING_COLUMNS, type Batch, type WireEntry } from './protocol';
import { removalStamps, writtenAfterRemoval } from './peers';

export interface SyncContext {
  db: SqliteDb;
  clock: Hlc;
  deviceId: string;
  now: () => number;
}

type Row = Record<string, unknown>;

/** One change-log entry of a row, as the merge sees it. */
export interface HistoryEntry {
  seq: number;
  hlc: string;
  device: string;
  op: 'insert' | 'update' | 'purge';
  data: Row;
  base: Record<string, string>;
}

interface Fold {
  /** Stamp of the newest purge, '' when never purged. */
  purge: string;
  purgeEntry: HistoryEntry | null;
  /** Entries newer than the purge. */
  live: HistoryEntry[];
  /** Winning entry per column among the live ones. */
  winners: Map<string, HistoryEntry>;
}

export interface ApplyResult {
  received: number;
  applied: number;
  duplicates: number;
  /** Entries written by a removed device after its removal: refused on arrival or withdrawn. */
  refused: number;
  conflicts: number;
  tables: string[];
}

const tablesByName = new Map(Object.values(SYNCED_TABLES).map((t) => [tableInfo(t).name, t]));

export function syncedTableByName(name: string) {
  return tablesByName.get(name);
}

/** Refusals a user can act on: translated, and the batch is left untouched. */
export function peerNewerError(peerVersion: number): HarborError {
  return new HarborError('CONFLICT', 'sync.errors.peer_newer', { peer: peerVersion, local: SCHEMA_VERSION });
}

const formerIds = new WeakMap<SqliteDb, Set<string>>();

/**
 * Whether an entry was written on this desktop: under its device id, or an
 * earlier one (a desktop let back into the office pairs under a new id; the
 * entries it wrote before keep theirs).
 */
export function writtenHere(db: SqliteDb, deviceId: string, device: string): boolean {
  if (device === deviceId) return true;
  let former = formerIds.get(db);
  if (!former) {
    const row = cachedStatement(db, "SELECT value FROM sync_meta WHERE key = 'former_devices'").get() as { value: string } | undefined;
    former = new Set(row ? (JSON.parse(row.value) as string[]) : []);
    formerIds.set(db, former);
  }
  return former.has(device);
}

/** After this desktop's device id changed: its earlier ids are read again. */
export function forgetFormerIds(db: SqliteDb): void {
  formerIds.delete(db);
}

/** Every entry of one row in this device's arrival order, with the bases their origins had. */
export function loadHistory(db: SqliteDb, deviceId: string, tbl: string, rowId: string): HistoryEntry[] {
  const rows = cachedStatement(
    db,
    `SELECT c.seq, c.hlc, c.device_id AS device, c.op, c.data, b.base FROM change_log c
     LEFT JOIN sync_entry_base b ON b.hlc = c.hlc
     WHERE c.tbl = ? AND c.row_id = ? ORDER BY c.seq`,
  ).all(tbl, rowId) as { seq: number; hlc: string; device: string; op: HistoryEntry['op']; data: string; base: string | null }[];
  const seen: Record<string, string> = {};
  let newest = '';
  return rows.map((r) => {
    const data = JSON.parse(r.data) as Row;
    let base: Record<string, string>;
    if (r.base) {
      // Received with the entry, or kept for a local entry when compaction removed what it had seen.
      base = JSON.parse(r.base) as Record<string, string>;
    } else if (writtenHere(db, deviceId, r.device)) {
      // Written here: it had seen exactly the entries that arrived before it.
      base = r.op === 'purge' ? { '*': newest } : pickSeen(seen, data);
    } else {
      base = {};
    }
    for (const col of Object.keys(data)) if (!seen[col] || seen[col] < r.hlc) seen[col] = r.hlc;
    if (r.hlc > newest) newest = r.hlc;
    return { seq: r.seq, hlc: r.hlc, device: r.device, op: r.op, data, base };
  });
}

function pickSeen(seen: Record<string, string>, data: Row): Record<string, string> {
  const base: Record<string, string> = {};
  for (const col of Object.keys(data)) if (seen[col]) base[col] = seen[col];
  return base;
}

export function foldRow(history: HistoryEntry[]): Fold {
  let purgeEntry: HistoryEntry | null = null;
  for (const e of history) if (e.op === 'purge' && (!purgeEntry || e.hlc > purgeEntry.hlc)) purgeEntry = e;
  const purge = purgeEntry?.hlc ?? '';
  const live = history.filter((e) => e.op !== 'purge' && e.hlc > purge);
  const winners = new Map<string, HistoryEntry>();
  for (const e of live) {
    for (const col of Object.keys(e.data)) {
      const w = winners.get(col);
      if (!w || w.hlc < e.hlc) winners.set(col, e);
    }
  }
  return { purge, purgeEntry, live, winners };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a == null && b == null);
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Where a batch came from: the cursor it advances, and (`from`) where that cursor must stand before it. */
export interface BatchSource {
  name: string;
  cursor: number;
  /**
   * The cursor the batch was asked for. Checked inside the transaction, so a
   * batch fetched before the database changed under it (a restore, another
   * exchange with the same source) is refused rather than moving the cursor
   * over entries it does not hold.
   */
  from?: number;
  /**
   * A slice of a larger batch (a shared-folder file applied a part at a
   * time): the cursor `name` counts the entries of it applied so far; it must
   * stand at `from` and moves to `to` with the slice. Only the last slice
   * moves the main cursor, and it forgets the count. A slice cut short (a
   * crash, a restart) is retried from the count; entries already applied are
   * skipped as duplicates.
   */
  part?: { name: string; from: number; to: number; last: boolean };
}

/**
 * Applies one batch in one transaction: all of it or (on any error) none of
 * it. `source` names the cursor (`peer:<id>`, `folder:<id>`) advanced to
 * `cursor` in the same transaction, so an interrupted exchange resumes where
 * it stopped.
 */
export function applyBatch(ctx: SyncContext, rawBatch: Batch | unknown, source?: BatchSource): ApplyResult {
  const parsed = batchSchema.safeParse(rawBatch);
  if (!parsed.success) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
  const batch = parsed.data;
  if (batch.schemaVersion > SCHEMA_VERSION) throw peerNewerError(batch.schemaVersion);
  const { db } = ctx;
  if (db.inTransaction) throw new HarborError('CONFLICT', 'sync.errors.busy');

  let newest = '';
  for (const e of batch.entries) if (e.hlc > newest) newest = e.hlc;
  if (newest) receiveStamp(ctx.clock, newest);

  return db.transaction(() => {
    if (source?.from !== undefined && getCursor(db, source.name) !== source.from) {
      throw new HarborError('CONFLICT', 'sync.errors.out_of_order');
    }
    if (source?.part && getCursor(db, source.part.name) !== source.part.from) {
      throw new HarborError('CONFLICT', 'sync.errors.out_of_order');
    }
    const result: ApplyResult = { received: batch.entries.length, applied: 0, duplicates: 0, refused: 0, conflicts: 0, tables: [] };
    const removals = removalStamps(db);
    const tables = new Set<string>();
    const byRow = new Map<string, WireEntry[]>();
    const inLog = cachedStatement(db, 'SELECT 1 FROM change_log WHERE hlc = ?');
    const compacted = cachedStatement(db, 'SELECT 1 FROM sync_compacted WHERE hlc = ?');
    const seen = (hlc: string) => Boolean(inLog.get(hlc) ?? compacted.get(hlc));
    const inBatch = new Set<string>();
    for (const e of batch.entries) {
      if (inBatch.has(e.hlc) || seen(e.hlc)) {
        result.duplicates++;
        continue;
      }
      if (writtenAfterRemoval(removals, e)) {
        result.refused++;
        continue;
      }
      inBatch.add(e.hlc);
      const key = `${e.tbl}\u0000${e.row}`;
      let list = byRow.get(key);
      if (!list) byRow.set(key, (list = []));
      list.push(e);
    }
    for (const entries of byRow.values()) {
      const { tbl, row } = entries[0]!;
      result.conflicts += mergeRow(ctx, tbl, row, entries);
      result.applied += entries.length;
      if (tablesByName.has(tbl)) tables.add(tbl);
    }
    // Removals that arrived with this batch: what their devices wrote after them is withdrawn.
    if ([...byRow.keys()].some((k) => k.startsWith(`${REMOVALS_TABLE}\u0000`))) {
      for (const [device, stamp] of removalStamps(db)) {
        if (removals.get(device) === stamp) continue;
        const withdrawn = withdrawAfterRemoval(ctx, device, stamp);
        result.refused += withdrawn.entries;
        for (const t of withdrawn.tables) tables.add(t);
      }
    }
    // Rows set aside earlier may fit now (their insert or a freed unique value arrived, here or by a local edit).
    for (const t of retryPending(ctx, byRow)) tables.add(t);
    if (source?.part && !source.part.last) {
      setCursor(db, source.part.name, source.part.to, ctx.now());
    } else if (source) {
      setCursor(db, source.name, source.cursor, ctx.now());
      if (source.part) resetCursor(db, source.part.name);
    }
    result.tables = [...tables];
    return result;
  }).immediate();
}

const REMOVALS_TABLE = 'sync_removed_devices';

/**
 * Takes back what `device` wrote after `stamp` (its removal): the entries
 * leave the change log (with their bases and the conflicts they took part
 * in), and every row they touched is folded again from what remains. Runs
 * in the caller's transaction; returns the entries withdrawn and the tables
 * whose rows changed.
 */
export function withdrawAfterRemoval(ctx: SyncContext, device: string, stamp: string): { entries: number; tables: string[] } {
  const { db } = ctx;
  const rows = cachedStatement(db, 'SELECT seq, hlc, tbl, row_id AS rowId FROM change_log WHERE hlc > ? AND device_id = ?').all(stamp, device) as {
    seq: number;
    hlc: string;
    tbl: string;
    rowId: string;
  }[];
  if (rows.length === 0) return { entries: 0, tables: [] };
  const touched = new Map<string, { tbl: string; rowId: string }>();
  for (const r of rows) {
    cachedStatement(db, 'DELETE FROM change_log WHERE seq = ?').run(r.seq);
    cachedStatement(db, 'DELETE FROM sync_entry_base WHERE hlc = ?').run(r.hlc);
    cachedStatement(db, 'DELETE FROM sync_conflicts WHERE tbl = ? AND row_id = ? AND (lost_hlc = ? OR won_hlc = ?)').run(r.tbl, r.rowId, r.hlc, r.hlc);
    touched.set(`${r.tbl}\u0000${r.rowId}`, { tbl: r.tbl, rowId: r.rowId });
  }
  const tables = new Set<string>();
  for (const { tbl, rowId } of touched.values()) {
    // Rebuilt from scratch: a column only the withdrawn entries set must not keep their value.
    materialize(ctx, tbl, rowId, loadHistory(db, ctx.deviceId, tbl, rowId), true);
    if (tablesByName.has(tbl)) tables.add(tbl);
  }
  for (const t of retryPending(ctx, touched)) tables.add(t);
  return { entries: rows.length, tables: [...tables] };
}

/** Merges a remote stamp into the local clock; a clock absurdly far ahead is refused. */
export function receiveStamp(clock: Hlc, stamp: string): void {
  try {
    clock.receive(stamp);
  } catch (error) {
    if (error instanceof ClockDriftError) {
      throw new HarborError('CONFLICT', 'sync.errors.clock_ahead', {
        hours: Math.round((error.remoteMs - error.localMs) / 3_600_000),
        maxHours: MAX_DRIFT_MS / 3_600_000,
      });
    }
    throw error;
  }
}

function mergeRow(ctx: SyncContext, tbl: string, rowId: string, incoming: WireEntry[]): number {
  const { db } = ctx;
  const history = loadHistory(db, ctx.deviceId, tbl, rowId);
  const table = tablesByName.get(tbl);
  const known = table ? tableInfo(table).byName : null;
  const insertLog = cachedStatement(
    db,
    'INSERT INTO change_log (hlc, device_id, tbl, row_id, op, data, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertBase = cachedStatement(db, 'INSERT OR REPLACE INTO sync_entry_base (hlc, base) VALUES (?, ?)');
  let conflicts = 0;
  let purged = false;
  for (const e of [...incoming].sort((a, b) => (a.hlc < b.hlc ? -1 : 1))) {
    const data = parseData(e.data);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
    }
    const entry: HistoryEntry = { seq: Number.MAX_SAFE_INTEGER, hlc: e.hlc, device: e.device, op: e.op, data: data as Row, base: e.base ?? {} };
    if (known) conflicts += detectConflicts(ctx, tbl, rowId, history, entry, known);
    const info = insertLog.run(e.hlc, e.device, tbl, rowId, e.op, e.data, e.actor);
    if (e.base && Object.keys(e.base).length > 0) insertBase.run(e.hlc, JSON.stringify(e.base));
    entry.seq = Number(info.lastInsertRowid);
    history.push(entry);
    if (e.op === 'purge') purged = true;
  }
  // A table this version does not sync (or know): the entries are kept and relayed, never applied.
  if (table) materialize(ctx, tbl, rowId, history, purged);
  return conflicts;
}

function parseData(text: string): Row | null {
  try {
    return JSON.parse(text) as Row;
  } catch {
    return null;
  }
}

function detectConflicts(
  ctx: SyncContext,
  tbl: string,
  rowId: string,
  history: HistoryEntry[],
  e: HistoryEntry,
  known: Map<string, unknown>,
): number {
  if (history.length === 0) return 0;
  const fold = foldRow(history);
  let recorded = 0;
  const record = (col: string, kind: 'field' | 'purged', lost: HistoryEntry, won: HistoryEntry | null, wonHlc: string) => {
    if (BOOKKEEPING_COLUMNS.has(col) || col === 'id' || !known.has(col)) return;
    const info = cachedStatement(
      ctx.db,
      `INSERT OR IGNORE INTO sync_conflicts (tbl, row_id, col, kind, lost_value, lost_hlc, won_value, won_hlc, detected_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(tbl, rowId, col, kind, json(lost.data[col]), lost.hlc, won ? json(won.data[col]) : null, wonHlc, ctx.now());
    recorded += info.changes;
  };

  if (e.op === 'purge') {
    if (e.hlc <= fold.purge) return 0;
    const seenUpTo = e.base['*'] ?? '';
    // Edits newer than the purge survive only if they re-create the row.
    const recreated = fold.live.some((l) => l.op === 'insert' && l.hlc > e.hlc);
    for (const [col, w] of fold.winners) {
      if (w.hlc < e.hlc ? w.hlc > seenUpTo : !recreated) record(col, 'purged', w, null, e.hlc);
    }
    return recorded;
  }
  if (fold.purge) {
    const seenUpTo = fold.purgeEntry?.base['*'] ?? '';
    const lost = e.hlc < fold.purge ? e.hlc > seenUpTo : e.op === 'update' && !fold.live.some((l) => l.op === 'insert');
    if (lost) {
      for (const col of Object.keys(e.data)) record(col, 'purged', e, null, fold.purge);
      return recorded;
    }
    if (e.hlc < fold.purge) return recorded;
  }
  for (const col of Object.keys(e.data)) {
    const w = fold.winners.get(col);
    if (!w || sameValue(w.data[col], e.data[col])) continue;
    if (e.hlc > w.hlc) {
      if ((e.base[col] ?? '') < w.hlc) record(col, 'field', w, e, e.hlc);
    } else if ((w.base[col] ?? '') < e.hlc) {
      record(col, 'field', e, w, w.hlc);
    }
  }
  return recorded;
}

/**
 * Makes the stored row equal to the fold of its history. `reset` (a purge
 * arrived) rebuilds it from the entries newer than the purge. A row that
 * cannot exist yet (no insert, a missing parent row, a unique value taken)
 * is remembered as pending and retried after later batches.
 */
export function materialize(ctx: SyncContext, tbl: string, rowId: string, history: HistoryEntry[], reset: boolean): boolean {
  const { db } = ctx;
  const table = tablesByName.get(tbl);
  if (!table) return false;
  const known = tableInfo(table).byName;
  const fold = foldRow(history);
  let current = cachedStatement(db, `SELECT * FROM "${tbl}" WHERE "id" = ?`).get(rowId) as Row | undefined;
  if (reset && current) {
    cachedStatement(db, `DELETE FROM "${tbl}" WHERE "id" = ?`).run(rowId);
    current = undefined;
  }
  const clearPending = () => {
    // Most rows were never pending: skip the write when the table is empty.
    if (cachedStatement(db, 'SELECT 1 FROM sync_pending LIMIT 1').get()) {
      cachedStatement(db, 'DELETE FROM sync_pending WHERE tbl = ? AND row_id = ?').run(tbl, rowId);
    }
  };
  if (fold.live.length === 0) {
    clearPending();
    return true;
  }
  const values: Row = {};
  for (const [col, w] of fold.winners) if (col !== 'id' && known.has(col)) values[col] = w.data[col];
  const write = () => {
    if (current) {
      const changed = Object.keys(values).filter((c) => !sameValue(current![c], values[c]));
      if (changed.length > 0) {
        cachedStatement(db, `UPDATE "${tbl}" SET ${changed.map((c) => `"${c}" = ?`).join(', ')} WHERE "id" = ?`).run(
          ...changed.map((c) => values[c]),
          rowId,
        );
      }
    } else {
      const cols = Object.keys(values);
      cachedStatement(
        db,
        `INSERT INTO "${tbl}" ("id"${cols.map((c) => `, "${c}"`).join('')}) VALUES (?${cols.map(() => ', ?').join('')})`,
      ).run(rowId, ...cols.map((c) => values[c]));
    }
  };
  const park = (id: string) => cachedStatement(db, 'INSERT OR IGNORE INTO sync_pending (tbl, row_id) VALUES (?, ?)').run(tbl, id);
  try {
    write();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_CONSTRAINT')) throw error;
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE') {
      park(rowId);
      return false;
    }
    // Two rows want one unique value (e.g. the same username created on two desktops offline):
    // the row created first keeps it everywhere; the other is set aside and shown as a conflict.
    const rivals = uniqueRivals(db, tbl, rowId, { ...current, ...values });
    const mine = createdStamp(db, tbl, rowId);
    const wins = rivals.length > 0 && rivals.every((r) => mine < createdStamp(db, tbl, r.id));
    const losers = wins ? rivals : [{ id: rowId, col: rivals[0]?.col ?? 'id' }];
    const winner = wins ? rowId : (rivals[0]?.id ?? rowId);
    for (const loser of losers) {
      const value = loser.id === rowId ? values[loser.col] : (cachedStatement(db, `SELECT "${loser.col}" AS v FROM "${tbl}" WHERE id = ?`).get(loser.id) as { v: unknown } | undefined)?.v;
      cachedStatement(
        db,
        `INSERT OR IGNORE INTO sync_conflicts (tbl, row_id, col, kind, lost_value, lost_hlc, won_value, won_hlc, detected_at)
         VALUES (?, ?, ?, 'field', ?, ?, ?, ?, ?)`,
      ).run(tbl, loser.id, loser.col, json(value), createdStamp(db, tbl, loser.id), json(value), createdStamp(db, tbl, winner), ctx.now());
      cachedStatement(db, `DELETE FROM "${tbl}" WHERE "id" = ?`).run(loser.id);
      park(loser.id);
    }
    if (!wins) return false;
    current = cachedStatement(db, `SELECT * FROM "${tbl}" WHERE "id" = ?`).get(rowId) as Row | undefined;
    try {
      write();
    } catch (again) {
      if (!(again as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw again;
      park(rowId);
      return false;
    }
  }
  clearPending();
  return true;
}

/** Rows other than `rowId` holding one of `values`' unique values, with the column that clashes. */
function uniqueRivals(db: SqliteDb, tbl: string, rowId: string, values: Row): { id: string; col: string }[] {
  const rivals: { id: string; col: string }[] = [];
  const indexes = db.prepare(`PRAGMA index_list("${tbl}")`).all() as { name: string; unique: number; origin: string; partial: number }[];
  for (const index of indexes) {
    if (!index.unique || index.origin === 'pk' || index.partial) continue;
    const cols = (db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string | null }[]).map((c) => c.name);
    if (cols.some((c) => c === null || values[c] === null || values[c] === undefined)) continue;
    const where = cols.map((c) => `"${c}" = ?`).join(' AND ');
    const found = db.prepare(`SELECT id FROM "${tbl}" WHERE ${where} AND id <> ?`).all(...cols.map((c) => values[c!]), rowId) as { id: string }[];
    for (const f of found) if (!rivals.some((r) => r.id === f.id)) rivals.push({ id: f.id, col: cols[0]! });
  }
  return rivals;
}

/** When a row was created: the stamp of its first insert (ties cannot happen: stamps are unique). */
function createdStamp(db: SqliteDb, tbl: string, rowId: string): string {
  const row = cachedStatement(
    db,
    "SELECT min(CASE WHEN op = 'insert' THEN hlc END) AS first, min(hlc) AS any FROM change_log WHERE tbl = ? AND row_id = ?",
  ).get(tbl, rowId) as { first: string | null; any: string | null };
  return row.first ?? row.any ?? '';
}

function retryPending(ctx: SyncContext, handled: Map<string, unknown>): string[] {
  const pending = cachedStatement(ctx.db, 'SELECT tbl, row_id AS rowId FROM sync_pending').all() as { tbl: string; rowId: string }[];
  const tables: string[] = [];
  for (const p of pending) {
    if (handled.has(`${p.tbl}\u0000${p.rowId}`)) continue;
    if (materialize(ctx, p.tbl, p.rowId, loadHistory(ctx.db, ctx.deviceId, p.tbl, p.rowId), false)) tables.push(p.tbl);
  }
  return tables;
}

export function getCursor(db: SqliteDb, source: string): number {
  const row = cachedStatement(db, 'SELECT cursor FROM sync_cursors WHERE source = ?').get(source) as { cursor: number } | undefined;
  return row?.cursor ?? 0;
}

/** Forgets how far a source was read (its log went backwards: restored from a backup). */
export function resetCursor(db: SqliteDb, source: string): void {
  cachedStatement(db, 'DELETE FROM sync_cursors WHERE source = ?').run(source);
}

export function setCursor(db: SqliteDb, source: string, cursor: number, now: number): void {
  cachedStatement(
    db,
    `INSERT INTO sync_cursors (source, cursor, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (source) DO UPDATE SET cursor = max(cursor, excluded.cursor), updated_at = excluded.updated_at`,
  ).run(source, cursor, now);
}
