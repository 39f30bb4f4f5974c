/**
 * A record's timeline, read from the change log (creation, each field change
 * with old and new value, deletes and restores), its notes, and the history
 * of records merged into it.
 */
import type { RecordKind, TimelineEvent } from '../../../src-shared/contract/customers';
import { companies, contacts } from '../db/schema';
import { tableInfo } from '../db/writer';
import type { SqliteDb } from '../db/connection';
import { TABLE, displayName } from './repo';

/** Derived or bookkeeping columns that are not shown as changes. */
const HIDDEN = new Set(['updated_at', 'updated_by', 'created_at', 'created_by', 'name_key', 'given_key', 'phone_key', 'email_key', 'merged_into']);
const JSON_COLUMNS = new Set(['phones', 'emails', 'ims', 'custom']);

interface LogRow {
  seq: number;
  op: string;
  data: string;
  actor_id: string | null;
  hlc: string;
}

const decode = (col: string, v: unknown) => (JSON_COLUMNS.has(col) && typeof v === 'string' ? JSON.parse(v) : v);
const stampMs = (hlc: string) => Number(hlc.slice(0, 15));

function recordEvents(db: SqliteDb, kind: RecordKind, id: string, users: Map<string, string>): TimelineEvent[] {
  const info = tableInfo(kind === 'company' ? companies : contacts);
  const rows = db.prepare('SELECT seq, op, data, actor_id, hlc FROM change_log WHERE tbl = ? AND row_id = ? ORDER BY hlc').all(TABLE[kind], id) as LogRow[];
  const state: Record<string, unknown> = {};
  const events: TimelineEvent[] = [];
  const actor = (id: string | null) => (id && users.has(id) ? { id, displayName: users.get(id)! } : null);
  for (const row of rows) {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const at = typeof data.updated_at === 'number' ? data.updated_at : stampMs(row.hlc);
    const base = { at, actor: actor(row.actor_id), text: null, noteId: null };
    if (row.op === 'insert') {
      events.push({ ...base, kind: 'created', field: null });
    } else if (row.op === 'update') {
      for (const [col, value] of Object.entries(data)) {
        if (HIDDEN.has(col)) continue;
        if (col === 'deleted_at') {
          events.push({ ...base, kind: value === null ? 'restored' : 'deleted', field: null });
        } else {
          events.push({ ...base, kind: 'changed', field: info.byName.get(col)?.key ?? col, from: decode(col, state[col] ?? null), to: decode(col, value) });
        }
      }
    }
    Object.assign(state, data);
  }
  return events;
}

/** Tags added and removed, from the change log of the record's tag links (shown as changes of the `tags` field). */
function tagEvents(db: SqliteDb, id: string, users: Map<string, string>): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const links = db.prepare('SELECT id, tag_id FROM record_tags WHERE record_id = ?').all(id) as { id: string; tag_id: string }[];
  for (const link of links) {
    const tag = (db.prepare('SELECT name FROM tags WHERE id = ?').get(link.tag_id) as { name: string } | undefined)?.name ?? null;
    const rows = db.prepare("SELECT op, data, actor_id, hlc FROM change_log WHERE tbl = 'record_tags' AND row_id = ? ORDER BY hlc").all(link.id) as LogRow[];
    for (const row of rows) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      if (row.op === 'update' && !('deleted_at' in data)) continue;
      const added = row.op !== 'purge' && (data.deleted_at ?? null) === null;
      events.push({
        at: typeof data.updated_at === 'number' ? data.updated_at : stampMs(row.hlc),
        kind: 'changed',
        actor: row.actor_id && users.has(row.actor_id) ? { id: row.actor_id, displayName: users.get(row.actor_id)! } : null,
        field: 'tags',
        from: added ? null : tag,
        to: added ? tag : null,
        text: null,
        noteId: null,
      });
    }
  }
  return events;
}

export function timeline(db: SqliteDb, kind: RecordKind, id: string, limit: number): TimelineEvent[] {
  const users = new Map(
    (db.prepare('SELECT id, display_name FROM users').all() as { id: string; display_name: string }[]).map((u) => [u.id, u.display_name]),
  );
  const events = [...recordEvents(db, kind, id, users), ...tagEvents(db, id, users)];
  const merged = db.prepare(`SELECT * FROM ${TABLE[kind]} WHERE merged_into = ?`).all(id) as Record<string, unknown>[];
  for (const m of merged) {
    const name = kind === 'company' ? (m.name as string) : displayName(m.family_name as string, m.given_name as string);
    const mergedAt = (m.deleted_at as number | null) ?? (m.updated_at as number);
    for (const e of recordEvents(db, kind, m.id as string, users)) {
      if (e.kind !== 'deleted') events.push({ ...e, text: name });
    }
    const by = m.updated_by as string | null;
    events.push({ at: mergedAt, kind: 'merged', actor: by && users.has(by) ? { id: by, displayName: users.get(by)! } : null, field: null, text: name, noteId: null });
  }
  const notes = db
    .prepare('SELECT id, body, created_at, created_by FROM notes WHERE record_id = ? AND deleted_at IS NULL')
    .all(id) as { id: string; body: string; created_at: number; created_by: string | null }[];
  for (const n of notes) {
    events.push({
      at: n.created_at,
      kind: 'note',
      actor: n.created_by && users.has(n.created_by) ? { id: n.created_by, displayName: users.get(n.created_by)! } : null,
      field: null,
      text: n.body,
      noteId: n.id,
    });
  }
  // Newest first; events of one moment keep their causal order, reversed.
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.at - a.e.at || b.i - a.i)
    .slice(0, limit)
    .map(({ e }) => e);
}
