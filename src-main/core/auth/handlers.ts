import { HarborError } from '../../../src-shared/errors';
import { ROLE_PERMISSIONS, type Role } from '../../../src-shared/permissions';
import { users } from '../db/schema';
import { fieldError, FailAfterCommit } from '../rpc/errors';
import type { CallContext, HandlerGroup } from '../rpc/context';
import { readSettings } from '../system/settings';
import { hashPassword, UNUSABLE_HASH, verifyPassword } from './passwords';
import {
  clearFailures,
  deleteSession,
  deleteUserSessions,
  lockedFor,
  recordFailure,
  setSessionLocked,
} from './sessions';
import { assertUsernameFree, countActiveAdmins, findUserByUsername, startSession, toUser } from './users';

function requireSession(ctx: CallContext) {
  if (!ctx.session) throw new HarborError('UNAUTHENTICATED');
  return ctx.session;
}

function accountLocked(ms: number): HarborError {
  return new HarborError('ACCOUNT_LOCKED', 'errors.ACCOUNT_LOCKED', { minutes: Math.max(1, Math.ceil(ms / 60_000)) });
}

export const authHandlers: HandlerGroup<
  | 'auth.login'
  | 'auth.logout'
  | 'auth.me'
  | 'auth.lock'
  | 'auth.unlock'
  | 'auth.changePassword'
  | 'auth.setPreferences'
  | 'users.list'
  | 'users.create'
  | 'users.update'
  | 'users.resetPassword'
> = {
  async 'auth.login'({ username, password }, ctx) {
    const now = ctx.services.now();
    ctx.audit.username = username;
    const locked = lockedFor(ctx.db, username, now);
    if (locked > 0) throw new FailAfterCommit(accountLocked(locked));
    const user = findUserByUsername(ctx.db, username);
    // Hash even for unknown names so timing does not reveal which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_HASH);
    if (!user || !ok || !user.active) {
      const lockMs = recordFailure(ctx.db, username, now);
      throw new FailAfterCommit(lockMs > 0 ? accountLocked(lockMs) : new HarborError('INVALID_CREDENTIALS'));
    }
    clearFailures(ctx.db, username);
    return startSession(ctx, user);
  },

  'auth.logout'(_input, ctx) {
    deleteSession(ctx.db, requireSession(ctx).tokenHash);
    return { ok: true };
  },

  'auth.me'(_input, ctx) {
    const session = requireSession(ctx);
    return {
      expiresAt: session.expiresAt,
      user: toUser(session.user),
      permissions: [...ROLE_PERMISSIONS[session.user.role as Role]],
      idleLockMinutes: readSettings(ctx.db).idleLockMinutes,
      locked: session.locked,
    };
  },

  'auth.lock'(_input, ctx) {
    setSessionLocked(ctx.db, requireSession(ctx).tokenHash, true, ctx.services.now());
    return { ok: true };
  },

  async 'auth.unlock'({ password }, ctx) {
    const session = requireSession(ctx);
    const now = ctx.services.now();
    const locked = lockedFor(ctx.db, session.user.username, now);
    if (locked > 0) throw new FailAfterCommit(accountLocked(locked));
    if (!(await verifyPassword(password, session.user.passwordHash))) {
      const lockMs = recordFailure(ctx.db, session.user.username, now);
      if (lockMs > 0) {
        // Too many wrong passwords on a locked screen: end the session too.
        deleteSession(ctx.db, session.tokenHash);
        throw new FailAfterCommit(accountLocked(lockMs));
      }
      throw new FailAfterCommit(fieldError('password', 'errors.wrong_password'));
    }
    clearFailures(ctx.db, session.user.username);
    setSessionLocked(ctx.db, session.tokenHash, false, now);
    return { ok: true };
  },

  async 'auth.changePassword'({ currentPassword, newPassword }, ctx) {
    const session = requireSession(ctx);
    if (!(await verifyPassword(currentPassword, session.user.passwordHash))) {
      throw fieldError('currentPassword', 'errors.wrong_password');
    }
    ctx.write.update(users, session.user.id, { passwordHash: await hashPassword(newPassword) });
    ctx.audit.target = `users:${session.user.id}`;
    return { ok: true };
  },

  'auth.setPreferences'(input, ctx) {
    const session = requireSession(ctx);
    ctx.audit.target = `users:${session.user.id}`;
    return toUser(ctx.write.update(users, session.user.id, input));
  },

  'users.list'({ includeInactive }, ctx) {
    const rows = ctx.orm.select().from(users).all();
    return rows
      .filter((u) => u.deletedAt === null && (includeInactive || u.active))
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .map(toUser);
  },

  async 'users.create'(input, ctx) {
    assertUsernameFree(ctx.db, input.username);
    const row = ctx.write.insert(users, {
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      language: input.language,
      passwordHash: await hashPassword(input.password),
    });
    ctx.audit.target = `users:${row.id}`;
    ctx.audit.detail = { username: row.username, role: row.role };
    return toUser(row);
  },

  'users.update'({ id, ...patch }, ctx) {
    const current = ctx.write.get(users, id);
    if (!current || current.deletedAt !== null) throw new HarborError('NOT_FOUND');
    const losesAdmin =
      current.role === 'administrator' &&
      ((patch.role !== undefined && patch.role !== 'administrator') || patch.active === false);
    if (losesAdmin && countActiveAdmins(ctx.db, id) === 0) throw fieldError('role', 'errors.last_admin');
    if (patch.active === false && id === ctx.session?.user.id) throw fieldError('active', 'errors.self_deactivate');
    const row = ctx.write.update(users, id, patch);
    if (patch.active === false || (patch.role && patch.role !== current.role)) deleteUserSessions(ctx.db, id);
    ctx.audit.target = `users:${id}`;
    ctx.audit.detail = { fields: Object.keys(patch) };
    return toUser(row);
  },

  async 'users.resetPassword'({ id, password }, ctx) {
    const current = ctx.write.get(users, id);
    if (!current || current.deletedAt !== null) throw new HarborError('NOT_FOUND');
    ctx.write.update(users, id, { passwordHash: await hashPassword(password) });
    deleteUserSessions(ctx.db, id);
    clearFailures(ctx.db, current.username);
    ctx.audit.target = `users:${id}`;
    return { ok: true };
  },
};
