/** The list query behind the customer screens: filters, any sort, a page, and a capped total. */
import type { ListFilter, RecordKind } from '../../../src-shared/contract/customers';
import { WhileUnchanged } from '../db/unchanged';
import type { CallContext } from '../rpc/context';
import { TABLE, type Raw } from './repo';
import { partCondition, prefixEnd, textParts, trigramMatches, type TextCondition, type TextPart } from './search';
import { checkText } from './textcheck';
import { seesAll, visibleClause } from './visibility';

export const TOTAL_CAP = 10_001;
/**
 * Whether a filter matching `total` of `records` is read through the sort
 * index, each row checked against the filter, rather than through the
 * filter's own index with every match visited and sorted. Matches spread
 * over the sort order, the first reads about `need * records / total` rows
 * and the second `total`: the sort index wins above sqrt(need * records)
 * matches (1,600 of 50,000 records for a first page, 7,100 of a million).
 * Each row read costs a decrypted page once another connection's commit has
 * emptied the cache, so the rows read are what counts. A capped total means
 * more matches than it says, all of which the filter's index would visit.
 */
const readsSortIndex = (total: number, need: number, records: number) => total >= TOTAL_CAP || total * total > need * records;

/**
 * Sizes and costs that choose how a text-filtered list is read. Every choice
 * returns the same rows (tests set them to extremes to compare each way with
 * a check of every row); they only decide which costs least.
 */
export const textPlan = {
  /**
   * Up to this many candidates, they are visited (rowid lookups) and sorted.
   * With more, an index is read in order and each entry's rowid tested
   * against the candidates, so only rows that match are visited.
   */
  fewMatches: 1_000,
  /** Prefix ranges are counted up to this many records; parts to be intersected are listed up to this many. */
  hugeRange: 100_000,
  /**
   * Estimated µs to check one row in sort order against a trigram query (its
   * text read and compared, textcheck.ts), and to add one trigram match to a
   * set (measured at 1M records).
   */
  rowCost: 4,
  setCost: 0.15,
  /**
   * Estimated µs to test a prefix on the row of an index entry (a page read
   * after another connection's commit emptied the cache; about 1 µs when
   * cached), and to add one entry of a prefix range to a set (measured at 1M).
   */
  rowTestCost: 10,
  rangeSetCost: 0.25,
  /** Up to this many candidates, a total is counted by visiting them (rowid lookups in rowid order) rather than by reading an index. */
  countFromCandidates: 50_000,
  /** A word's matches outside the name range it starts may number this many for the page to be sorted from the two (`pageBySortPrefix`). */
  prefixRest: 500,
};

/** Scrolling or re-sorting a filtered list asks for the same text again: its index reads are kept while nothing changes. */
const recentText = new WhileUnchanged<TextPart[]>(64);
/**
 * Where the first match of a text-filtered list read along its sort index
 * sits, while nothing changes: the next pages (and the same page again) start
 * reading there instead of stepping over every entry before it. Only for sort
 * keys that are never NULL, so "at or after the first match" is one range.
 */
const firstMatch = new WhileUnchanged<(string | number)[]>(64);
const NOT_NULL_KEYS = new Set(['name_key', 'given_key', 'created_at', 'updated_at']);

const SORT_KEYS: Record<string, string[]> = {
  name: ['name_key'],
  company: ['company_key'],
  city: ['city'],
  industry: ['industry'],
  level: ['level'],
  title: ['title'],
  phone: ['phone_key'],
  email: ['email_key'],
  createdAt: ['created_at'],
  updatedAt: ['updated_at'],
};

/**
 * The columns a sort reads, in the order of its index. Contacts sort by name
 * then given name: their name index carries the given name key, so a short
 * word's given-name prefix is tested on the index entry (migration 0010).
 */
export function sortKeys(kind: RecordKind, sort: string): string[] {
  if (sort === 'name' && kind === 'contact') return ['name_key', 'given_key'];
  return SORT_KEYS[sort] ?? ['name_key'];
}

/** `ORDER BY` for the sort keys; rowid breaks ties, as it is the last column of every index (no extra sort step). */
const orderBy = (keys: string[], dir: 'ASC' | 'DESC') => [...keys.map((k) => `r.${k}`), 'r.rowid'].map((c) => `${c} ${dir}`).join(', ');

interface Where extends TextCondition {
  /** Conditions beyond "live and visible to the caller". */
  narrowed: boolean;
}

/**
 * The WHERE clause for a filter's fields other than text. With `sortIndex`
 * (the sort's key columns), filter columns are written as `+r.col` so SQLite
 * reads the sort index instead of theirs; a filter on the sort's first
 * column stays plain, as it bounds that index's read.
 */
export function whereClause(ctx: CallContext, kind: RecordKind, filter: ListFilter, sortIndex?: string[]): Where {
  const col = (name: string) => `${sortIndex && sortIndex[0] !== name ? '+' : ''}r.${name}`;
  const parts = ['r.deleted_at IS NULL'];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  const visible = visibleClause(ctx, 'r');
  add(visible.sql, ...visible.params);
  const base = parts.length;
  if (filter.ownerId !== undefined) {
    if (filter.ownerId === null) add(`${col('owner_id')} IS NULL`);
    else add(`${col('owner_id')} = ?`, filter.ownerId);
  }
  for (const tagId of filter.tagIds ?? []) {
    // A set of the tag's records, which SQLite can also start from (a rare tag); as EXISTS it was tested on every record.
    add(`${sortIndex ? '+' : ''}r.id IN (SELECT rt.record_id FROM record_tags rt WHERE rt.tag_id = ? AND rt.deleted_at IS NULL)`, tagId);
  }
  if (filter.categoryId) add(`${col('category_id')} = ?`, filter.categoryId);
  if (filter.province) add(`${col('province')} = ?`, filter.province);
  if (filter.city) add(`${col('city')} = ?`, filter.city);
  if (filter.industry) {
    if (kind === 'company') add(`${col('industry')} = ?`, filter.industry);
    else add(`${col('company_id')} IN (SELECT id FROM companies WHERE industry = ?)`, filter.industry);
  }
  if (filter.companyId && kind === 'contact') add(`${col('company_id')} = ?`, filter.companyId);
  if (filter.createdFrom !== undefined) add(`${col('created_at')} >= ?`, filter.createdFrom);
  if (filter.createdTo !== undefined) add(`${col('created_at')} < ?`, filter.createdTo);
  if (filter.updatedFrom !== undefined) add(`${col('updated_at')} >= ?`, filter.updatedFrom);
  if (filter.updatedTo !== undefined) add(`${col('updated_at')} < ?`, filter.updatedTo);
  return { sql: parts.join(' AND '), params, narrowed: parts.length > base };
}

/**
 * The index a total is counted on, for a caller who sees every record. Left
 * to itself, SQLite counts "every live record" (or "those of an owner who
 * owns them all", as its statistics tell) by reading the table's rows, wide
 * rows each read and decrypted, instead of a narrow live-rows index. The most
 * selective filter's index when there is one; the creation-date index (every
 * live record, small entries) otherwise.
 */
function countIndex(ctx: CallContext, kind: RecordKind, filter: ListFilter): string | null {
  // A tag's records are counted from the tag's own index.
  if (!seesAll(ctx) || (filter.tagIds?.length ?? 0) > 0) return null;
  const table = TABLE[kind];
  // A company's contacts, and the contacts of an industry's companies, through their company.
  if ((filter.companyId || filter.industry) && kind === 'contact') return 'contacts_company';
  if (filter.city) return `${table}_city`;
  if (filter.province) return `${table}_province`;
  if (filter.industry && kind === 'company') return 'companies_industry';
  if (filter.ownerId !== undefined) return `${table}_owner`;
  if (filter.updatedFrom !== undefined || filter.updatedTo !== undefined) return `${table}_updated`;
  return `${table}_created`;
}

const and = (...parts: (TextCondition | null)[]): TextCondition => {
  const list = parts.filter((p): p is TextCondition => p !== null);
  return { sql: list.map((p) => p.sql).join(' AND '), params: list.flatMap((p) => p.params) };
};

/** The share of records a part matches, as far as its index reads tell. */
function density(part: TextPart, records: number): number {
  const share = part.rowids
    ? part.rowids.length / records
    : part.ranges
      ? part.ranges.reduce((n, r) => n + r.count, 0) / records
      : TOTAL_CAP / Math.max(part.lastRead ?? records, TOTAL_CAP);
  return Math.min(1, Math.max(share, 1 / records));
}

/**
 * Whether a short word's prefix ranges on columns other than the index's are
 * tested on each entry's row (`walk`: how many entries the read is expected
 * to step over; 0 when it visits every row anyway) rather than as sets of
 * rowids built first: a dense word sorted by another column finds its page
 * within a few hundred rows, while its sets hold tens of thousands.
 */
function testsOnRow(part: TextPart, indexed: string[], walk: number): boolean {
  const setEntries = (part.ranges ?? []).filter((r) => !indexed.includes(r.column)).reduce((n, r) => n + r.count, 0);
  return walk * textPlan.rowTestCost < setEntries * textPlan.rangeSetCost;
}

interface TextWhere {
  matches: number | null;
  candidates: number | null;
  member: ((drive: boolean) => TextCondition) | null;
  /**
   * The conditions not covered by `member`, for a read expected to step over
   * `walk` entries: of the sort index, or (`onSortIndex` false) of a filter's
   * index, whose entries hold none of the text's columns.
   */
  check: (walk: number, onSortIndex?: boolean) => TextCondition | null;
  /** The estimated share of records matching the whole text. */
  density: number;
}

/**
 * The text filter as conditions on `r`, read from the indexes once. The
 * smallest part whose matches are all known becomes the candidate set (the
 * others are intersected into it when known, tested as conditions when not);
 * `matches` is how many records match, when known.
 */
function textWhere(kind: RecordKind, parts: TextPart[], sortColumns: string[], records: number): TextWhere {
  const known = parts.filter((p) => p.rowids !== null).sort((a, b) => a.rowids!.length - b.rowids!.length);
  const open = parts.filter((p) => p.rowids === null);
  const share = parts.reduce((d, p) => d * density(p, records), 1);
  const conditions = (list: TextPart[], walk: number, onSortIndex: boolean): TextCondition | null => {
    const indexed = onSortIndex ? sortColumns : [];
    return list.length === 0 ? null : and(...list.map((p) => partCondition(kind, p, indexed, testsOnRow(p, indexed, walk))));
  };
  const nonEmpty = (c: TextCondition | null) => (c?.sql ? c : null);
  if (known.length === 0)
    return { matches: null, candidates: null, member: null, check: (walk, onSortIndex = true) => nonEmpty(conditions(open, walk, onSortIndex)), density: share };
  let rowids = known[0]!.rowids!;
  for (const other of known.slice(1)) {
    const set = new Set(other.rowids);
    rowids = rowids.filter((k) => set.has(k));
  }
  // A short word found only through its prefixes on the sort index's columns (a surname sorted by name) is tested on its entries.
  const bounded = known.filter((p) => p.ranges?.every((r) => r.count === 0 || sortColumns.includes(r.column)));
  const check = (walk: number, onSortIndex = true) =>
    rowids.length > 0 ? nonEmpty(and(conditions(open, walk, onSortIndex), onSortIndex ? conditions(bounded, walk, true) : null)) : null;
  const json = rowids.length > textPlan.fewMatches ? JSON.stringify(rowids) : '';
  // `drive` lets SQLite start from the candidates (rowid lookups); otherwise it tests them on each index entry's rowid.
  const member = (drive: boolean): TextCondition =>
    json
      ? { sql: `${drive ? '' : '+'}r.rowid IN (SELECT value FROM json_each(?))`, params: [json] }
      : { sql: `r.rowid IN (${rowids.map(() => '?').join(',')})`, params: rowids };
  return { matches: open.length > 0 ? null : rowids.length, candidates: rowids.length, member, check, density: share };
}

export function listRows(
  ctx: CallContext,
  kind: RecordKind,
  input: { filter: ListFilter; sort: string; dir: 'asc' | 'desc'; offset: number; limit: number },
): { rows: Raw[]; total: number } {
  const table = TABLE[kind];
  const keys = sortKeys(kind, input.sort);
  const count = (where: TextCondition, index: string | null = null) =>
    (
      ctx.db
        .prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} r ${index ? `INDEXED BY ${index}` : ''} WHERE ${where.sql} LIMIT ${TOTAL_CAP})`)
        .get(...where.params) as { n: number }
    ).n;
  const q = input.filter.q;
  const parts = q ? recentText.remember(ctx.db, `${kind}\u0000${q}`, () => textParts(ctx.db, kind, q, TOTAL_CAP, textPlan.hugeRange)) : [];
  const indexed = whereClause(ctx, kind, input.filter);
  let page: TextCondition;
  let total: number;
  let scanKey: string | null = null;
  const records = Math.max(1, (ctx.db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() as number | null) ?? 1);
  const need = input.offset + input.limit;
  // The filter's index, when the page is read through it (SQLite's statistics may call a filter unselective that the count found selective).
  let pageIndex: string | null = null;
  const filterIndex = countIndex(ctx, kind, input.filter);
  if (parts.length === 0) {
    total = count(indexed, filterIndex);
    if (total === 0) return { rows: [], total: 0 };
    if (readsSortIndex(total, need, records)) page = whereClause(ctx, kind, input.filter, keys);
    else {
      page = indexed;
      pageIndex = filterIndex;
    }
  } else {
    const text = textWhere(kind, parts, keys, records);
    if (text.matches === 0) return { rows: [], total: 0 };
    // Entries a read steps over: none beyond the rows it visits when the candidates drive it; for a total, until the cap of matches.
    const visiting = 0;
    const counting = Math.min(records, TOTAL_CAP / text.density);
    const few = text.candidates !== null && text.candidates <= textPlan.fewMatches;
    const unindexed = whereClause(ctx, kind, input.filter, keys);
    const member = (drive: boolean) => text.member?.(drive) ?? null;
    // Every match is a live record (deleted ones leave the indexes): without other conditions, the matches are the total.
    const plain = !indexed.narrowed && seesAll(ctx);
    if (plain && text.matches !== null) total = Math.min(text.matches, TOTAL_CAP);
    else if (plain && parts.length === 1) total = TOTAL_CAP; // one part with at least the cap of matches
    else if (text.candidates !== null && text.candidates <= textPlan.countFromCandidates) total = count(and(unindexed, member(true), text.check(visiting)));
    else total = count(and(indexed, member(false), text.check(counting, filterIndex === null)), filterIndex);
    if (total === 0) return { rows: [], total: 0 };
    const split = plain && parts.length === 1 && !few ? pageBySortPrefix(ctx, kind, parts[0]!, keys, input) : null;
    if (split) return split;
    const checked = plain && parts.length === 1 ? pageByChecking(ctx, kind, parts[0]!, keys, input) : null;
    if (checked) return { rows: checked, total };
    if (few) page = and(unindexed, member(true), text.check(visiting));
    // The filter's index holds about `total / density` entries.
    else if (indexed.narrowed && !readsSortIndex(total, need, records)) {
      page = and(indexed, member(false), text.check(total / text.density, filterIndex === null));
      pageIndex = filterIndex;
    }
    else {
      page = and(unindexed, member(false), text.check(need / text.density));
      if (keys.every((k) => NOT_NULL_KEYS.has(k))) scanKey = JSON.stringify([kind, input.filter, keys, input.dir, ctx.session!.user.id, seesAll(ctx)]);
    }
  }
  const dir = input.dir === 'desc' ? 'DESC' : 'ASC';
  const start = scanKey ? firstMatch.get(ctx.db, scanKey) : undefined;
  if (start) page = and(page, { sql: `(${[...keys.map((k) => `r.${k}`), 'r.rowid'].join(', ')}) ${dir === 'ASC' ? '>=' : '<='} (${start.map(() => '?').join(', ')})`, params: start });
  const order = orderBy(keys, dir);
  const rows = ctx.db
    .prepare(`SELECT r.* FROM ${table} r ${pageIndex ? `INDEXED BY ${pageIndex}` : ''} WHERE ${page.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...page.params, input.limit, input.offset) as Raw[];
  if (scanKey && !start && input.offset === 0 && rows.length > 0) {
    const first = rows[0]!;
    const rowid = (ctx.db.prepare(`SELECT rowid FROM ${table} WHERE id = ?`).pluck().get(first.id) as number);
    firstMatch.set(ctx.db, scanKey, [...keys.map((k) => first[k] as string | number), rowid]);
  }
  return { rows, total };
}

/**
 * A page of a name-sorted list filtered by one word, when most of the word's
 * matches are names starting with it (a surname: "smith"). Those sit in one
 * range of the name index, already in order, which is read index-only; the
 * few matches elsewhere (the word inside an email, a given name) are sorted
 * with them. Reading the name index from its start instead would step over
 * every name before the word. Null when the word's matches are not mostly in
 * its range (the other ways are then cheaper), or the list is not plain.
 */
function pageBySortPrefix(
  ctx: CallContext,
  kind: RecordKind,
  part: TextPart,
  keys: string[],
  input: { dir: 'asc' | 'desc'; offset: number; limit: number },
): { rows: Raw[]; total: number } | null {
  if (part.prefix === undefined || part.words === undefined || keys[0] !== 'name_key') return null;
  const db = ctx.db;
  const table = TABLE[kind];
  const range = db
    .prepare(`SELECT r.rowid FROM ${table} r WHERE r.deleted_at IS NULL AND r.name_key >= ? AND r.name_key < ? ORDER BY ${orderBy(keys, 'ASC')} LIMIT ?`)
    .pluck()
    .all(part.prefix, prefixEnd(part.prefix), textPlan.hugeRange) as number[];
  if (range.length === 0 || range.length >= textPlan.hugeRange) return null;
  // Every match, unless there are more than the range and the allowed rest together (then the rest is too many).
  const most = range.length + textPlan.prefixRest;
  const matches = part.rowids ?? trigramMatches(db, kind, part.words!, most + 1);
  if (matches.length > most) return null;
  // Tens of thousands of rowids each: a byte per rowid (bit 1: in the range, bit 2: a match) beats two sets.
  let top = 0;
  for (const k of range) if (k > top) top = k;
  for (const k of matches) if (k > top) top = k;
  const seen = new Uint8Array(top + 1);
  for (const k of range) seen[k] = 1;
  const rest: number[] = [];
  for (const k of matches) {
    if (seen[k] === 0) rest.push(k);
    seen[k] = seen[k]! | 2;
  }
  if (rest.length > textPlan.prefixRest) return null;
  const ordered = range.filter((k) => seen[k] === 3);
  if (input.dir === 'desc') ordered.reverse();
  // The page is among the range's first matches in this order and the rest.
  const candidates = [...ordered.slice(0, input.offset + input.limit), ...rest];
  const dir = input.dir === 'desc' ? 'DESC' : 'ASC';
  const rows = db
    .prepare(`SELECT r.* FROM ${table} r WHERE r.rowid IN (SELECT value FROM json_each(?)) ORDER BY ${orderBy(keys, dir)} LIMIT ? OFFSET ?`)
    .all(JSON.stringify(candidates), input.limit, input.offset) as Raw[];
  return { rows, total: Math.min(matches.length, TOTAL_CAP) };
}

/**
 * A page for a trigram query matching a large share of the records, found by
 * reading the sort index in order and checking growing batches of rows'
 * text (textcheck.ts: the same answer as the real index), instead of building
 * the set of every match: a term in most records needs a few dozen rows for
 * a page, the set hundreds of thousands. Null when the set is the cheaper way.
 */
function pageByChecking(
  ctx: CallContext,
  kind: RecordKind,
  part: TextPart,
  keys: string[],
  input: { dir: 'asc' | 'desc'; offset: number; limit: number },
): Raw[] | null {
  if (part.words === undefined || part.rowids !== null) return null;
  const db = ctx.db;
  const table = TABLE[kind];
  const need = input.offset + input.limit;
  const records = db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() as number;
  // Matches in rowid order tell how dense they are overall; the rows read tell how dense they are where the page is.
  const density = TOTAL_CAP / Math.max(part.lastRead!, TOTAL_CAP);
  const setCost = density * records * textPlan.setCost;
  if ((need / density) * textPlan.rowCost > setCost) return null;
  const order = orderBy(keys, input.dir === 'desc' ? 'DESC' : 'ASC');
  const next = db.prepare(`SELECT r.rowid FROM ${table} r WHERE r.deleted_at IS NULL ORDER BY ${order} LIMIT ? OFFSET ?`).pluck();
  const found: number[] = [];
  for (let read = 0, batch = Math.min(256, Math.ceil((need / density) * 1.2)); found.length < need; batch *= 2) {
    const ids = next.all(batch, read) as number[];
    if (ids.length === 0) break;
    read += ids.length;
    const hits = new Set(checkText(db, kind, ids, part.words!));
    for (const id of ids) if (hits.has(id)) found.push(id);
    // Matches sparse here (clustered elsewhere in this order): the set is cheaper after all.
    if (found.length < need && ((need - found.length) * read * textPlan.rowCost) / Math.max(found.length, 1) > setCost) return null;
  }
  const ids = found.slice(input.offset, need);
  if (ids.length === 0) return [];
  return db.prepare(`SELECT r.* FROM ${table} r WHERE r.rowid IN (${ids.map(() => '?').join(',')}) ORDER BY ${order}`).all(...ids) as Raw[];
}

