/** The list query behind the customer screens: filters, any sort, a page, and a capped total. */
import type { ListFilter, RecordKind } from '../../../src-shared/contract/customers';
import { WhileUnchanged } from '../db/unchanged';
import type { CallContext } from '../rpc/context';
import { TABLE, type Raw } from './repo';
import { partCondition, textParts, type TextCondition, type TextPart } from './search';
import { seesAll, visibleClause } from './visibility';

export const TOTAL_CAP = 10_001;
/**
 * Up to this many matching rows, a page is read through the filter's own
 * index and sorted (cheap); with more, the sort index is scanned and rows
 * checked against the filter, which finds a page within a few hundred rows.
 */
const SELECTIVE = 5_000;
/**
 * Up to this many records matching the text, they are visited (rowid
 * lookups) and sorted. With more, an index is read in order and each entry's
 * rowid tested against the set of matches, so only rows that match are
 * visited: a term matching a tenth of a million contacts costs a few hundred
 * index entries per page, not a hundred thousand rows.
 */
const FEW_MATCHES = 1_000;

/** Scrolling or re-sorting a filtered list asks for the same text again: its index reads are kept while nothing changes. */
const recentText = new WhileUnchanged<TextPart[]>(64);
/**
 * Where the first match of a text-filtered list read along its sort index
 * sits, while nothing changes: the next pages (and the same page again) start
 * reading there instead of stepping over every entry before it. Only for sort
 * keys that are never NULL, so "at or after the first match" is one range.
 */
const firstMatch = new WhileUnchanged<[string | number, number]>(64);
const NOT_NULL_SORTS = new Set(['r.name_key', 'r.created_at', 'r.updated_at']);

const SORT_SQL: Record<string, string> = {
  name: 'r.name_key',
  company: 'r.company_key',
  city: 'r.city',
  industry: 'r.industry',
  level: 'r.level',
  title: 'r.title',
  phone: 'r.phone_key',
  email: 'r.email_key',
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
};

interface Where extends TextCondition {
  /** Conditions beyond "live and visible to the caller". */
  narrowed: boolean;
}

/**
 * The WHERE clause for a filter's fields other than text. With
 * `useFilterIndexes` false, filter columns are written as `+r.col` so SQLite
 * reads the sort index instead of theirs.
 */
export function whereClause(ctx: CallContext, kind: RecordKind, filter: ListFilter, useFilterIndexes = true): Where {
  const p = useFilterIndexes ? '' : '+';
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
    if (filter.ownerId === null) add(`${p}r.owner_id IS NULL`);
    else add(`${p}r.owner_id = ?`, filter.ownerId);
  }
  for (const tagId of filter.tagIds ?? []) {
    add('EXISTS (SELECT 1 FROM record_tags rt WHERE rt.record_id = r.id AND rt.tag_id = ? AND rt.deleted_at IS NULL)', tagId);
  }
  if (filter.categoryId) add(`${p}r.category_id = ?`, filter.categoryId);
  if (filter.province) add(`${p}r.province = ?`, filter.province);
  if (filter.city) add(`${p}r.city = ?`, filter.city);
  if (filter.industry) {
    if (kind === 'company') add(`${p}r.industry = ?`, filter.industry);
    else add('r.company_id IN (SELECT id FROM companies WHERE industry = ?)', filter.industry);
  }
  if (filter.companyId && kind === 'contact') add(`${p}r.company_id = ?`, filter.companyId);
  if (filter.createdFrom !== undefined) add(`${p}r.created_at >= ?`, filter.createdFrom);
  if (filter.createdTo !== undefined) add(`${p}r.created_at < ?`, filter.createdTo);
  if (filter.updatedFrom !== undefined) add(`${p}r.updated_at >= ?`, filter.updatedFrom);
  if (filter.updatedTo !== undefined) add(`${p}r.updated_at < ?`, filter.updatedTo);
  return { sql: parts.join(' AND '), params, narrowed: parts.length > base };
}

const and = (...parts: (TextCondition | null)[]): TextCondition => {
  const list = parts.filter((p): p is TextCondition => p !== null);
  return { sql: list.map((p) => p.sql).join(' AND '), params: list.flatMap((p) => p.params) };
};

/**
 * The text filter as conditions on `r`, read from the indexes once. The
 * smallest part whose matches are all known becomes the candidate set (the
 * others are intersected into it when known, tested as conditions when not);
 * `matches` is how many records match, when known.
 */
function textWhere(kind: RecordKind, parts: TextPart[], sortColumn: string): { matches: number | null; candidates: number | null; drive: TextCondition | null; check: TextCondition | null } {
  const known = parts.filter((p) => p.rowids !== null).sort((a, b) => a.rowids!.length - b.rowids!.length);
  const open = parts.filter((p) => p.rowids === null);
  const conditions = (list: TextPart[]): TextCondition | null =>
    list.length === 0 ? null : and(...list.map((p) => partCondition(kind, p, sortColumn)));
  if (known.length === 0) return { matches: null, candidates: null, drive: null, check: conditions(open) };
  let rowids = known[0]!.rowids!;
  for (const other of known.slice(1)) {
    const set = new Set(other.rowids);
    rowids = rowids.filter((k) => set.has(k));
  }
  // A short word found only through its prefix on the sort key (a surname sorted by name) also bounds the sort index read.
  const bounded = known.filter((p) => p.ranges?.every((r) => r.count === 0 || r.column === sortColumn));
  const check = rowids.length > 0 ? and(conditions(open), ...bounded.map((p) => partCondition(kind, p, sortColumn))) : null;
  const drive =
    rowids.length <= FEW_MATCHES
      ? { sql: `r.rowid IN (${rowids.map(() => '?').join(',')})`, params: rowids }
      : { sql: '+r.rowid IN (SELECT value FROM json_each(?))', params: [JSON.stringify(rowids)] };
  return { matches: open.length > 0 ? null : rowids.length, candidates: rowids.length, drive, check: check?.sql ? check : null };
}

export function listRows(
  ctx: CallContext,
  kind: RecordKind,
  input: { filter: ListFilter; sort: string; dir: 'asc' | 'desc'; offset: number; limit: number },
): { rows: Raw[]; total: number } {
  const table = TABLE[kind];
  const sortColumn = SORT_SQL[input.sort] ?? 'r.name_key';
  const count = (where: TextCondition) =>
    (ctx.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} r WHERE ${where.sql} LIMIT ${TOTAL_CAP})`).get(...where.params) as { n: number }).n;
  const q = input.filter.q;
  const parts = q ? recentText.remember(ctx.db, `${kind}\u0000${q}`, () => textParts(ctx.db, kind, q, TOTAL_CAP)) : [];
  const indexed = whereClause(ctx, kind, input.filter);
  let page: TextCondition;
  let total: number;
  let scanKey: string | null = null;
  if (parts.length === 0) {
    total = count(indexed);
    page = total > SELECTIVE ? whereClause(ctx, kind, input.filter, false) : indexed;
  } else {
    const text = textWhere(kind, parts, sortColumn.slice(2));
    if (text.matches === 0) return { rows: [], total: 0 };
    const few = text.candidates !== null && text.candidates <= FEW_MATCHES;
    const unindexed = whereClause(ctx, kind, input.filter, false);
    // Every match is a live record (deleted ones leave the indexes): without other conditions, the matches are the total.
    const plain = !indexed.narrowed && seesAll(ctx);
    if (plain && text.matches !== null) total = Math.min(text.matches, TOTAL_CAP);
    else if (plain && parts.length === 1) total = TOTAL_CAP; // one part with at least the cap of matches
    else total = count(and(few ? unindexed : indexed, text.drive, text.check));
    if (total === 0) return { rows: [], total: 0 };
    if (few) page = and(unindexed, text.drive, text.check);
    else if (total <= SELECTIVE && indexed.narrowed) page = and(indexed, text.drive, text.check);
    else {
      page = and(unindexed, text.drive, text.check);
      if (NOT_NULL_SORTS.has(sortColumn)) scanKey = JSON.stringify([kind, input.filter, sortColumn, input.dir, ctx.session!.user.id, seesAll(ctx)]);
    }
  }
  const dir = input.dir === 'desc' ? 'DESC' : 'ASC';
  const start = scanKey ? firstMatch.get(ctx.db, scanKey) : undefined;
  if (start) page = and(page, { sql: `(${sortColumn}, r.rowid) ${dir === 'ASC' ? '>=' : '<='} (?, ?)`, params: start });
  // rowid breaks ties: it is the order inside every index, so no extra sort step.
  const order = `${sortColumn} ${dir}, r.rowid ${dir}`;
  const rows = ctx.db
    .prepare(`SELECT r.* FROM ${table} r WHERE ${page.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...page.params, input.limit, input.offset) as Raw[];
  if (scanKey && !start && input.offset === 0 && rows.length > 0) {
    const first = rows[0]!;
    const rowid = (ctx.db.prepare(`SELECT rowid FROM ${table} WHERE id = ?`).pluck().get(first.id) as number);
    firstMatch.set(ctx.db, scanKey, [first[sortColumn.slice(2)] as string | number, rowid]);
  }
  return { rows, total };
}
