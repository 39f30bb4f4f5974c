/**
 * Letting a desktop back into its office. A removal is permanent for the
 * device id and certificate it names (peers.ts), so a desktop comes back
 * under a new identity: a new device id and certificate, paired with a code
 * an administrator opens on a desktop of the office, like any new desktop.
 * Nothing about the old removal can block that pairing (it names another
 * identity), and no copy of the old removal, however late it arrives, can
 * apply to the new one.
 *
 * The desktop keeps its data. What it wrote under its old id before the
 * removal is still office data and goes out with its log as before; what it
 * wrote after the removal is withdrawn here (as on every other desktop) and
 * never leaves. A desktop qualifies when it holds the data of an office it no
 * longer syncs with: the office removed it, or a restore left it outside its
 * office (restore.ts). Its new pairing must be with that same office.
 */
import { v7 as uuidv7 } from 'uuid';
import { HarborError } from '../../../src-shared/errors';
import { Hlc } from '../db/hlc';
import type { Services } from '../rpc/context';
import { adoptOffice, createDeviceCertificate, officeIdentity, readMeta, writeMeta } from './identity';
import { forgetFormerIds, resetCursor, withdrawAfterRemoval } from './merge';
import { addPeer, isRemovedDevice, removalStamps } from './peers';
import { pairWithHost, type JoinResult } from './tls';

/** The office whose data this desktop holds while it is not a member of it, or null. */
export function officeToRejoin(services: Services): string | null {
  const { db, deviceId } = services;
  const removed = readMeta(db, 'removed_at') !== null || isRemovedDevice(db, { deviceId });
  const member = officeIdentity(db, deviceId);
  if (member) return removed ? member.officeId : null;
  return readMeta(db, 'data_office');
}

/**
 * Pairs this desktop again with the office whose data it holds, under a new
 * identity, then switches to it. The caller stops sync under the old
 * identity first and starts it again after.
 */
export async function rejoinOffice(
  services: Services,
  target: { host: string; port: number; code: string; deviceName: string },
): Promise<JoinResult & { deviceId: string }> {
  const office = officeToRejoin(services);
  if (!office) {
    throw new HarborError('CONFLICT', officeIdentity(services.db, services.deviceId) ? 'sync.errors.rejoin_member' : 'sync.errors.no_office');
  }
  const formerly = services.deviceId;
  // Short and unique, like the first one: the tail of a UUIDv7 is random.
  const deviceId = uuidv7().replace(/-/g, '').slice(-16);
  const cert = createDeviceCertificate(deviceId);
  const paired = await pairWithHost(services, target, { deviceId, cert });
  if (paired.officeId !== office) throw new HarborError('CONFLICT', 'sync.errors.other_office');
  const { db } = services;
  const now = services.now();
  db.transaction(() => {
    db.prepare("UPDATE local_meta SET value = ?, updated_at = ? WHERE key = 'device_id'").run(deviceId, now);
    const former = JSON.parse(readMeta(db, 'former_devices') ?? '[]') as string[];
    writeMeta(db, 'former_devices', JSON.stringify([...former, formerly]));
    writeMeta(db, 'device_cert', cert.certPem);
    writeMeta(db, 'device_key', cert.keyPem);
    writeMeta(db, 'device_name', target.deviceName);
    writeMeta(db, 'removed_at', null);
    writeMeta(db, 'folder_epoch', null);
    adoptOffice(db, paired.officeId, paired.officeKey, paired.laterKeys);
    // Pairings were the old identity's: the desktop that let it in is its one peer now.
    db.exec('DELETE FROM sync_peers');
    addPeer(db, paired.host, now);
    db.exec("DELETE FROM sync_cursors WHERE source LIKE 'ack:%'");
    // Its folder is a new one, written from the start.
    resetCursor(db, 'folder-out');
  })();
  forgetFormerIds(db);
  services.deviceId = deviceId;
  services.clock = new Hlc(deviceId, services.clock.current(), services.now);
  // What it wrote while removed goes (if the removal is here; else when it arrives with the office's log).
  const stamp = removalStamps(db).get(formerly);
  if (stamp) db.transaction(() => withdrawAfterRemoval(services, formerly, stamp))();
  return { officeId: paired.officeId, peer: { deviceId: paired.host.deviceId, name: paired.host.name }, deviceId };
}
