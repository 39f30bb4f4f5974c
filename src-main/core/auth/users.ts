import type { User } from '../../../src-shared/contract';
import type { Role } from '../../../src-shared/permissions';
import { ROLE_PERMISSIONS } from '../../../src-shared/permissions';
import { fieldError } from '../rpc/errors';
import type { CallContext, UserRow } from '../rpc/context';
import { users } from '../db/schema';
import { cachedStatement, fromDriverRow } from '../db/writer';
import type { SqliteDb } from '../db/connection';
import { createSession } from './sessions';
import { readSettings } from '../system/settings';
import type { Session } from '../../../src-shared/contract';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role as Role,
    language: (row.language as User['language']) ?? null,
    theme: (row.theme as User['theme']) ?? 'auto',
    active: row.active,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function findUserByUsername(db: SqliteDb, username: string): UserRow | null {
  const raw = cachedStatement(db, 'SELECT * FROM users WHERE username = ? AND deleted_at IS NULL').get(username) as
    | Record<string, unknown>
    | undefined;
  return raw ? fromDriverRow(users, raw) : null;
}

export function assertUsernameFree(db: SqliteDb, username: string, path = 'username'): void {
  if (cachedStatement(db, 'SELECT 1 FROM users WHERE username = ?').get(username)) {
    throw fieldError(path, 'errors.username_taken');
  }
}

export function countActiveAdmins(db: SqliteDb, exceptId?: string): number {
  const row = cachedStatement(
    db,
    "SELECT count(*) AS n FROM users WHERE role = 'administrator' AND active = 1 AND deleted_at IS NULL AND id != ?",
  ).get(exceptId ?? '') as { n: number };
  return row.n;
}

/** Opens a session for `user` and describes it for the client. */
export function startSession(ctx: CallContext, user: UserRow): Session {
  const { token, expiresAt } = createSession(ctx.db, user.id, ctx.services.now());
  ctx.audit.userId = user.id;
  ctx.audit.username = user.username;
  return {
    token,
    expiresAt,
    user: toUser(user),
    permissions: [...ROLE_PERMISSIONS[user.role as Role]],
    idleLockMinutes: readSettings(ctx.db).idleLockMinutes,
  };
}
