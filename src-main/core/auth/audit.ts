/**
 * The audit log: append-only (database triggers refuse updates and deletes)
 * and hash-chained, so editing or removing an entry breaks every hash after it.
 */
import { createHash } from 'node:crypto';
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  at: number;
  deviceId: string;
  userId: string | null;
  username: string | null;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  target: string | null;
  detail: Record<string, unknown> | null;
}

interface AuditRow extends Omit<AuditInput, 'detail'> {
  seq: number;
  detail: string | null;
  prevHash: string;
  hash: string;
}

function entryHash(prevHash: string, e: Omit<AuditInput, 'detail'> & { detail: string | null }): string {
  const body = JSON.stringify([prevHash, e.at, e.deviceId, e.userId, e.username, e.action, e.outcome, e.target, e.detail]);
  return createHash('sha256').update(body).digest('hex');
}

export function appendAudit(db: SqliteDb, entry: AuditInput): string {
  const last = cachedStatement(db, 'SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
    | { hash: string }
    | undefined;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const detail = entry.detail ? JSON.stringify(entry.detail) : null;
  const hash = entryHash(prevHash, { ...entry, detail });
  cachedStatement(
    db,
    `INSERT INTO audit_log (at, device_id, user_id, username, action, outcome, target, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(entry.at, entry.deviceId, entry.userId, entry.username, entry.action, entry.outcome, entry.target, detail, prevHash, hash);
  return hash;
}

export function verifyAuditChain(db: SqliteDb): { ok: boolean; checked: number; firstBrokenSeq: number | null } {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const rows = db
    .prepare(
      `SELECT seq, at, device_id AS deviceId, user_id AS userId, username, action, outcome, target, detail,
              prev_hash AS prevHash, hash FROM audit_log ORDER BY seq`,
    )
    .iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    checked += 1;
    if (row.prevHash !== prevHash || entryHash(prevHash, row) !== row.hash) {
      return { ok: false, checked, firstBrokenSeq: row.seq };
    }
    prevHash = row.hash;
  }
  return { ok: true, checked, firstBrokenSeq: null };
}
