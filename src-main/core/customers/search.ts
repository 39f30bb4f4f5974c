/**
 * Finding customers by text. Words of 3+ characters use the kind's FTS5
 * trigram index (any language, substrings of names, emails and phone numbers).
 * Shorter words produce no trigrams, so they take an indexed prefix path on
 * name, given name, email and phone keys (张三, 李, "li"). Both give rowids
 * of live records: the trigram indexes are keyed by the record's rowid, and
 * the prefix path reads the live-row indexes, whose entries carry it.
 */
import type { RecordKind } from '../../../src-shared/contract/customers';
import type { SqliteDb } from '../db/connection';
import { nameKey, phoneDigits } from './normalize';
import { TABLE } from './repo';
import { checkText, ftsPhrase } from './textcheck';

export interface TextCondition {
  sql: string;
  params: unknown[];
}

const PHONE_LIKE = /^[+\d][\d\s\-().]*$/;

/** The trigram index of each kind (see migration 0008). */
export const FTS: Record<RecordKind, 'companies_fts' | 'contacts_fts'> = { company: 'companies_fts', contact: 'contacts_fts' };

/** Splits a query into normalised words; phone-like words become their digits. */
export function searchWords(q: string): string[] {
  return q
    .normalize('NFKC')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (PHONE_LIKE.test(w) && phoneDigits(w).length >= 3 ? phoneDigits(w) : w.toLowerCase()));
}

const isLong = (word: string) => [...word].length >= 3;


/** Upper bound for a prefix range on a BINARY index: every string starting with `p` sorts below it. */
export const prefixEnd = (p: string) => `${p}\u{10FFFF}`;

/** The prefix keys a short word is looked up in: CJK characters are names; Latin letters and digits may also start an email or a phone number. */
function prefixKeys(kind: RecordKind, key: string): string[] {
  if (kind === 'company') return ['name_key'];
  return /[\u3400-\u9fff]/.test(key) ? ['name_key', 'given_key'] : ['name_key', 'given_key', 'email_key', 'phone_key'];
}

/** One SELECT per prefix key of a short word, each reading that key's live-row index: `k` is the rowid. */
function prefixRanges(kind: RecordKind, word: string, limit?: number): TextCondition[] {
  const key = nameKey(word);
  return prefixKeys(kind, key).map((col) => ({
    sql: `SELECT rowid AS k FROM ${TABLE[kind]} WHERE deleted_at IS NULL AND ${col} >= ? AND ${col} < ?${limit === undefined ? '' : ' LIMIT ?'}`,
    params: limit === undefined ? [key, prefixEnd(key)] : [key, prefixEnd(key), limit],
  }));
}

/** A prefix range of one key of a short word, and how many live records it holds (up to the cap). */
export interface PrefixRange {
  column: string;
  from: string;
  to: string;
  count: number;
}

/** One word, or all long words together, of a text filter: the records it matches. */
export interface TextPart {
  /** Every matching rowid, ascending, when there are fewer than the cap asked for; null when there are at least that many. */
  rowids: number[] | null;
  /** Long words: the trigram query, and the words. */
  match?: string;
  words?: string[];
  /** A single long word: its name key, the prefix of the names it most likely starts (see `pageBySortPrefix` in list.ts). */
  prefix?: string;
  /** When `rowids` is null: the rowid of the last match read, a sign of how dense the matches are (rowids grow from 1). */
  lastRead?: number;
  /** A short word: its prefix ranges, one per key. */
  ranges?: PrefixRange[];
}

/** Sizes and costs that choose how trigram matches are read (tests set them to extremes: every choice gives the same rowids). */
export const trigramPlan = {
  /** A trigram's list is sampled this far to tell how dense it is. */
  sample: 64,
  /** A trigram in more than this share of the records is dense: reading its list costs about as much as reading every record's entry. */
  denseShare: 0.05,
  /** Estimated µs to step over one entry of a trigram's list, and to check one record's text in memory. */
  entryCost: 0.005,
  checkCost: 8,
};

/** The distinct 3-character pieces of a word: each is in every text that holds the word. */
function pieces(word: string): string[] {
  const chars = [...word];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  return [...out];
}

/**
 * Up to `limit` rowids of records whose text holds every long word, ascending.
 * A phrase query reads the whole list of each trigram in it, and some are in
 * nearly every record (".co", "com", "exa" of a shared email domain), so a
 * word like "corp5.example" costs what its common trigrams cost. When a word
 * also has rare trigrams, the records holding all of those are read instead
 * (their lists are short) and their text is checked against the words in
 * memory (textcheck.ts), when that is cheaper than the common lists.
 */
export function trigramMatches(db: SqliteDb, kind: RecordKind, words: string[], limit: number): number[] {
  const fts = FTS[kind];
  const match = words.map(ftsPhrase).join(' ');
  const phrase = () => db.prepare(`SELECT rowid FROM ${fts} WHERE ${fts} MATCH ? LIMIT ?`).pluck().all(match, limit) as number[];
  const records = (db.prepare(`SELECT max(rowid) FROM ${TABLE[kind]}`).pluck().get() as number | null) ?? 0;
  // The share of records holding a piece, from the rowid its list reaches after a sample of entries.
  const sample = db.prepare(`SELECT count(*) AS n, max(rowid) AS last FROM (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ? LIMIT ?)`);
  const shares = words.flatMap(pieces).map((piece) => {
    const { n, last } = sample.get(ftsPhrase(piece), trigramPlan.sample) as { n: number; last: number | null };
    return { piece, share: n < trigramPlan.sample ? n / Math.max(records, 1) : n / Math.max(last ?? 1, n) };
  });
  const rare = shares.filter((p) => p.share <= trigramPlan.denseShare);
  const dense = shares.filter((p) => p.share > trigramPlan.denseShare);
  if (rare.length === 0 || dense.length === 0) return phrase();
  const denseCost = dense.reduce((n, p) => n + p.share * records, 0) * trigramPlan.entryCost;
  const most = trigramPlan.checkCost > 0 ? Math.floor(denseCost / trigramPlan.checkCost) : Number.MAX_SAFE_INTEGER;
  const candidates = db
    .prepare(`SELECT rowid FROM ${fts} WHERE ${fts} MATCH ? LIMIT ?`)
    .pluck()
    .all(rare.map((p) => ftsPhrase(p.piece)).join(' '), most + 1) as number[];
  if (candidates.length > most) return phrase();
  return checkText(db, kind, candidates, words).slice(0, limit);
}

/**
 * The parts of a text filter, each read from its index once: all long words
 * in one trigram query, and each short word as the union of its prefix
 * ranges. A record matches the text when it matches every part. A lone part
 * lists its rowids when it has fewer than `cap`; parts that are to be
 * intersected list up to `huge`, so the intersection is mostly a short list.
 * Prefix ranges are counted up to `huge`. Empty when `q` has no words.
 */
export function textParts(db: SqliteDb, kind: RecordKind, q: string, cap: number, huge: number): TextPart[] {
  const words = searchWords(q);
  const long = words.filter(isLong);
  const short = words.filter((w) => !isLong(w));
  const limit = (long.length > 0 ? 1 : 0) + short.length > 1 ? huge : cap;
  const parts: TextPart[] = [];
  if (long.length > 0) {
    const match = long.map(ftsPhrase).join(' ');
    const rowids = trigramMatches(db, kind, long, limit);
    const prefix = long.length === 1 ? nameKey(long[0]) : undefined;
    parts.push(rowids.length < limit ? { rowids, match, words: long, prefix } : { rowids: null, match, words: long, prefix, lastRead: rowids[rowids.length - 1]! });
  }
  for (const word of short) {
    const key = nameKey(word);
    // Counting (index only) first: a range too big to list makes the whole word too big, and listing it would be wasted.
    const counts = prefixRanges(kind, word, huge).map((r) => db.prepare(`SELECT count(*) FROM (${r.sql})`).pluck().get(...r.params) as number);
    const complete = counts.every((n) => n < limit);
    const rowids = complete ? prefixRanges(kind, word).flatMap((r) => db.prepare(r.sql).pluck().all(...r.params) as number[]) : null;
    parts.push({
      rowids: rowids && [...new Set(rowids)].sort((a, b) => a - b),
      ranges: prefixKeys(kind, key).map((column, i) => ({ column, from: key, to: prefixEnd(key), count: counts[i]! })),
    });
  }
  return parts;
}

/**
 * "The row `r` matches the part", for SQLite to test. A trigram match, and a
 * short word's prefix ranges, are sets of rowids built once per statement and
 * tested on the rowid each index entry carries; except that ranges of
 * `indexed` (the columns of the index being read) are tested on its entries,
 * and with `onRow` all other ranges on the entry's row. The index's first
 * column is written plainly, so SQLite may bound its read by the range; every
 * other column with `+`, so SQLite never reads another index for it. Empty
 * ranges are left out.
 */
export function partCondition(kind: RecordKind, part: TextPart, indexed: string[], onRow: boolean): TextCondition {
  if (part.match !== undefined) return { sql: `+r.rowid IN (SELECT rowid FROM ${FTS[kind]} WHERE ${FTS[kind]} MATCH ?)`, params: [part.match] };
  const onIndex = (r: PrefixRange) => indexed.includes(r.column);
  // Cheapest tests first: the index's own columns, then sets or columns of the row.
  const live = part.ranges!.filter((r) => r.count > 0).sort((a, b) => Number(onIndex(b)) - Number(onIndex(a)));
  if (live.length === 0) return { sql: '0', params: [] };
  return {
    sql: `(${live
      .map((r) =>
        r.column === indexed[0]
          ? `(r.${r.column} >= ? AND r.${r.column} < ?)`
          : onIndex(r) || onRow
            ? `(+r.${r.column} >= ? AND +r.${r.column} < ?)`
            : `+r.rowid IN (SELECT rowid FROM ${TABLE[kind]} WHERE deleted_at IS NULL AND ${r.column} >= ? AND ${r.column} < ?)`,
      )
      .join(' OR ')})`,
    params: live.flatMap((r) => [r.from, r.to]),
  };
}

/**
 * Up to about `max` rowids of records matching `q`, read straight from the
 * indexes (no sorting), for the quick header search: for long words, the
 * first `max` trigram matches (narrow them with `shortWordsCondition`); for
 * short words only, up to `max` from each prefix key, intersected across words.
 */
export function candidateRowids(db: SqliteDb, kind: RecordKind, q: string, max: number): number[] {
  const words = searchWords(q);
  const long = words.filter(isLong);
  const pluck = (c: TextCondition) => db.prepare(c.sql).pluck().all(...c.params) as number[];
  if (long.length > 0) return pluck({ sql: `SELECT rowid FROM ${FTS[kind]} WHERE ${FTS[kind]} MATCH ? LIMIT ?`, params: [long.map(ftsPhrase).join(' '), max] });
  let result: number[] | null = null;
  for (const word of words) {
    const found = new Set(prefixRanges(kind, word, max).flatMap(pluck));
    result = result === null ? [...found] : result.filter((k) => found.has(k));
  }
  return result ?? [];
}

/** The short words of `q` as prefix conditions on the row `alias`, to narrow trigram candidates; null when there are none. */
export function shortWordsCondition(kind: RecordKind, alias: string, q: string): TextCondition | null {
  const short = searchWords(q).filter((w) => !isLong(w));
  if (short.length === 0) return null;
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const word of short) {
    const key = nameKey(word);
    const keys = prefixKeys(kind, key);
    parts.push(`(${keys.map((k) => `(${alias}.${k} >= ? AND ${alias}.${k} < ?)`).join(' OR ')})`);
    for (let i = 0; i < keys.length; i++) params.push(key, prefixEnd(key));
  }
  return { sql: parts.join(' AND '), params };
}
