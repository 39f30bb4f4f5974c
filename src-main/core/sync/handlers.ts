import { HarborError } from '../../../src-shared/errors';
import { roleHas, type Permission } from '../../../src-shared/permissions';
import type { CallContext, HandlerGroup } from '../rpc/context';
import { isSetUp } from '../system/settings';
import { cachedStatement } from '../db/writer';
import { syncRemovedDevices } from '../db/schema';
import { getConflict, listConflicts, resolveConflict, restoreConflict, tablePermissions } from './conflicts';
import { readMeta, writeMeta } from './identity';
import { getPeer, listPeers, notePeerContact, removalStamps, removePeer } from './peers';
import { withdrawAfterRemoval } from './merge';
import { officeToRejoin } from './rejoin';
import { rotateOfficeKey, rotationDue } from './keys';
import { pendingFor, syncServiceFor } from './service';

function can(ctx: CallContext, permission: Permission): boolean {
  return ctx.session ? roleHas(ctx.session.user.role as never, permission) : false;
}

export const syncHandlers: HandlerGroup<
  | 'sync.status'
  | 'sync.peers'
  | 'sync.pair.start'
  | 'sync.pair.cancel'
  | 'sync.join'
  | 'sync.rejoin'
  | 'sync.unpair'
  | 'sync.peer.setAddress'
  | 'sync.now'
  | 'sync.folder.set'
  | 'sync.conflicts.list'
  | 'sync.conflicts.restore'
  | 'sync.conflicts.dismiss'
> = {
  'sync.status'(_input, ctx) {
    const service = syncServiceFor(ctx.services);
    // A desktop that belongs to an office resumes background sync on first use.
    if (service.enabled && service.state === 'off') setImmediate(() => void service.start().catch(() => undefined));
    const openConflicts = (cachedStatement(ctx.db, 'SELECT count(*) AS n FROM sync_conflicts WHERE resolved_at IS NULL').get() as { n: number }).n;
    return {
      state: service.state,
      enabled: service.enabled,
      deviceId: ctx.services.deviceId,
      deviceName: service.deviceName(),
      port: service.port,
      lastSyncAt: service.lastSyncAt,
      // A restore that left the office says so until this desktop pairs again (restore.ts).
      lastError: service.lastError ?? (readMeta(ctx.db, 'notice') ? { messageKey: readMeta(ctx.db, 'notice')! } : null),
      peers: listPeers(ctx.db).length,
      openConflicts,
      folder: readMeta(ctx.db, 'folder'),
      rejoinable: officeToRejoin(ctx.services) !== null,
    };
  },

  'sync.peers'(_input, ctx) {
    return listPeers(ctx.db).map((p) => ({
      deviceId: p.deviceId,
      name: p.name,
      address: p.address,
      fingerprint: p.fingerprint,
      addedAt: p.addedAt,
      lastContactAt: p.lastContactAt,
      lastError: p.lastError,
      schemaVersion: p.schemaVersion,
      pending: pendingFor(ctx.db, p.deviceId),
    }));
  },

  async 'sync.pair.start'(input, ctx) {
    if (input.deviceName) writeMeta(ctx.db, 'device_name', input.deviceName);
    const window = await syncServiceFor(ctx.services).startPairing();
    ctx.audit.detail = { expiresAt: window.expiresAt };
    return window;
  },

  'sync.pair.cancel'(_input, ctx) {
    syncServiceFor(ctx.services).cancelPairing();
    return { ok: true as const };
  },

  async 'sync.join'(input, ctx) {
    // Only an empty desktop joins: its office data comes from the office.
    if (isSetUp(ctx.db)) throw new HarborError('ALREADY_SET_UP', 'sync.errors.join_set_up');
    const result = await syncServiceFor(ctx.services).join(input);
    ctx.audit.detail = { host: input.host, port: input.port, officeId: result.officeId };
    return result;
  },

  async 'sync.rejoin'(input, ctx) {
    const result = await syncServiceFor(ctx.services).rejoin(input);
    ctx.audit.detail = { host: input.host, port: input.port, officeId: result.officeId, deviceId: result.deviceId };
    return result;
  },

  'sync.unpair'({ deviceId }, ctx) {
    const peer = getPeer(ctx.db, deviceId);
    if (!peer || !removePeer(ctx.db, deviceId, ctx.services.now())) throw new HarborError('NOT_FOUND');
    // Office-wide: the removal travels to every desktop with the office data, and each one refuses the device
    // and what it writes from now on. Anything it wrote after the removal that arrived here already is withdrawn.
    if (!ctx.write.get(syncRemovedDevices, deviceId)) {
      ctx.write.insertRaw(syncRemovedDevices, { id: deviceId, name: peer.name, fingerprint: peer.fingerprint });
      const withdrawn = withdrawAfterRemoval(ctx.services, deviceId, removalStamps(ctx.db).get(deviceId)!);
      for (const t of withdrawn.tables) ctx.write.touched.add(t);
    }
    // The removed device keeps the office keys it had: a new one goes to every remaining desktop (keys.ts).
    if (rotationDue(ctx.db)) rotateOfficeKey(ctx.services, ctx.write);
    ctx.audit.target = `device:${deviceId}`;
    return { ok: true as const };
  },

  'sync.peer.setAddress'({ deviceId, address }, ctx) {
    if (!getPeer(ctx.db, deviceId)) throw new HarborError('NOT_FOUND');
    notePeerContact(ctx.db, deviceId, { address });
    ctx.audit.target = `device:${deviceId}`;
    return { ok: true as const };
  },

  'sync.now'(_input, ctx) {
    const service = syncServiceFor(ctx.services);
    if (!service.enabled) throw new HarborError('CONFLICT', 'sync.errors.no_office');
    setImmediate(() => void service.start().then(() => service.requestSync(0)));
    return { ok: true as const };
  },

  'sync.folder.set'({ path }, ctx) {
    if (!syncServiceFor(ctx.services).enabled) throw new HarborError('CONFLICT', 'sync.errors.no_office');
    writeMeta(ctx.db, 'folder', path);
    ctx.audit.detail = { folder: path !== null };
    return { ok: true as const };
  },

  'sync.conflicts.list'({ includeResolved, limit }, ctx) {
    return listConflicts(ctx.db, {
      includeResolved,
      limit,
      canRead: (p) => can(ctx, p),
      canWrite: (p) => can(ctx, p),
    });
  },

  'sync.conflicts.restore'({ id }, ctx) {
    const conflict = getConflict(ctx.db, id);
    if (!conflict || !can(ctx, tablePermissions(conflict.tbl).read)) throw new HarborError('NOT_FOUND');
    if (!can(ctx, tablePermissions(conflict.tbl).write)) throw new HarborError('FORBIDDEN');
    restoreConflict(ctx.db, ctx.write, conflict, ctx.services.now());
    ctx.audit.target = `${conflict.tbl}:${conflict.rowId}`;
    ctx.audit.detail = { column: conflict.col };
    return { ok: true as const };
  },

  'sync.conflicts.dismiss'({ id }, ctx) {
    const conflict = getConflict(ctx.db, id);
    if (!conflict || !can(ctx, tablePermissions(conflict.tbl).read)) throw new HarborError('NOT_FOUND');
    if (!can(ctx, tablePermissions(conflict.tbl).write)) throw new HarborError('FORBIDDEN');
    resolveConflict(ctx.db, id, ctx.services.now());
    return { ok: true as const };
  },
};
