import { HarborError } from '../../../src-shared/errors';
import { roleHas } from '../../../src-shared/permissions';
import type { CallContext, HandlerGroup } from '../rpc/context';
import { isSetUp } from '../system/settings';
import { inspectBackup } from './archive';
import { backupServiceOf } from './service';

/**
 * Inspect, restore and following their jobs also work on a fresh install
 * (first-run "restore from backup"), so those methods are public in the
 * contract; once the office is set up they need `backup.manage` like the rest.
 */
function requireManagerOnceSetUp(ctx: CallContext): void {
  if (!isSetUp(ctx.db)) return;
  const session = ctx.session;
  if (!session) throw new HarborError('UNAUTHENTICATED');
  if (session.locked) throw new HarborError('SESSION_LOCKED');
  if (!roleHas(session.user.role as never, 'backup.manage')) throw new HarborError('FORBIDDEN');
}

export const backupHandlers: HandlerGroup<
  | 'backup.status'
  | 'backup.setConfig'
  | 'backup.setPassword'
  | 'backup.run'
  | 'backup.cancel'
  | 'backup.job'
  | 'backup.list'
  | 'backup.inspect'
  | 'backup.verify'
  | 'backup.restore'
  | 'backup.pickFolder'
> = {
  async 'backup.pickFolder'(input, ctx) {
    requireManagerOnceSetUp(ctx);
    // Only the desktop app's own window: a dialog must never open on the desktop for a browser on the network.
    const pick = ctx.origin === 'ipc' ? ctx.services.pickFolder : undefined;
    if (!pick) throw new HarborError('VALIDATION_ERROR', 'backup.errors.no_picker');
    return { path: await pick(input) };
  },

  'backup.status'(_input, ctx) {
    return backupServiceOf(ctx.services).status(ctx.db);
  },

  'backup.setConfig'(input, ctx) {
    const service = backupServiceOf(ctx.services);
    service.setConfig(ctx.db, input);
    ctx.audit.detail = { fields: Object.keys(input) };
    return service.status(ctx.db);
  },

  async 'backup.setPassword'({ password }, ctx) {
    await backupServiceOf(ctx.services).setPassword(ctx.db, password);
    return { ok: true as const };
  },

  'backup.run'(_input, ctx) {
    return { jobId: backupServiceOf(ctx.services).startBackup(ctx.db, 'manual') };
  },

  'backup.cancel'({ jobId }, ctx) {
    requireManagerOnceSetUp(ctx);
    backupServiceOf(ctx.services).cancel(jobId);
    return { ok: true as const };
  },

  'backup.job'({ jobId }, ctx) {
    requireManagerOnceSetUp(ctx);
    return backupServiceOf(ctx.services).job(jobId);
  },

  'backup.list'({ dir }, ctx) {
    return backupServiceOf(ctx.services).list(dir);
  },

  async 'backup.inspect'({ path, password }, ctx) {
    requireManagerOnceSetUp(ctx);
    const service = backupServiceOf(ctx.services);
    const key = await service.keyFor(path, password, ctx.db);
    return inspectBackup(path, key);
  },

  async 'backup.verify'({ path, password }, ctx) {
    const service = backupServiceOf(ctx.services);
    const key = await service.keyFor(path, password, ctx.db);
    return { jobId: service.startVerify(path, key) };
  },

  async 'backup.restore'({ path, password }, ctx) {
    requireManagerOnceSetUp(ctx);
    const service = backupServiceOf(ctx.services);
    const key = await service.keyFor(path, password, ctx.db);
    const user = ctx.session?.user ?? null;
    return { jobId: service.startRestore(ctx.db, path, key, { userId: user?.id ?? null, username: user?.username ?? null }) };
  },
};
