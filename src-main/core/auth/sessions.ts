/**
 * Sessions are device-local: a random token goes to the client, only its
 * SHA-256 is stored. Sessions expire after a fixed time and lock themselves
 * after the office's idle time; a locked session can only unlock or log out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqliteDb } from '../db/connection';
import { fromDriverRow, cachedStatement } from '../db/writer';
import { users } from '../db/schema';
import type { ActiveSession } from '../rpc/context';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** `last_seen_at` is written at most this often, so reads stay cheap. */
const TOUCH_EVERY_MS = 15_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createSession(db: SqliteDb, userId: string, now: number): { token: string; expiresAt: number } {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_TTL_MS;
  cachedStatement(
    db,
    'INSERT INTO local_sessions (token_hash, user_id, created_at, expires_at, last_seen_at, locked) VALUES (?, ?, ?, ?, ?, 0)',
  ).run(hashToken(token), userId, now, expiresAt, now);
  cachedStatement(db, 'DELETE FROM local_sessions WHERE expires_at < ?').run(now);
  return { token, expiresAt };
}

interface SessionRow {
  token_hash: string;
  user_id: string;
  expires_at: number;
  last_seen_at: number;
  locked: number;
}

/**
 * Finds the live session for a token, locking it when it has been idle too
 * long. Returns null for unknown, expired or deactivated-user sessions.
 */
export function resolveSession(db: SqliteDb, token: string, now: number, idleLockMinutes: number): ActiveSession | null {
  const tokenHash = hashToken(token);
  const row = cachedStatement(db, 'SELECT * FROM local_sessions WHERE token_hash = ?').get(tokenHash) as
    | SessionRow
    | undefined;
  if (!row) return null;
  if (row.expires_at <= now) {
    cachedStatement(db, 'DELETE FROM local_sessions WHERE token_hash = ?').run(tokenHash);
    return null;
  }
  const rawUser = cachedStatement(db, 'SELECT * FROM users WHERE id = ? AND deleted_at IS NULL').get(row.user_id) as
    | Record<string, unknown>
    | undefined;
  const user = rawUser ? fromDriverRow(users, rawUser) : null;
  if (!user || !user.active) return null;
  let locked = row.locked === 1;
  if (!locked && idleLockMinutes > 0 && now - row.last_seen_at > idleLockMinutes * 60_000) {
    locked = true;
    cachedStatement(db, 'UPDATE local_sessions SET locked = 1 WHERE token_hash = ?').run(tokenHash);
  } else if (!locked && now - row.last_seen_at > TOUCH_EVERY_MS) {
    cachedStatement(db, 'UPDATE local_sessions SET last_seen_at = ? WHERE token_hash = ?').run(now, tokenHash);
  }
  return { tokenHash, user, locked, expiresAt: row.expires_at };
}

export function setSessionLocked(db: SqliteDb, tokenHash: string, locked: boolean, now: number): void {
  cachedStatement(db, 'UPDATE local_sessions SET locked = ?, last_seen_at = ? WHERE token_hash = ?').run(
    locked ? 1 : 0,
    now,
    tokenHash,
  );
}

export function deleteSession(db: SqliteDb, tokenHash: string): void {
  cachedStatement(db, 'DELETE FROM local_sessions WHERE token_hash = ?').run(tokenHash);
}

export function deleteUserSessions(db: SqliteDb, userId: string): void {
  cachedStatement(db, 'DELETE FROM local_sessions WHERE user_id = ?').run(userId);
}

/** Failed logins per username (known or not): after MAX_FAILURES the name is locked for LOCK_MS. */
export const MAX_FAILURES = 5;
export const LOCK_MS = 5 * 60 * 1000;

export function lockedFor(db: SqliteDb, username: string, now: number): number {
  const row = cachedStatement(db, 'SELECT locked_until FROM local_login_throttle WHERE username = ?').get(username) as
    | { locked_until: number | null }
    | undefined;
  return row?.locked_until && row.locked_until > now ? row.locked_until - now : 0;
}

/** Counts a failure; returns the lock time in ms when this failure locks the name. */
export function recordFailure(db: SqliteDb, username: string, now: number): number {
  const row = cachedStatement(db, 'SELECT failures, locked_until FROM local_login_throttle WHERE username = ?').get(
    username,
  ) as { failures: number; locked_until: number | null } | undefined;
  // A lock that ran out starts a fresh count.
  const failures = (row && !(row.locked_until && row.locked_until <= now) ? row.failures : 0) + 1;
  const lockedUntil = failures >= MAX_FAILURES ? now + LOCK_MS : null;
  cachedStatement(
    db,
    `INSERT INTO local_login_throttle (username, failures, locked_until) VALUES (?, ?, ?)
     ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
  ).run(username, lockedUntil ? 0 : failures, lockedUntil);
  return lockedUntil ? LOCK_MS : 0;
}

export function clearFailures(db: SqliteDb, username: string): void {
  cachedStatement(db, 'DELETE FROM local_login_throttle WHERE username = ?').run(username);
}
