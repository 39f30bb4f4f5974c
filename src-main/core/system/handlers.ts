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
    if (isSetUp(ctx.db)) throw new HarborError('ALREADY_SET_UP');
    const passwordHash = await hashPassword(input.admin.password);
    // The check again after the await: two first-run windows must not both succeed.
    if (isSetUp(ctx.db)) throw new HarborError('ALREADY_SET_UP');
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
