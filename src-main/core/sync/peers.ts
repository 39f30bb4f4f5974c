/**
 * Paired devices (device-local): who may sync with this desktop, pinned by
 * certificate fingerprint. Removals are office-wide: a device listed in the
 * synced `sync_removed_devices` table (by id, or by the certificate it was
 * paired with) counts as removed here too, whatever this desktop's own pairing
 * says, as soon as the list has arrived.
 *
 * A removal is permanent for that device id and certificate (a desktop let
 * back in pairs again under a new identity, see `rejoin` in tls.ts), and it
 * takes effect at its clock stamp: what the removed device wrote after that
 * stamp is refused on every desktop, however it arrives (see merge.ts).
 */
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';

export interface PeerRow {
  deviceId: string;
  name: string;
  fingerprint: string;
  certPem: string;
  address: string | null;
  addedAt: number;
  removedAt: number | null;
  lastContactAt: number | null;
  lastError: string | null;
  schemaVersion: number | null;
}

const COLUMNS = `device_id AS deviceId, name, fingerprint, cert_pem AS certPem, address, added_at AS addedAt,
  removed_at AS removedAt, last_contact_at AS lastContactAt, last_error AS lastError, schema_version AS schemaVersion`;

/** Not removed on this desktop nor anywhere in the office (as far as this desktop has heard). */
const ACTIVE = `removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM sync_removed_devices r
  WHERE r.id = sync_peers.device_id OR r.fingerprint = sync_peers.fingerprint)`;

export function listPeers(db: SqliteDb, includeRemoved = false): PeerRow[] {
  return cachedStatement(db, `SELECT ${COLUMNS} FROM sync_peers ${includeRemoved ? '' : `WHERE ${ACTIVE}`} ORDER BY added_at`).all() as PeerRow[];
}

export function getPeer(db: SqliteDb, deviceId: string): PeerRow | null {
  return (cachedStatement(db, `SELECT ${COLUMNS} FROM sync_peers WHERE device_id = ?`).get(deviceId) as PeerRow | undefined) ?? null;
}

/** The active (not removed) peer holding this certificate, if any. */
export function activePeerByFingerprint(db: SqliteDb, fingerprint: string): PeerRow | null {
  return (
    (cachedStatement(db, `SELECT ${COLUMNS} FROM sync_peers WHERE fingerprint = ? AND ${ACTIVE}`).get(fingerprint) as
      | PeerRow
      | undefined) ?? null
  );
}

/** Whether the office removed this device (by id) or the certificate it was paired with (by fingerprint). */
export function isRemovedDevice(db: SqliteDb, device: { deviceId?: string | null; fingerprint?: string | null }): boolean {
  return Boolean(
    cachedStatement(db, 'SELECT 1 FROM sync_removed_devices WHERE id = ? OR fingerprint = ? LIMIT 1').get(
      device.deviceId ?? null,
      device.fingerprint ?? null,
    ),
  );
}

/** A paired device whose certificate (or device id) the office removed: told so rather than "not paired". */
export function removedPeerByFingerprint(db: SqliteDb, fingerprint: string): boolean {
  if (isRemovedDevice(db, { fingerprint })) return true;
  const rows = cachedStatement(db, 'SELECT device_id AS deviceId, removed_at AS removedAt FROM sync_peers WHERE fingerprint = ?').all(fingerprint) as {
    deviceId: string;
    removedAt: number | null;
  }[];
  return rows.some((r) => r.removedAt !== null || isRemovedDevice(db, { deviceId: r.deviceId }));
}

/** Adds or re-pairs a device (a new pairing replaces its pinned certificate and clears a removal). */
export function addPeer(db: SqliteDb, peer: Pick<PeerRow, 'deviceId' | 'name' | 'fingerprint' | 'certPem' | 'address'>, now: number): void {
  cachedStatement(
    db,
    `INSERT INTO sync_peers (device_id, name, fingerprint, cert_pem, address, added_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, fingerprint = excluded.fingerprint, cert_pem = excluded.cert_pem,
       address = coalesce(excluded.address, address), added_at = excluded.added_at, removed_at = NULL, last_error = NULL`,
  ).run(peer.deviceId, peer.name, peer.fingerprint, peer.certPem, peer.address, now);
}

export function removePeer(db: SqliteDb, deviceId: string, now: number): boolean {
  return cachedStatement(db, 'UPDATE sync_peers SET removed_at = ? WHERE device_id = ? AND removed_at IS NULL').run(now, deviceId).changes > 0;
}

export function notePeerContact(db: SqliteDb, deviceId: string, fields: { at?: number; error?: string | null; schemaVersion?: number; address?: string }): void {
  cachedStatement(
    db,
    `UPDATE sync_peers SET last_contact_at = coalesce(?, last_contact_at), last_error = ?, schema_version = coalesce(?, schema_version),
       address = coalesce(?, address) WHERE device_id = ?`,
  ).run(fields.at ?? null, fields.error ?? null, fields.schemaVersion ?? null, fields.address ?? null, deviceId);
}

/**
 * When each removed device stopped counting: the stamp of the earliest
 * removal of it (two desktops may remove the same device concurrently; the
 * earlier removal wins). Read from the removal rows' insert entries in the
 * change log, which compaction keeps. Every removal counts, whoever wrote it:
 * a removal only takes trust away, and honouring all of them keeps the rule
 * monotone (learning more can only refuse more), which lets a desktop drop a
 * refused entry for good the moment it sees it.
 */
export function removalStamps(db: SqliteDb): Map<string, string> {
  const rows = cachedStatement(
    db,
    "SELECT row_id AS device, min(hlc) AS stamp FROM change_log WHERE tbl = 'sync_removed_devices' AND op = 'insert' GROUP BY row_id",
  ).all() as { device: string; stamp: string }[];
  return new Map(rows.map((r) => [r.device, r.stamp]));
}

/** Whether an entry (by its author and stamp) was written after the office removed its author. */
export function writtenAfterRemoval(stamps: Map<string, string>, entry: { device: string; hlc: string }): boolean {
  const removed = stamps.get(entry.device);
  return removed !== undefined && entry.hlc > removed;
}
