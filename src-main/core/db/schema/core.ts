/**
 * Foundation tables. Two kinds of tables:
 * - synced tables hold office data. Every row follows the conventions of
 *   `syncedColumns` and is written only through `Writer`, which records each
 *   change in `change_log` in the same transaction;
 * - local tables (`local_*`, `change_log`, `audit_log`) belong to this device.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const syncedColumns = {
  id: text('id').primaryKey(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  createdBy: text('created_by'),
  updatedBy: text('updated_by'),
  deletedAt: integer('deleted_at'),
};

export const users = sqliteTable(
  'users',
  {
    ...syncedColumns,
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    language: text('language'),
    theme: text('theme').notNull().default('auto'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [uniqueIndex('users_username').on(t.username)],
);

/** Office-wide settings; the row id is the setting's key. */
export const settings = sqliteTable('settings', {
  ...syncedColumns,
  value: text('value').notNull(),
});

/**
 * One entry per write to a synced row: the columns it set (database names and
 * stored values) stamped with one hybrid-logical-clock value. The per-column
 * history of a field is the sequence of entries that name it.
 */
export const changeLog = sqliteTable(
  'change_log',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    hlc: text('hlc').notNull(),
    deviceId: text('device_id').notNull(),
    tbl: text('tbl').notNull(),
    rowId: text('row_id').notNull(),
    op: text('op', { enum: ['insert', 'update', 'purge'] }).notNull(),
    data: text('data').notNull(),
    actorId: text('actor_id'),
  },
  (t) => [index('change_log_row').on(t.tbl, t.rowId), index('change_log_hlc').on(t.hlc)],
);

/** Append-only, hash-chained record of every operation on this device. */
export const auditLog = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  deviceId: text('device_id').notNull(),
  userId: text('user_id'),
  username: text('username'),
  action: text('action').notNull(),
  outcome: text('outcome', { enum: ['ok', 'denied', 'failed'] }).notNull(),
  target: text('target'),
  detail: text('detail'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const localSessions = sqliteTable(
  'local_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    locked: integer('locked', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('local_sessions_user').on(t.userId)],
);

export const localLoginThrottle = sqliteTable('local_login_throttle', {
  username: text('username').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: integer('locked_until'),
});

/** Device-local key/value pairs: device id, last clock value, window state. */
export const localMeta = sqliteTable('local_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull().default(sql`0`),
});

