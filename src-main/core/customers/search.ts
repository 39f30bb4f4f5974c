/**
 * Finding customers by text. Terms of 3+ characters use the FTS5 trigram
 * index (any language, substrings of names, emails and phone numbers).
 * Shorter terms produce no trigrams, so they take an indexed prefix path on
 * name, given name, email and phone keys (张三, 李, "li").
 */
import type { RecordKind } from '../../../src-shared/contract/customers';
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

/**
 * The condition "alias.id matches the text" for a list query of `kind`.
 * Long words go to FTS together; each short word adds a prefix condition.
 */
export function textCondition(kind: RecordKind, alias: string, q: string): TextCondition | null {
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
      parts.push(
        `((${alias}.name_key >= ? AND ${alias}.name_key < ?) OR (${alias}.given_key >= ? AND ${alias}.given_key < ?)` +
          ` OR (${alias}.email_key >= ? AND ${alias}.email_key < ?) OR (${alias}.phone_key >= ? AND ${alias}.phone_key < ?))`,
      );
      params.push(key, prefixEnd(key), key, prefixEnd(key), key, prefixEnd(key), key, prefixEnd(key));
    } else {
      parts.push(`(${alias}.name_key >= ? AND ${alias}.name_key < ?)`);
      params.push(key, prefixEnd(key));
    }
  }
  return { sql: parts.join(' AND '), params };
}
