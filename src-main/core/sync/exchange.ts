/**
 * Incremental exchange, independent of the transport. Each device pulls from
 * each peer the peer's change-log entries after a cursor (the peer's local
 * seq, which orders its log in arrival order: a causally consistent order),
 * in batches; the cursor advances in the same transaction as the batch it
 * covers, so a dropped connection resumes from the last applied batch.
 * Entries the requester wrote itself are not sent back.
 */
import { HarborError } from '../../../src-shared/errors';
import { SCHEMA_VERSION } from '../db/migrate';
import { cachedStatement } from '../db/writer';
import type { CoreEvents } from '../events';
import { applyReceived, whenIdle } from './apply';
import { getCursor, loadHistory, peerNewerError, resetCursor, writtenHere, type ApplyResult, type SyncContext } from './merge';
import { readMeta, writeMeta } from './identity';
import { logId } from './restore';
import { DEFAULT_BATCH_SIZE, PROTOCOL_VERSION, type Batch, type WireEntry } from './protocol';

export interface PeerHello {
  protocol: number;
  deviceId: string;
  schemaVersion: number;
  /** The id of the device's log; a new one (after a restore) means: read it again from the start. */
  log?: string;
}

export function localHello(ctx: SyncContext): PeerHello {
  return { protocol: PROTOCOL_VERSION, deviceId: ctx.deviceId, schemaVersion: SCHEMA_VERSION, log: logId(ctx.db) };
}

/**
 * Notes the log id a peer announced. When it differs from the one last seen
 * (its database was restored since), this desktop's position in that log is
 * forgotten, so the whole log is read again. Returns whether it was.
 */
export function notePeerLog(ctx: SyncContext, peerId: string, log: unknown): boolean {
  if (typeof log !== 'string' || log.length === 0 || log.length > 64) return false;
  const key = `peer_log:${peerId}`;
  const known = readMeta(ctx.db, key);
  if (known === log) return false;
  writeMeta(ctx.db, key, log);
  if (known === null) return false;
  resetCursor(ctx.db, `peer:${peerId}`);
  return true;
}

interface LogRow {
  seq: number;
  hlc: string;
  device: string;
  tbl: string;
  row: string;
  op: WireEntry['op'];
  data: string;
  actor: string | null;
  base: string | null;
}

/** This device's change-log entries after `afterSeq`, for a peer (`exceptOrigin`: the peer's own entries are skipped). */
export function readBatch(ctx: SyncContext, afterSeq: number, limit = DEFAULT_BATCH_SIZE, exceptOrigin?: string): Batch {
  const { db } = ctx;
  const rows = cachedStatement(
    db,
    `SELECT c.seq, c.hlc, c.device_id AS device, c.tbl, c.row_id AS row, c.op, c.data, c.actor_id AS actor, b.base
     FROM change_log c LEFT JOIN sync_entry_base b ON b.hlc = c.hlc
     WHERE c.seq > ? ORDER BY c.seq LIMIT ?`,
  ).all(afterSeq, limit) as LogRow[];
  // Bases of entries written here are derived from the row's history, once per row.
  const localBases = new Map<string, Record<string, string>>();
  const rowsDone = new Set<string>();
  for (const r of rows) {
    if (!writtenHere(db, ctx.deviceId, r.device) || r.op === 'insert' || r.device === exceptOrigin) continue;
    const key = `${r.tbl}\u0000${r.row}`;
    if (rowsDone.has(key)) continue;
    rowsDone.add(key);
    for (const h of loadHistory(db, ctx.deviceId, r.tbl, r.row)) if (writtenHere(db, ctx.deviceId, h.device)) localBases.set(h.hlc, h.base);
  }
  const entries: WireEntry[] = [];
  for (const r of rows) {
    if (r.device === exceptOrigin) continue;
    const entry: WireEntry = { hlc: r.hlc, device: r.device, tbl: r.tbl, row: r.row, op: r.op, data: r.data, actor: r.actor };
    const base = writtenHere(db, ctx.deviceId, r.device) ? localBases.get(r.hlc) : r.base ? (JSON.parse(r.base) as Record<string, string>) : undefined;
    if (base && Object.keys(base).length > 0) entry.base = base;
    entries.push(entry);
  }
  const end = rows.length > 0 ? rows[rows.length - 1]!.seq : afterSeq;
  return {
    protocol: PROTOCOL_VERSION,
    schemaVersion: SCHEMA_VERSION,
    from: ctx.deviceId,
    start: afterSeq,
    end,
    more: rows.length === limit,
    entries,
  };
}

/** The highest change-log seq: how far a peer must read to be up to date with this device. */
export function logHead(ctx: SyncContext): number {
  return (cachedStatement(ctx.db, 'SELECT coalesce(max(seq), 0) AS n FROM change_log').get() as { n: number }).n;
}

/** The other side of an exchange, whatever carries it. */
export interface SyncChannel {
  hello(): Promise<PeerHello>;
  /** The peer's entries after `after` (its seq), at most `limit`. */
  pull(after: number, limit: number): Promise<Batch>;
}

export interface SessionOptions {
  batchSize?: number;
  events?: CoreEvents;
  signal?: AbortSignal;
  onBatch?: (result: ApplyResult, batch: Batch) => void;
}

export interface SessionResult {
  peer: PeerHello;
  batches: number;
  applied: number;
  duplicates: number;
  conflicts: number;
}

/** Checks a peer's greeting: a newer schema is refused (the user should update), an unknown protocol too. */
export function checkHello(peer: PeerHello): void {
  if (peer.protocol !== PROTOCOL_VERSION) throw new HarborError('CONFLICT', 'sync.errors.protocol');
  if (peer.schemaVersion > SCHEMA_VERSION) throw peerNewerError(peer.schemaVersion);
}

export { whenIdle };

/**
 * Pulls everything new from one peer, batch after batch. While one batch is
 * applied (in the sync worker when the service runs), the next one is already
 * on its way, so small batches (short transactions) cost no extra round trips.
 */
export async function pullFrom(ctx: SyncContext, channel: SyncChannel, options: SessionOptions = {}): Promise<SessionResult> {
  const peer = await channel.hello();
  checkHello(peer);
  const source = `peer:${peer.deviceId}`;
  const limit = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: SessionResult = { peer, batches: 0, applied: 0, duplicates: 0, conflicts: 0 };
  let cursor = getCursor(ctx.db, source);
  let next: Promise<Batch> | null = options.signal?.aborted ? null : channel.pull(cursor, limit);
  try {
    while (next) {
      const batch = await next;
      next = null;
      if (batch.from !== peer.deviceId || batch.start !== cursor || batch.end < cursor) {
        throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
      }
      // In the sync worker while the sync service runs (see apply.ts); the cursor moves with the batch.
      const applying = applyReceived(ctx, batch, { name: source, cursor: batch.end, from: cursor });
      if (batch.more && !options.signal?.aborted) {
        next = channel.pull(batch.end, limit);
        // Its failure is seen when it is awaited, after this batch is applied.
        next.catch(() => undefined);
      }
      const applied = await applying;
      cursor = batch.end;
      result.batches++;
      result.applied += applied.applied;
      result.duplicates += applied.duplicates;
      result.conflicts += applied.conflicts;
      if (applied.tables.length > 0) options.events?.emit('data.changed', { tables: applied.tables });
      options.onBatch?.(applied, batch);
      // Let the UI's calls in between batches.
      if (next) await new Promise((resolve) => setImmediate(resolve));
      // Cancelled meanwhile: the batch already asked for is received (the channel stays in step) but not applied.
      if (next && options.signal?.aborted) {
        await next;
        next = null;
      }
    }
  } finally {
    // A failed apply leaves a request in flight: wait for it, so the channel is free for what follows.
    if (next) await next.catch(() => undefined);
  }
  return result;
}

/** A channel straight to another core in the same process (tests, benchmarks). */
export function directChannel(other: SyncContext, requester: SyncContext): SyncChannel {
  return {
    hello: () => Promise.resolve(localHello(other)),
    pull: (after, limit) => Promise.resolve(readBatch(other, after, limit, requester.deviceId)),
  };
}
