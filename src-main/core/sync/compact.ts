/**
 * Change-log compaction. Only entries every paired desktop has acknowledged
 * (seq at or below the lowest acknowledgement, and below what the shared
 * folder has received) are touched, and only in ways that leave the fold —
 * the rows every desktop computes — unchanged:
 * - an entry older than the row's newest purge is removed (the purge stays);
 * - an older purge is removed when a newer one exists;
 * - from any other entry, the columns a later entry has overwritten are
 *   dropped; an update left with no column is removed; an insert is kept
 *   (possibly empty), so a desktop that joins later still rebuilds the row.
 * Removed stamps are remembered in `sync_compacted` (so a late relayed copy is
 * recognised as seen), and the field stamps a remaining local entry had seen
 * are stored with it first, so conflict detection stays what it was.
 *
 * Tables whose log is a record's visible history (HISTORY_TABLES: the
 * customer timeline shows every change, old -> new) are never compacted.
 *
 * Only settled entries (stamped more than `settledMs` ago, a week by default)
 * make older ones redundant. A newer entry can still be withdrawn when the
 * office turns out to have removed its author before it was written (the
 * removal may reach this desktop late, see merge.ts); the value under it must
 * then still be here, as it is on the desktops that learned the removal first.
 */
import type { SqliteDb } from '../db/connection';
import { HISTORY_TABLES } from '../db/history';
import { cachedStatement } from '../db/writer';
import { foldRow, getCursor, loadHistory, writtenHere, type HistoryEntry, type SyncContext } from './merge';
import { listPeers } from './peers';
import { readMeta } from './identity';

/** The highest change-log seq every paired desktop (and the shared folder, if used) has. */
export function compactionHorizon(db: SqliteDb): number {
  const head = (cachedStatement(db, 'SELECT coalesce(max(seq), 0) AS n FROM change_log').get() as { n: number }).n;
  let horizon = head;
  for (const peer of listPeers(db)) horizon = Math.min(horizon, getCursor(db, `ack:${peer.deviceId}`));
  if (readMeta(db, 'folder')) horizon = Math.min(horizon, getCursor(db, 'folder-out'));
  return horizon;
}

export interface CompactResult {
  rows: number;
  removed: number;
  rewritten: number;
  bytesBefore: number;
  bytesAfter: number;
}

function superseded(e: HistoryEntry, col: string, winners: Map<string, HistoryEntry>): boolean {
  const w = winners.get(col);
  return w !== undefined && w.hlc > e.hlc;
}

/** How old an entry must be before it makes the entries under it redundant. */
export const COMPACT_SETTLED_MS = 7 * 24 * 3600 * 1000;

export function compactLog(ctx: SyncContext, options: { horizon?: number; maxRows?: number; settledMs?: number } = {}): CompactResult {
  const { db } = ctx;
  const horizon = options.horizon ?? compactionHorizon(db);
  // Stamps compare as strings: the first 15 digits are the physical time in ms.
  const settledBefore = String(Math.max(0, ctx.now() - (options.settledMs ?? COMPACT_SETTLED_MS))).padStart(15, '0');
  const settled = (e: HistoryEntry) => e.hlc.slice(0, 15) <= settledBefore;
  const result: CompactResult = { rows: 0, removed: 0, rewritten: 0, bytesBefore: 0, bytesAfter: 0 };
  const wholeTables = [...HISTORY_TABLES];
  const rows = cachedStatement(
    db,
    `SELECT tbl, row_id AS rowId FROM change_log WHERE seq <= ? AND tbl NOT IN (${wholeTables.map(() => '?').join(', ')}) GROUP BY tbl, row_id HAVING count(*) > 1 LIMIT ?`,
  ).all(horizon, ...wholeTables, options.maxRows ?? 1_000_000) as { tbl: string; rowId: string }[];
  const remove = cachedStatement(db, 'DELETE FROM change_log WHERE seq = ?');
  const forgetBase = cachedStatement(db, 'DELETE FROM sync_entry_base WHERE hlc = ?');
  const remember = cachedStatement(db, 'INSERT OR IGNORE INTO sync_compacted (hlc) VALUES (?)');
  const keepBase = cachedStatement(db, 'INSERT OR IGNORE INTO sync_entry_base (hlc, base) VALUES (?, ?)');
  const rewrite = cachedStatement(db, 'UPDATE change_log SET data = ? WHERE seq = ?');
  db.transaction(() => {
    for (const { tbl, rowId } of rows) {
      const history = loadHistory(db, ctx.deviceId, tbl, rowId);
      // What the settled entries alone make redundant.
      const fold = foldRow(history.filter(settled));
      const drop: HistoryEntry[] = [];
      const strip: { e: HistoryEntry; data: Record<string, unknown> }[] = [];
      for (const e of history) {
        if (e.seq > horizon) continue;
        if (e.op === 'purge') {
          if (e.hlc < fold.purge) drop.push(e);
          continue;
        }
        if (e.hlc < fold.purge) {
          drop.push(e);
          continue;
        }
        const cols = Object.keys(e.data);
        const kept = cols.filter((c) => !superseded(e, c, fold.winners));
        if (kept.length === cols.length) continue;
        if (kept.length === 0 && e.op === 'update') drop.push(e);
        else strip.push({ e, data: Object.fromEntries(kept.map((c) => [c, e.data[c]])) });
      }
      if (drop.length === 0 && strip.length === 0) continue;
      result.rows++;
      const dropped = new Set(drop);
      // What each remaining local entry had seen must survive the removal of what it saw.
      for (const e of history) {
        if (!dropped.has(e) && writtenHere(db, ctx.deviceId, e.device) && Object.keys(e.base).length > 0) keepBase.run(e.hlc, JSON.stringify(e.base));
      }
      for (const e of drop) {
        result.bytesBefore += JSON.stringify(e.data).length;
        remove.run(e.seq);
        forgetBase.run(e.hlc);
        remember.run(e.hlc);
        result.removed++;
      }
      for (const { e, data } of strip) {
        const before = JSON.stringify(e.data);
        const after = JSON.stringify(data);
        result.bytesBefore += before.length;
        result.bytesAfter += after.length;
        rewrite.run(after, e.seq);
        result.rewritten++;
      }
    }
  }).immediate();
  return result;
}
