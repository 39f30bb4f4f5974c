import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Language, MethodName, MethodOutput, MethodParsedInput } from '../../../src-shared/contract';
import type { SqliteDb } from '../db/connection';
import type { Hlc } from '../db/hlc';
import type { KeyProtection } from '../db/keystore';
import type * as schema from '../db/schema';
import type { Writer } from '../db/writer';
import type { CoreEvents } from '../events';

export type Orm = BetterSQLite3Database<typeof schema>;
export type UserRow = typeof schema.users.$inferSelect;

/** Long-lived parts of a running core, shared by every call. */
export interface Services {
  db: SqliteDb;
  orm: Orm;
  clock: Hlc;
  deviceId: string;
  events: CoreEvents;
  appVersion: string;
  keyProtection: KeyProtection;
  dataDir: string;
  now: () => number;
  /** The OS folder dialog, provided by the desktop shell (absent in browser mode and the CLI). */
  pickFolder?: (request: { purpose: 'target' | 'backup'; current?: string; language: Language }) => Promise<string | null>;
}

export interface ActiveSession {
  tokenHash: string;
  user: UserRow;
  locked: boolean;
  expiresAt: number;
}

export type Origin = 'ipc' | 'http' | 'cli' | 'internal';

/** What a handler gets for one call. */
export interface CallContext {
  services: Services;
  db: SqliteDb;
  orm: Orm;
  /** The caller's session; null only for public methods called without one. */
  session: ActiveSession | null;
  /** The only way to change synced tables; bound to the caller as author. */
  write: Writer;
  origin: Origin;
  /** What the audit entry should name: the record touched and a secret-free summary. */
  audit: { target?: string; detail?: Record<string, unknown>; userId?: string; username?: string };
}

export type Handler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: CallContext,
) => MethodOutput<M> | Promise<MethodOutput<M>>;

export type Handlers = { [M in MethodName]: Handler<M> };
export type HandlerGroup<K extends MethodName> = { [M in K]: Handler<M> };
