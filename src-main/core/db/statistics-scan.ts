/**
 * Planner statistics computed by reading only: the sqlite_stat1 rows that
 * `ANALYZE "main"."<table>"` would write (with no analysis_limit), found with
 * plain SELECTs, so a connection that never takes the write lock (the
 * statistics worker's, opened read-only) can compute them while the app keeps
 * writing. The main connection then writes the few rows (statistics.ts).
 *
 * What ANALYZE writes for an index (SQLite's analyze.c): "N a1 a2 ... ak",
 * N the entries in the index (for a partial index, the rows its WHERE
 * admits) and ai = ceil(N / Di), Di being the number of distinct values of
 * the first i key columns (NULLs equal to each other, compared under the
 * index's collations), except that a value just above 1 (N <= 1.1 Di) counts
 * as 1. A partial index with no entries still gets "0 0 ...", any other index
 * with none gets no row. A table all of whose indexes are partial (or that
 * has none) also gets a row of its own, "N", when it holds rows. Di is
 * counted here with GROUP BY on the index (which reads it in order, no sort)
 * inside one read transaction per index.
 *
 * Which tables need it follows `PRAGMA optimize(0x10002 | 0x10000)`: an index
 * without a sqlite_stat1 row (in a table holding rows), or a table now 10
 * times larger or smaller than its statistics say. That pragma itself starts
 * a write transaction when it looks at two tables or more, so the same test
 * is made here from sqlite_stat1 and an exact count.
 */
import type { SqliteDb } from './connection';

export interface StatRow {
  /** The index name (the table's own name for the primary key of a WITHOUT ROWID table), or null for the table's row. */
  idx: string | null;
  stat: string;
}

export const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite's LogEst: about 10 * log2(x), as sqlite3LogEst computes it (0 for x < 2). */
export function logEst(x: number): number {
  const a = [0, 2, 3, 5, 6, 7, 8, 9];
  let y = 40;
  if (x < 8) {
    if (x < 2) return 0;
    while (x < 8) {
      y -= 10;
      x *= 2;
    }
  } else {
    const shift = Math.floor(Math.log2(x)) - 3;
    y += shift * 10;
    x = Math.floor(x / 2 ** shift);
    // Math.log2 may round across a power of two: bring x back into [8, 15].
    while (x > 15) {
      y += 10;
      x = Math.floor(x / 2);
    }
    while (x < 8) {
      y -= 10;
      x *= 2;
    }
  }
  return a[x & 7]! + y - 10;
}

/** The estimate a connection starts with for a table without statistics (LogEst 200: 1,048,576 rows). */
const DEFAULT_ROW_LOGEST = 200;
/** PRAGMA optimize analyses again when the size moved by more than this (LogEst 33: about tenfold). */
const TENFOLD = 33;

interface IndexInfo {
  name: string;
  unique: boolean;
  origin: string;
  partial: boolean;
}

interface Token {
  text: string;
  start: number;
  end: number;
}

/** SQL split into tokens (words, quoted names and strings, punctuation); white space and comments dropped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const closing = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(closing, j);
        if (k < 0) {
          j = sql.length;
          break;
        }
        // A doubled quote stands for itself (not inside [...]).
        if (closing !== ']' && sql[k + 1] === closing) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      tokens.push({ text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[\w$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$\u0080-\uffff]/.test(sql[j]!)) j++;
      tokens.push({ text: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

const isWord = (token: Token | undefined, word: string) => token !== undefined && token.text.toUpperCase() === word;

/**
 * The parts of a CREATE INDEX statement: the text of each indexed term (in
 * order, without its own COLLATE and ASC/DESC) and of its WHERE clause.
 */
export function parseCreateIndex(sql: string): { terms: string[]; where: string | null } {
  const tokens = tokenize(sql);
  const on = tokens.findIndex((t) => isWord(t, 'ON'));
  const open = tokens.findIndex((t, i) => i > on && t.text === '(');
  if (on < 0 || open < 0) throw new Error('not a CREATE INDEX statement');
  const terms: string[] = [];
  let depth = 0;
  let termStart = open + 1;
  let close = -1;
  const term = (from: number, to: number) => {
    // Drop a trailing ASC/DESC, then a trailing COLLATE name: the index's own collation is applied by the caller.
    let end = to;
    if (isWord(tokens[end - 1], 'ASC') || isWord(tokens[end - 1], 'DESC')) end--;
    if (end - 2 > from && isWord(tokens[end - 2], 'COLLATE')) end -= 2;
    terms.push(sql.slice(tokens[from]!.start, tokens[end - 1]!.end));
  };
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === '(') depth++;
    else if (t === ')' && depth > 0) depth--;
    else if (t === ',' && depth === 0) {
      term(termStart, i);
      termStart = i + 1;
    } else if (t === ')') {
      term(termStart, i);
      close = i;
      break;
    }
  }
  if (close < 0) throw new Error('unbalanced CREATE INDEX statement');
  const where = isWord(tokens[close + 1], 'WHERE') ? sql.slice(tokens[close + 2]!.start).replace(/;\s*$/, '') : null;
  return { terms, where };
}

function indexesOf(db: SqliteDb, table: string): IndexInfo[] {
  const rows = db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY seq').all(table) as {
    name: string;
    unique: number;
    origin: string;
    partial: number;
  }[];
  return rows.map((r) => ({ name: r.name, unique: r.unique === 1, origin: r.origin, partial: r.partial === 1 }));
}

function withoutRowid(db: SqliteDb, table: string): boolean {
  return (db.prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?").pluck().get(table) as number | undefined) === 1;
}

/** The ordinary tables of the main schema that statistics are kept for (not SQLite's own, not virtual tables or their shadow tables). */
export function analysedTables(db: SqliteDb): string[] {
  const tables = db
    .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all() as string[];
  // Older SQLite builds report shadow tables as ordinary ones: the planner never reads them through SQL of ours.
  const virtual = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'").pluck().all() as string[];
  return tables.filter((t) => !virtual.some((v) => t.startsWith(`${v}_`)));
}

function hasTable(db: SqliteDb, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * Whether the table's statistics are missing or stale, by the rule PRAGMA
 * optimize applies on a connection that has just read them (so: a fresh one).
 */
export function isStale(db: SqliteDb, table: string): boolean {
  const indexes = indexesOf(db, table);
  const pkName = withoutRowid(db, table) ? indexes.find((i) => i.origin === 'pk')?.name : undefined;
  const rows = hasTable(db, 'sqlite_stat1')
    ? (db.prepare('SELECT idx, stat FROM sqlite_stat1 WHERE tbl = ? COLLATE NOCASE AND stat IS NOT NULL ORDER BY rowid').all(table) as StatRow[])
    : [];
  // As SQLite loads them: a table's size is the first number of its own row or of a full index's row, the last one read.
  let rowLogEst = DEFAULT_ROW_LOGEST;
  const analysed = new Set<string>();
  for (const row of rows) {
    const first = Number(/^\d+/.exec(row.stat)?.[0] ?? 0);
    if (row.idx === null) {
      rowLogEst = logEst(first);
      continue;
    }
    const name = row.idx.toLowerCase() === table.toLowerCase() && pkName ? pkName : row.idx;
    const index = indexes.find((i) => i.name.toLowerCase() === name.toLowerCase());
    if (!index) continue;
    analysed.add(index.name);
    if (!index.partial) rowLogEst = logEst(first);
  }
  if (indexes.some((i) => !analysed.has(i.name))) return db.prepare(`SELECT 1 FROM ${quoteId(table)} LIMIT 1`).get() !== undefined;
  const count = db.prepare(`SELECT count(*) FROM ${quoteId(table)}`).pluck().get() as number;
  const size = count === 0 ? -1 : logEst(count);
  const low = rowLogEst >= TENFOLD ? rowLogEst - TENFOLD : -1;
  return size < low || size > rowLogEst + TENFOLD;
}

/** The tables whose statistics should be computed again. */
export function staleTables(db: SqliteDb): string[] {
  return analysedTables(db).filter((t) => isStale(db, t));
}

/** ANALYZE's average for a prefix: N / D rounded up, kept at 1 when only just above it. */
function average(entries: number, distinct: number): number {
  const value = Math.floor((entries + distinct - 1) / distinct);
  return value === 2 && entries * 10 <= distinct * 11 ? 1 : value;
}

/** Called between statements of a scan; returning true abandons it. */
export type ShouldStop = () => boolean;

export class Stopped extends Error {
  constructor() {
    super('statistics scan stopped');
  }
}

/**
 * One index's stat1 row (null where ANALYZE writes none), read in its own
 * read transaction: one GROUP BY per key prefix, each reading the index in
 * order.
 */
function indexStatistics(db: SqliteDb, table: string, index: IndexInfo, stop: ShouldStop): string | null {
  const columns = db.prepare('SELECT cid, name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno').all(index.name) as {
    cid: number;
    name: string | null;
    coll: string;
  }[];
  const sql = index.partial || columns.some((c) => c.cid === -2) ? (db.prepare('SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?').pluck().get('index', index.name) as string) : null;
  const parsed = sql ? parseCreateIndex(sql) : null;
  const terms = columns.map((c, i) => `${c.cid === -2 ? `(${parsed!.terms[i]!})` : quoteId(c.name!)} COLLATE ${quoteId(c.coll)}`);
  const where = index.partial ? `WHERE (${parsed!.where}\n)` : '';
  const from = `FROM ${quoteId(table)} INDEXED BY ${quoteId(index.name)} ${where}`;
  // A unique index on NOT NULL columns: every entry is distinct on all of them (ANALYZE does not compare the last one either).
  const notNull = new Set(db.prepare('SELECT cid FROM pragma_table_xinfo(?) WHERE "notnull" = 1').pluck().all(table) as number[]);
  const allDistinct = index.unique && columns.every((c) => c.cid >= 0 && notNull.has(c.cid));
  const prefixes = allDistinct ? columns.length - 1 : columns.length;
  // One snapshot for all of the index's counts (a caller's transaction, if one is open, is that snapshot).
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    let entries = -1;
    const distinct: number[] = [];
    for (let k = 1; k <= prefixes; k++) {
      if (stop()) throw new Stopped();
      const row = db.prepare(`SELECT count(*) AS d, total(n) AS n FROM (SELECT count(*) AS n ${from} GROUP BY ${terms.slice(0, k).join(', ')})`).get() as {
        d: number;
        n: number;
      };
      entries = row.n;
      distinct.push(row.d);
    }
    if (entries < 0) {
      if (stop()) throw new Stopped();
      entries = db.prepare(`SELECT count(*) ${from}`).pluck().get() as number;
    }
    if (allDistinct) distinct.push(entries);
    if (entries === 0) return index.partial ? ['0', ...columns.map(() => '0')].join(' ') : null;
    return [entries, ...distinct.map((d) => average(entries, d))].join(' ');
  } finally {
    if (own) db.exec('COMMIT');
  }
}

/** The sqlite_stat1 rows `ANALYZE "main"."<table>"` would write (no analysis_limit; no sqlite_stat4 samples). */
export function tableStatistics(db: SqliteDb, table: string, stop: ShouldStop = () => false): StatRow[] {
  const indexes = indexesOf(db, table);
  const pk = withoutRowid(db, table);
  const rows: StatRow[] = [];
  for (const index of indexes) {
    const stat = indexStatistics(db, table, index, stop);
    if (stat !== null) rows.push({ idx: pk && index.origin === 'pk' ? table : index.name, stat });
  }
  if (indexes.every((i) => i.partial)) {
    if (stop()) throw new Stopped();
    const count = db.prepare(`SELECT count(*) FROM ${quoteId(table)}`).pluck().get() as number;
    if (count > 0) rows.push({ idx: null, stat: String(count) });
  }
  return rows;
}
