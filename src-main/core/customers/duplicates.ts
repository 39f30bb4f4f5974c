/**
 * Likely duplicates of a record being entered: the same email or phone number
 * (found through the search index, then compared exactly), or a very similar
 * name — in the same company for contacts.
 */
import type { RecordKind } from '../../../src-shared/contract/customers';
import type { SqliteDb } from '../db/connection';
import { displayName, TABLE } from './repo';
import { nameKey, normalizePhone, phoneDigits } from './normalize';
import { FTS, prefixEnd } from './search';
import { ftsPhrase } from './textcheck';

export interface Duplicate {
  kind: RecordKind;
  id: string;
  name: string;
  reason: 'email' | 'phone' | 'name';
  detail: string;
}

export interface Candidate {
  excludeId?: string;
  name?: string;
  familyName?: string;
  givenName?: string;
  companyId?: string | null;
  emails?: string[];
  phones?: string[];
}

/** Edit distance, for "very similar" names (a typo or a missing character). */
function distance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

function similar(a: string, b: string): boolean {
  if (!a || !b) return false;
  if (a === b) return true;
  const len = Math.max([...a].length, [...b].length);
  return len >= 4 && distance(a, b) <= (len >= 8 ? 2 : 1);
}

function ftsIds(db: SqliteDb, kind: RecordKind, phrase: string): string[] {
  if ([...phrase].length < 3) return [];
  return db
    .prepare(`SELECT r.id FROM ${TABLE[kind]} r WHERE r.rowid IN (SELECT rowid FROM ${FTS[kind]} WHERE ${FTS[kind]} MATCH ? LIMIT 50)`)
    .pluck()
    .all(ftsPhrase(phrase)) as string[];
}

export function findDuplicates(db: SqliteDb, kind: RecordKind, c: Candidate): Duplicate[] {
  const found = new Map<string, Duplicate>();
  const add = (d: Duplicate) => {
    if (d.id !== c.excludeId && !found.has(d.id)) found.set(d.id, d);
  };
  if (kind === 'contact') {
    const contactRow = db.prepare('SELECT id, family_name, given_name, emails, phones, deleted_at FROM contacts WHERE id = ?');
    const nameOf = (r: { family_name: string; given_name: string }) => displayName(r.family_name, r.given_name);
    for (const email of (c.emails ?? []).map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      for (const id of ftsIds(db, 'contact', email)) {
        const r = contactRow.get(id) as { id: string; family_name: string; given_name: string; emails: string; deleted_at: number | null } | undefined;
        if (r && r.deleted_at === null && (JSON.parse(r.emails) as { address: string }[]).some((e) => e.address === email)) {
          add({ kind, id, name: nameOf(r), reason: 'email', detail: email });
        }
      }
    }
    for (const phone of (c.phones ?? []).filter(Boolean)) {
      const e164 = normalizePhone(phone);
      if (!e164) continue;
      for (const id of ftsIds(db, 'contact', phoneDigits(e164))) {
        const r = contactRow.get(id) as { id: string; family_name: string; given_name: string; phones: string; deleted_at: number | null } | undefined;
        if (r && r.deleted_at === null && (JSON.parse(r.phones) as { number: string }[]).some((p) => p.number === e164)) {
          add({ kind, id, name: nameOf(r), reason: 'phone', detail: e164 });
        }
      }
    }
    const key = nameKey(c.familyName, c.givenName);
    if (key) {
      const sameCompany = c.companyId
        ? (db
            .prepare('SELECT id, family_name, given_name, name_key FROM contacts WHERE company_id = ? AND deleted_at IS NULL LIMIT 2000')
            .all(c.companyId) as { id: string; family_name: string; given_name: string; name_key: string }[])
        : (db
            .prepare('SELECT id, family_name, given_name, name_key FROM contacts WHERE company_id IS NULL AND deleted_at IS NULL AND name_key = ? LIMIT 20')
            .all(key) as { id: string; family_name: string; given_name: string; name_key: string }[]);
      for (const r of sameCompany) if (similar(r.name_key, key)) add({ kind, id: r.id, name: nameOf(r), reason: 'name', detail: nameOf(r) });
    }
  } else {
    const key = nameKey(c.name);
    if (key) {
      // Same name, a name that extends it (海港贸易 / 海港贸易有限公司), or a near miss among those sharing its start.
      const stem = [...key].slice(0, Math.max(2, Math.min(4, [...key].length - 1))).join('');
      const rows = db
        .prepare('SELECT id, name, name_key FROM companies WHERE deleted_at IS NULL AND name_key >= ? AND name_key < ? LIMIT 200')
        .all(stem, prefixEnd(stem)) as { id: string; name: string; name_key: string }[];
      for (const r of rows) {
        if (similar(r.name_key, key) || (key.length >= 4 && (r.name_key.startsWith(key) || key.startsWith(r.name_key)))) {
          add({ kind, id: r.id, name: r.name, reason: 'name', detail: r.name });
        }
      }
    }
    for (const phone of (c.phones ?? []).filter(Boolean)) {
      const e164 = normalizePhone(phone);
      if (!e164) continue;
      for (const r of db.prepare('SELECT id, name FROM companies WHERE phone = ? AND deleted_at IS NULL LIMIT 10').all(e164) as { id: string; name: string }[]) {
        add({ kind, id: r.id, name: r.name, reason: 'phone', detail: e164 });
      }
    }
  }
  return [...found.values()].slice(0, 10);
}
