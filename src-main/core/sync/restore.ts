/**
 * Sync across a restore. A backup holds the whole database, the sync tables
 * included, so restoring one would otherwise hand this desktop whatever sync
 * identity the copy carries: another desktop's certificate and private key
 * (it would then answer as that desktop), or another office's id and key.
 * The core calls these two hooks around the swap of the database file
 * (`reopen` in core/index.ts): the first reads this desktop's sync state from
 * the database about to be replaced, the second fixes the restored one up
 * before anything else reads it.
 *
 * What a restore keeps, whatever the copy:
 * - this desktop's certificate and key (its identity, pinned by its peers),
 *   and its device settings (name, port, listening address, discovery, folder);
 * - the knowledge that the office removed it.
 * What follows the copy:
 * - a copy this desktop made itself (same certificate): its own older sync
 *   state, as it was then (a copy from before the office: no office);
 * - a copy made on another desktop of this desktop's office: the office
 *   stays, with this desktop's own pairings; what peers had acknowledged of
 *   the log is forgotten and the shared folder is written afresh;
 * - a copy of another office, or from another desktop when this one was in
 *   no office: this desktop takes no office identity from it. If it belonged
 *   to an office it leaves it (the data in it is no longer that office's),
 *   sync is off, and the status says why. The office the data came from is
 *   remembered, so an administrator can pair it into that office again
 *   deliberately (`sync.rejoin`).
 * After every restore the log carries a new id, so each peer reads it again
 * from the start instead of trusting its old position (entries it has are
 * skipped).
 */
import { randomBytes } from 'node:crypto';
import type { SqliteDb } from '../db/connection';
import { fingerprintOf } from './identity';

/** Device settings and identity that belong to this desktop, not to whichever database it runs. */
const DEVICE_KEYS = ['device_cert', 'device_key', 'device_name', 'port', 'listen_host', 'discovery', 'folder'];

export interface SyncStateBeforeRestore {
  meta: Map<string, string>;
  peers: Record<string, unknown>[];
}

function readAllMeta(db: SqliteDb): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM sync_meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** This desktop's sync state, read from the database a restore is about to replace. */
export function syncStateBeforeRestore(db: SqliteDb): SyncStateBeforeRestore {
  return { meta: readAllMeta(db), peers: db.prepare('SELECT * FROM sync_peers').all() as Record<string, unknown>[] };
}

function certOf(meta: Map<string, string>): string | null {
  const pem = meta.get('device_cert');
  if (!pem) return null;
  try {
    return fingerprintOf(pem);
  } catch {
    return null;
  }
}

export type RestoredSync = 'own' | 'same-office' | 'left-office' | 'no-office';

/**
 * Fixes up the sync state of a freshly restored database (before any other
 * use of it), from what this desktop had before (see above). Returns which
 * case it was.
 */
export function adoptRestoredSync(db: SqliteDb, before: SyncStateBeforeRestore): RestoredSync {
  const copy = readAllMeta(db);
  const put = (key: string, value: string | undefined) => {
    if (value === undefined) db.prepare('DELETE FROM sync_meta WHERE key = ?').run(key);
    else db.prepare('INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  };
  const mine = certOf(before.meta);
  const theirs = certOf(copy);
  const ownCopy = theirs === null || theirs === mine;
  const officeBefore = before.meta.get('office_id');
  const officeOfCopy = copy.get('office_id');
  let outcome: RestoredSync;
  db.transaction(() => {
    for (const key of DEVICE_KEYS) put(key, before.meta.get(key));
    if (before.meta.has('removed_at')) put('removed_at', before.meta.get('removed_at'));
    if (ownCopy) {
      outcome = officeOfCopy ? 'own' : 'no-office';
    } else if (officeOfCopy && officeOfCopy === officeBefore) {
      // Another desktop's copy of this office: its pairings and positions are not this desktop's.
      outcome = 'same-office';
      db.exec('DELETE FROM sync_peers');
      for (const peer of before.peers) {
        const cols = Object.keys(peer);
        db.prepare(`INSERT INTO sync_peers (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(
          ...cols.map((c) => peer[c]),
        );
      }
      put('folder_epoch', before.meta.get('folder_epoch'));
    } else {
      // Another office, or another desktop's identity on a desktop that had none: take nothing of it.
      outcome = officeBefore ? 'left-office' : 'no-office';
      put('office_id', undefined);
      put('office_key', undefined);
      put('office_keys', undefined);
      put('folder_epoch', undefined);
      if (officeOfCopy) put('data_office', officeOfCopy);
      if (officeBefore) put('notice', 'sync.errors.restored_other_office');
      db.exec('DELETE FROM sync_peers');
    }
    if (officeOfCopy && officeOfCopy === officeBefore && before.meta.has('office_keys')) {
      // Office keys this desktop received after the copy was made stay (keys.ts): older files need them.
      const ring = { ...(JSON.parse(before.meta.get('office_keys')!) as object), ...(JSON.parse(copy.get('office_keys') ?? '{}') as object) };
      put('office_keys', JSON.stringify(ring));
    }
    if (!ownCopy) {
      // What peers acknowledged, and what went to the shared folder, was the other desktop's log.
      db.exec("DELETE FROM sync_cursors WHERE source LIKE 'ack:%' OR source = 'folder-out'");
    }
    // Peers read this log again from the start (see `logId`).
    put('log_id', randomBytes(12).toString('hex'));
  })();
  return outcome!;
}

/** This desktop's log id: peers that saw another one read the log again from the start. */
export function logId(db: SqliteDb): string {
  const row = db.prepare("SELECT value FROM sync_meta WHERE key = 'log_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  const id = randomBytes(12).toString('hex');
  db.prepare("INSERT INTO sync_meta (key, value) VALUES ('log_id', ?)").run(id);
  return id;
}
