/**
 * Finding customers by text. Terms of 3+ characters use the FTS5 trigram
 * index (any language, substrings of names, emails and phone numbers).
 * Shorter terms produce no trigrams, so they take an indexed prefix path on
 * name, given name, email and phone keys (张三, 李, "li").
 */
import type { RecordKind } from '../../../src-shared/contract/customers';
import type { SqliteDb } from '../db/connection';
import { nameKey, phoneDigits } from './normalize';

export interface TextCondition {
  sql: string;
  params: unknown[];
}

const PHONE_LIKE = /^[+\d][\d\s\-().]*$/;

/** Splits a query into normalised words; phone-like words become their digits. */
export function searchWords(q: string): string[] {
  return q
    .normalize('NFKC')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (PHONE_LIKE.test(w) && phoneDigits(w).length >= 3 ? phoneDigits(w) : w.toLowerCase()));
}

const ftsPhrase = (word: string) => `"${word.replace(/"/g, '""')}"`;

/** Upper bound for a prefix range on a BINARY index: every string starting with `p` sorts below it. */
export const prefixEnd = (p: string) => `${p}\u{10FFFF}`;

/** Long words (3+ characters) as one FTS5 query, or null when there are none. */
export function ftsQuery(q: string): string | null {
  const long = searchWords(q).filter((w) => [...w].length >= 3);
  return long.length > 0 ? long.map(ftsPhrase).join(' ') : null;
}

/** Short words only (prefix conditions), for use beside an FTS candidate set. */
export function shortWordsCondition(kind: RecordKind, alias: string, q: string): TextCondition | null {
  const short = searchWords(q).filter((w) => [...w].length < 3);
  return short.length > 0 ? textCondition(kind, alias, short.join(' ')) : null;
}

/**
 * Ids of records whose text matches the long words, at most `max`, read
 * straight from the index (no sorting): the cheap first step of a list query.
 */
export function ftsCandidates(db: SqliteDb, kind: RecordKind, fts: string, max: number): string[] {
  return (
    db
      .prepare('SELECT d.ref_id FROM search_fts f JOIN search_docs d ON d.rowid = f.rowid WHERE search_fts MATCH ? AND d.kind = ? LIMIT ?')
      .all(fts, kind, max) as { ref_id: string }[]
  ).map((r) => r.ref_id);
}

/** The prefix keys a short word is looked up in: CJK characters are names; Latin letters and digits may also start an email or a phone number. */
function prefixKeys(kind: RecordKind, key: string): string[] {
  if (kind === 'company') return ['name_key'];
  return /[\u3400-\u9fff]/.test(key) ? ['name_key', 'given_key'] : ['name_key', 'given_key', 'email_key', 'phone_key'];
}

/**
 * Ids of live records matching a query of short words only, one index range
 * per key, at most `max` from each; null when there are long words.
 */
export function prefixCandidates(db: SqliteDb, kind: RecordKind, q: string, max: number): { ids: string[]; complete: boolean } | null {
  const words = searchWords(q);
  if (words.length === 0 || words.some((w) => [...w].length >= 3)) return null;
  let complete = true;
  const table = kind === 'company' ? 'companies' : 'contacts';
  let result: string[] | null = null;
  for (const word of words) {
    const key = nameKey(word);
    const ids = new Set<string>();
    for (const col of prefixKeys(kind, key)) {
      const rows = db
        .prepare(`SELECT id FROM ${table} WHERE deleted_at IS NULL AND ${col} >= ? AND ${col} < ? LIMIT ?`)
        .all(key, prefixEnd(key), max) as { id: string }[];
      if (rows.length >= max) complete = false;
      for (const r of rows) ids.add(r.id);
    }
    result = result === null ? [...ids] : result.filter((id) => ids.has(id));
  }
  return { ids: result ?? [], complete };
}

/**
 * The condition "alias.id matches the text" for a list query of `kind`.
 * Long words go to FTS together; each short word adds a prefix condition.
 */
export function textCondition(kind: RecordKind, alias: string, q: string, useIndexes = true): TextCondition | null {
  const p = useIndexes ? '' : '+';
  const words = searchWords(q);
  if (words.length === 0) return null;
  const long = words.filter((w) => [...w].length >= 3);
  const short = words.filter((w) => [...w].length < 3);
  const parts: string[] = [];
  const params: unknown[] = [];
  if (long.length > 0) {
    parts.push(
      `${alias}.id IN (SELECT d.ref_id FROM search_fts f JOIN search_docs d ON d.rowid = f.rowid WHERE search_fts MATCH ? AND d.kind = ?)`,
    );
    params.push(long.map(ftsPhrase).join(' '), kind);
  }
  for (const word of short) {
    const key = nameKey(word);
    if (kind === 'contact') {
      const keys = prefixKeys(kind, key);
      parts.push(`(${keys.map((k) => `(${p}${alias}.${k} >= ? AND ${p}${alias}.${k} < ?)`).join(' OR ')})`);
      for (let i = 0; i < keys.length; i++) params.push(key, prefixEnd(key));
    } else {
      parts.push(`(${p}${alias}.name_key >= ? AND ${p}${alias}.name_key < ?)`);
      params.push(key, prefixEnd(key));
    }
  }
  return { sql: parts.join(' AND '), params };
}
