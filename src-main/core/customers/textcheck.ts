/**
 * Checking records' text against a trigram query without the real index: the
 * text each index holds (the `<table>_search_text` views) is indexed in a
 * private in-memory FTS5 table with the same tokenizer, and the query is run
 * there, so the answer is the one the real index would give for those rows.
 */
import Database from 'better-sqlite3';
import type { RecordKind } from '../../../src-shared/contract/customers';
import type { SqliteDb } from '../db/connection';
import { TABLE } from './repo';

interface Checker {
  add: Database.Statement;
  match: Database.Statement;
  load: (rows: [number, string][]) => void;
  clear: () => void;
}

/** A word as an FTS5 phrase: with the trigram tokenizer, "the text holds this word". */
export const ftsPhrase = (word: string) => `"${word.replace(/"/g, '""')}"`;

/** Per connection: the in-memory database is separate, so its writes never count as changes of the real one. */
const checkers = new WeakMap<SqliteDb, Checker>();

function checkerFor(db: SqliteDb): Checker {
  let checker = checkers.get(db);
  if (!checker) {
    const memory = new Database(':memory:');
    memory.exec("CREATE VIRTUAL TABLE text_check USING fts5(body, tokenize = 'trigram')");
    const add = memory.prepare('INSERT INTO text_check (rowid, body) VALUES (?, ?)');
    const clear = () => memory.exec('DELETE FROM text_check');
    checker = {
      add,
      match: memory.prepare('SELECT rowid FROM text_check WHERE text_check MATCH ? ORDER BY rowid').pluck(),
      load: memory.transaction((rows: [number, string][]) => {
        clear();
        for (const [k, body] of rows) add.run(k, body);
      }),
      clear,
    };
    checkers.set(db, checker);
  }
  return checker;
}

/** A non-ASCII character that has no case (CJK, digits, marks): the index folds nothing of it. */
const caseless = (ch: string) => ch.toLowerCase() === ch && ch.toUpperCase() === ch;
/** Anything but printable ASCII (control characters have no case either, so they pass the test below). */
const NOT_PRINTABLE_ASCII = /[^ -~]/;
/** Text whose only cased characters are ASCII letters: the index folds it exactly as `toLowerCase` does. */
const foldsLikeAscii = (text: string) => !NOT_PRINTABLE_ASCII.test(text) || [...text].every((ch) => ch.charCodeAt(0) < 0x80 || caseless(ch));

/**
 * The rowids among `rowids` (live records of `kind`) whose text holds every
 * word (each of 3+ characters), ascending: the records the trigram index
 * matches for those words. A text of ASCII letters and caseless characters
 * (Chinese, digits) is compared in JavaScript, lowercased as the index folds
 * it; any other goes through the in-memory index, whose folding is the index's own.
 */
export function checkText(db: SqliteDb, kind: RecordKind, rowids: number[], words: string[]): number[] {
  if (rowids.length === 0) return [];
  const texts = db.prepare(`SELECT k, body FROM ${TABLE[kind]}_search_text WHERE k IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(rowids)) as [number, string][];
  const plainWords = words.every(foldsLikeAscii);
  const folded = words.map((w) => w.toLowerCase());
  const found: number[] = [];
  const other: [number, string][] = [];
  for (const [k, body] of texts) {
    if (plainWords && foldsLikeAscii(body)) {
      const text = body.toLowerCase();
      if (folded.every((w) => text.includes(w))) found.push(k);
    } else other.push([k, body]);
  }
  if (other.length > 0) {
    const checker = checkerFor(db);
    try {
      checker.load(other);
      found.push(...(checker.match.all(words.map(ftsPhrase).join(' ')) as number[]));
    } finally {
      checker.clear();
    }
  }
  return found.sort((a, b) => a - b);
}
