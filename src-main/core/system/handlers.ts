import type { AuditEntry } from '../../../src-shared/contract';
import { HarborError } from '../../../src-shared/errors';
import { users } from '../db/schema';
import { SCHEMA_VERSION } from '../db/migrate';
import { hashPassword } from '../auth/passwords';
import { startSession } from '../auth/users';
import { verifyAuditChain } from '../auth/audit';
import type { HandlerGroup } from '../rpc/context';
import { loadSampleData } from '../sample';
import { isSetUp, readSettings, writeSettings } from './settings';
import type { SqliteDb } from '../db/connection';
import { readMeta } from '../sync/identity';

/**
 * A desktop holds one office. It is set up already, or it joined an office
 * whose data (accounts included) is still arriving: a second office here
 * would be merged into the joined one on the next sync.
 */
function refuseSecondOffice(db: SqliteDb): void {
  if (isSetUp(db)) throw new HarborError('ALREADY_SET_UP');
  if (readMeta(db, 'office_id') !== null) throw new HarborError('ALREADY_SET_UP', 'sync.errors.setup_joined');
}

export const systemHandlers: HandlerGroup<
  'system.status' | 'system.setup' | 'settings.get' | 'settings.update' | 'sample.load' | 'audit.list' | 'audit.verify'
> = {
  'system.status'(_input, ctx) {
    const settings = readSettings(ctx.db);
    const setUp = isSetUp(ctx.db);
    return {
      setUp,
      officeName: setUp ? settings.officeName : null,
      defaultLanguage: settings.defaultLanguage,
      currency: settings.currency,
      appVersion: ctx.services.appVersion,
      schemaVersion: SCHEMA_VERSION,
      deviceId: ctx.services.deviceId,
      keyProtection: ctx.services.keyProtection,
    };
  },

  async 'system.setup'(input, ctx) {
    refuseSecondOffice(ctx.db);
    const passwordHash = await hashPassword(input.admin.password);
    // The check again after the await: two first-run windows (or a join meanwhile) must not both succeed.
    refuseSecondOffice(ctx.db);
    writeSettings(ctx.write, {
      officeName: input.officeName,
      currency: input.currency,
      defaultLanguage: input.language,
    });
    const admin = ctx.write.insert(users, {
      username: input.admin.username,
      displayName: input.admin.displayName,
      role: 'administrator',
      language: input.language,
      passwordHash,
    });
    const session = startSession(ctx, admin);
    if (input.loadSampleData) ctx.audit.detail = { sample: loadSampleData(ctx) };
    ctx.audit.target = `users:${admin.id}`;
    return session;
  },

  'settings.get'(_input, ctx) {
    return readSettings(ctx.db);
  },

  'settings.update'(input, ctx) {
    writeSettings(ctx.write, input);
    ctx.audit.detail = { fields: Object.keys(input) };
    return readSettings(ctx.db);
  },

  'sample.load'(_input, ctx) {
    const counts = loadSampleData(ctx);
    ctx.audit.detail = { counts };
    return { counts };
  },

  'audit.list'({ limit, beforeSeq }, ctx) {
    const rows = ctx.db
      .prepare(
        `SELECT seq, at, user_id AS userId, username, action, outcome, target, hash FROM audit_log
         WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
      )
      .all(beforeSeq ?? Number.MAX_SAFE_INTEGER, limit);
    return rows as AuditEntry[];
  },

  'audit.verify'(_input, ctx) {
    return verifyAuditChain(ctx.db);
  },
};
