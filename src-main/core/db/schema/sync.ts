/**
 * Sync bookkeeping. All of these tables but one belong to this device and
 * never sync themselves: they describe what this device knows about its
 * peers, what it has received, and which concurrent edits lost. The
 * exceptions, `sync_removed_devices` and `sync_office_keys`, are office data:
 * a removal made on one desktop, and the office keys made after it, travel
 * to every other one like any record.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './core';

/**
 * Devices removed from the office (synced; the row id is the device id).
 * Every desktop that has learned of a row here refuses the device over TLS,
 * at pairing and in the shared folder, whatever its own pairings say.
 */
export const syncRemovedDevices = sqliteTable('sync_removed_devices', {
  ...syncedColumns,
  /** The device's name when it was removed, for the people reading the list. */
  name: text('name').notNull(),
  /** SHA-256 of the certificate it was paired with (refused even under another device id). */
  fingerprint: text('fingerprint').notNull(),
});

/**
 * Office keys made after a removal (synced; see keys.ts). One row per key
 * epoch, recipient device and sealing device (the row id is
 * `<epoch>|<device>|<signer>`): the epoch's 32-byte key sealed to the
 * recipient's certificate (RSA-OAEP-SHA256) and signed by the sealing
 * device. The key itself is never stored here in clear.
 */
export const syncOfficeKeys = sqliteTable('sync_office_keys', {
  ...syncedColumns,
  /** The HLC stamp of the rotation that made the key: later epochs are newer keys. */
  epoch: text('epoch').notNull(),
  /** The device the key is sealed to. */
  deviceId: text('device_id').notNull(),
  /** The device that sealed and signed it. */
  signer: text('signer').notNull(),
  /** Base64 RSA-OAEP-SHA256 ciphertext of the key under the recipient's certificate. */
  sealed: text('sealed').notNull(),
  /** Base64 RSA-SHA256 signature of the signer over the office, epoch, recipient and `sealed`. */
  signature: text('signature').notNull(),
});

/** Device-local sync settings and identity (office key, device certificate), key/value. */
export const syncMeta = sqliteTable('sync_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Paired devices. A removed device keeps its row (with `removed_at`) so it stays refused. */
export const syncPeers = sqliteTable('sync_peers', {
  deviceId: text('device_id').primaryKey(),
  name: text('name').notNull(),
  fingerprint: text('fingerprint').notNull(),
  certPem: text('cert_pem').notNull(),
  address: text('address'),
  addedAt: integer('added_at').notNull(),
  removedAt: integer('removed_at'),
  lastContactAt: integer('last_contact_at'),
  lastError: text('last_error'),
  schemaVersion: integer('schema_version'),
});

/**
 * How far this device has read each source: `peer:<deviceId>` (the peer's
 * change_log seq), `folder:<deviceId>` (the last seq range applied from that
 * device's shared-folder files), `folder-out` (what this device has written).
 * Updated in the same transaction as the entries it covers.
 */
export const syncCursors = sqliteTable('sync_cursors', {
  source: text('source').primaryKey(),
  cursor: integer('cursor').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * For entries received from other devices: the field stamps their origin had
 * seen when it wrote them (`{column: hlc}`), which tells a concurrent edit
 * from a later one. Local entries derive theirs from change_log order.
 */
export const syncEntryBase = sqliteTable('sync_entry_base', {
  hlc: text('hlc').primaryKey(),
  base: text('base').notNull(),
});

/** Rows whose entries arrived but that cannot exist yet (insert or parent row still missing). */
export const syncPending = sqliteTable(
  'sync_pending',
  {
    tbl: text('tbl').notNull(),
    rowId: text('row_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tbl, t.rowId] })],
);

/** Values that lost a concurrent edit (or an edit that lost to a purge), kept for the user to restore. */
export const syncConflicts = sqliteTable(
  'sync_conflicts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tbl: text('tbl').notNull(),
    rowId: text('row_id').notNull(),
    col: text('col').notNull(),
    kind: text('kind', { enum: ['field', 'purged'] }).notNull(),
    lostValue: text('lost_value'),
    lostHlc: text('lost_hlc').notNull(),
    wonValue: text('won_value'),
    wonHlc: text('won_hlc').notNull(),
    detectedAt: integer('detected_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    uniqueIndex('sync_conflicts_once').on(t.tbl, t.rowId, t.col, t.lostHlc),
    index('sync_conflicts_open').on(t.resolvedAt, t.detectedAt),
  ],
);

/**
 * Stamps of change-log entries removed by compaction (superseded in every
 * field, or older than a purge). Remembered so that a copy relayed later by
 * another desktop is recognised as already seen.
 */
export const syncCompacted = sqliteTable('sync_compacted', {
  hlc: text('hlc').primaryKey(),
});
