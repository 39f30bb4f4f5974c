/**
 * Office key rotation. The office key seals shared-folder files; a desktop
 * the office removed still holds the keys it had, so every removal makes a
 * new key (a new epoch) that only the remaining desktops receive.
 *
 * Epochs. The key a desktop got when it joined is epoch '' (kept in
 * `sync_meta.office_key`). A rotation's epoch is its HLC stamp, so epochs
 * order totally (time, counter, device id) and two desktops that rotate
 * concurrently both end on the same newest key once each holds both. Every
 * key this desktop holds is kept (device-local `sync_meta.office_keys`) to
 * read older files; folder files name their epoch in clear (folder.ts).
 *
 * Delivery. A key travels in the synced `sync_office_keys` table, sealed to
 * one device's certificate with RSA-OAEP-SHA256 and signed by the device that
 * sealed it. The rotating desktop seals the key to itself and to each of its
 * active peers; every desktop then seals each key it holds to each of its own
 * active peers that has no copy yet, so the keys follow the pairings through
 * the office; the shared folder also carries every desktop's copies beside
 * its files (folder.ts). A desktop takes a copy sealed to it only when the
 * signature is that of itself or of one of its active peers (whose
 * certificates it pinned): a removed desktop holds old keys, and could
 * otherwise plant a key of its own choosing through the shared folder. A
 * desktop pairing later gets every key at pairing (tls.ts).
 *
 * What each key seals. A folder file goes under the newest key made before
 * the newest entry in it was stamped (`epochFor`), so whatever is stamped
 * after a rotation is out of the removed desktop's reach, while the removal
 * itself (stamped just before its rotation) stays readable to it.
 *
 * When to rotate. The newest key must be one no removed device can hold: a
 * desktop that records a removal rotates at once, and any desktop that finds
 * the newest key it holds older than a removal it knows, or sealed to a
 * removed device (a desktop that had not heard of the removal passed it on),
 * rotates again. Each rotation leaves out every removal its desktop knows, so
 * this settles; older epochs stay readable, so nothing written in between is
 * lost to a remaining desktop.
 */
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';
import type { SqliteDb } from '../db/connection';
import { syncOfficeKeys } from '../db/schema';
import { cachedStatement, Writer } from '../db/writer';
import { deviceCertificate, FIRST_EPOCH, heldKeys, keepKeys, newestEpoch, readMeta } from './identity';
import type { SyncContext } from './merge';
import { isRemovedDevice, listPeers, removalStamps } from './peers';

/** What a sealing device signs: the office, the epoch, the recipient and the sealed bytes. */
function signedText(officeId: string, epoch: string, deviceId: string, sealed: string): string {
  return `harbor-office-key|${officeId}|${epoch}|${deviceId}|${sealed}`;
}

const rowId = (epoch: string, deviceId: string, signer: string) => `${epoch}|${deviceId}|${signer}`;

/** Seals `key` of `epoch` to a device's certificate, signed by this desktop, as a `sync_office_keys` row. */
function sealRow(ctx: SyncContext, officeId: string, epoch: string, key: Buffer, to: { deviceId: string; certPem: string }) {
  const own = deviceCertificate(ctx.db, ctx.deviceId);
  const sealed = publicEncrypt(
    { key: createPublicKey(to.certPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    key,
  ).toString('base64');
  const signature = sign('sha256', Buffer.from(signedText(officeId, epoch, to.deviceId, sealed)), createPrivateKey(own.keyPem)).toString('base64');
  return { id: rowId(epoch, to.deviceId, ctx.deviceId), epoch, deviceId: to.deviceId, signer: ctx.deviceId, sealed, signature };
}

/** Devices this desktop seals keys to: itself and its active (paired, not removed) peers. */
function recipients(ctx: SyncContext): { deviceId: string; certPem: string }[] {
  const own = deviceCertificate(ctx.db, ctx.deviceId);
  return [{ deviceId: ctx.deviceId, certPem: own.certPem }, ...listPeers(ctx.db).map((p) => ({ deviceId: p.deviceId, certPem: p.certPem }))];
}

const hasCopy = (db: SqliteDb, epoch: string, deviceId: string) =>
  Boolean(cachedStatement(db, 'SELECT 1 FROM sync_office_keys WHERE epoch = ? AND device_id = ? LIMIT 1').get(epoch, deviceId));

/**
 * Makes a new office key, keeps it, and seals it to this desktop and each of
 * its active peers, in the caller's transaction. Returns the new epoch.
 */
export function rotateOfficeKey(ctx: SyncContext, write: Writer): string {
  const officeId = readMeta(ctx.db, 'office_id');
  if (!officeId) throw new Error('no office');
  const epoch = ctx.clock.tick();
  const key = randomBytes(32);
  keepKeys(ctx.db, new Map([[epoch, key]]));
  for (const to of recipients(ctx)) write.insertRaw(syncOfficeKeys, sealRow(ctx, officeId, epoch, key, to));
  return epoch;
}

export interface KeyCopy {
  epoch: string;
  deviceId: string;
  signer: string;
  sealed: string;
  signature: string;
}

/**
 * Takes the keys sealed to this desktop (by itself or an active peer) that it
 * does not hold yet: from its table, or from `copies` (read from the shared
 * folder, where a copy may be before the file that carries it in the log).
 * Returns how many.
 */
export function receiveKeys(ctx: SyncContext, copies: KeyCopy[] = keyCopies(ctx.db)): number {
  const { db } = ctx;
  const officeId = readMeta(db, 'office_id');
  if (!officeId) return 0;
  const held = heldKeys(db);
  const rows = copies.filter((r) => r.deviceId === ctx.deviceId);
  const fresh = rows.filter((r) => !held.has(r.epoch));
  if (fresh.length === 0) return 0;
  const own = deviceCertificate(db, ctx.deviceId);
  const certs = new Map(recipients(ctx).map((r) => [r.deviceId, r.certPem]));
  const found = new Map<string, Buffer>();
  for (const r of fresh) {
    const cert = certs.get(r.signer);
    if (!cert || found.has(r.epoch)) continue;
    try {
      if (!verify('sha256', Buffer.from(signedText(officeId, r.epoch, ctx.deviceId, r.sealed)), createPublicKey(cert), Buffer.from(r.signature, 'base64'))) continue;
      const key = privateDecrypt(
        { key: createPrivateKey(own.keyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(r.sealed, 'base64'),
      );
      if (key.length === 32) found.set(r.epoch, key);
    } catch {
      // Not sealed to this certificate (an identity this desktop no longer has) or malformed: another copy may do.
    }
  }
  keepKeys(db, found);
  return found.size;
}

/** Whether a removed device may hold the newest key this desktop has (see above). */
export function rotationDue(db: SqliteDb, keys: Map<string, Buffer> = heldKeys(db)): boolean {
  const newest = newestEpoch(keys);
  for (const [device, stamp] of removalStamps(db)) {
    if (newest < stamp || hasCopy(db, newest, device)) return true;
  }
  return false;
}

/**
 * One pass before a sync round: takes keys sealed to this desktop, rotates
 * when a removed device may hold the newest key, and seals every key it holds
 * to each active peer that has no copy of it. A desktop the office removed
 * does nothing. Returns whether it wrote anything.
 */
export function maintainOfficeKeys(ctx: SyncContext): boolean {
  const { db } = ctx;
  if (!readMeta(db, 'office_id') || readMeta(db, 'removed_at') !== null || isRemovedDevice(db, { deviceId: ctx.deviceId })) return false;
  receiveKeys(ctx);
  const officeId = readMeta(db, 'office_id')!;
  const missing = () => {
    const held = [...heldKeys(db).keys()].filter((e) => e !== FIRST_EPOCH);
    return recipients(ctx).some((to) => held.some((epoch) => !hasCopy(db, epoch, to.deviceId)));
  };
  // Most rounds have nothing to do: no write transaction then.
  if (!rotationDue(db) && !missing()) return false;
  return db.transaction(() => {
    const write = new Writer({ db, clock: ctx.clock, deviceId: ctx.deviceId, actorId: null, now: ctx.now });
    let wrote = false;
    if (rotationDue(db)) {
      rotateOfficeKey(ctx, write);
      wrote = true;
    }
    const keys = heldKeys(db);
    for (const to of recipients(ctx)) {
      for (const [epoch, key] of keys) {
        if (epoch === FIRST_EPOCH || hasCopy(db, epoch, to.deviceId)) continue;
        write.insertRaw(syncOfficeKeys, sealRow(ctx, officeId, epoch, key, to));
        wrote = true;
      }
    }
    return wrote;
  }).immediate();
}

/**
 * For the shared folder: the key an entry must be sealed under at least, the
 * newest one made before it was stamped (anything stamped after a rotation
 * goes under its key or a newer one). Copies of keys need none: they are
 * sealed to their recipients already, and the removal before them stays
 * readable to the desktop it removed, which so learns it.
 */
export function epochFor(epochs: string[], entry: { hlc: string; tbl: string }): string {
  if (entry.tbl === 'sync_office_keys') return FIRST_EPOCH;
  let need = FIRST_EPOCH;
  for (const epoch of epochs) if (epoch <= entry.hlc && epoch > need) need = epoch;
  return need;
}

/** The copies of keys in this desktop's table, as the shared folder carries them (see `receiveKeys`). */
export function keyCopies(db: SqliteDb): KeyCopy[] {
  return cachedStatement(db, 'SELECT epoch, device_id AS deviceId, signer, sealed, signature FROM sync_office_keys ORDER BY id').all() as KeyCopy[];
}
