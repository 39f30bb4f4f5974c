/** The list query behind the customer screens: filters, any sort, a page, and a capped total. */
import type { ListFilter, RecordKind } from '../../../src-shared/contract/customers';
import type { CallContext } from '../rpc/context';
import { TABLE, type Raw } from './repo';
import { ftsCandidates, ftsQuery, prefixCandidates, shortWordsCondition, textCondition } from './search';
import { visibleClause } from './visibility';

export const TOTAL_CAP = 10_001;
/**
 * Up to this many matching rows, a page is read through the filter's own
 * index and sorted (cheap); with more, the sort index is scanned and rows
 * checked against the filter, which finds a page within a few hundred rows.
 */
const SELECTIVE = 5_000;

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

interface Where {
  sql: string;
  params: unknown[];
  /** The text matched too many records for an id list (see textFilter). */
  broadText?: boolean;
}

/**
 * The WHERE clause for a filter. With `useFilterIndexes` false, filter columns
 * are written as `+r.col` so SQLite reads the sort index instead of theirs.
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
  let broadText = false;
  if (filter.q) {
    const text = textFilter(ctx, kind, filter.q, useFilterIndexes);
    broadText = Boolean(text.broadText);
    add(text.sql, ...text.params);
  }
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
  return { sql: parts.join(' AND '), params, broadText };
}

/**
 * Text first collects matching ids from an index (search index for long
 * words, name/email/phone prefixes for short ones) without sorting; a set of
 * up to SELECTIVE ids becomes an `IN` list. Only terms matching more fall back
 * to the general condition.
 */
function textFilter(ctx: CallContext, kind: RecordKind, q: string, useIndexes: boolean): Where {
  const fts = ftsQuery(q);
  let ids: string[] | null;
  if (fts) {
    ids = ftsCandidates(ctx.db, kind, fts, SELECTIVE + 1);
  } else {
    const prefixed = prefixCandidates(ctx.db, kind, q, SELECTIVE + 1);
    ids = prefixed?.complete ? prefixed.ids : null;
  }
  if (ids === null || ids.length > SELECTIVE) {
    return { ...(textCondition(kind, 'r', q, useIndexes) ?? { sql: '1', params: [] }), broadText: true };
  }
  if (ids.length === 0) return { sql: '0', params: [] };
  const short = fts ? shortWordsCondition(kind, 'r', q) : null;
  return {
    sql: `r.id IN (${ids.map(() => '?').join(',')})${short ? ` AND ${short.sql}` : ''}`,
    params: [...ids, ...(short?.params ?? [])],
  };
}

export function listRows(
  ctx: CallContext,
  kind: RecordKind,
  input: { filter: ListFilter; sort: string; dir: 'asc' | 'desc'; offset: number; limit: number },
): { rows: Raw[]; total: number } {
  const table = TABLE[kind];
  let where = whereClause(ctx, kind, input.filter);
  // A broad text match is cheaper to count by scanning than by collecting every match from the indexes.
  if (where.broadText) where = whereClause(ctx, kind, input.filter, false);
  const total = (
    ctx.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} r WHERE ${where.sql} LIMIT ${TOTAL_CAP})`).get(...where.params) as { n: number }
  ).n;
  const page = total > SELECTIVE ? whereClause(ctx, kind, input.filter, false) : where;
  const dir = input.dir === 'desc' ? 'DESC' : 'ASC';
  // rowid breaks ties: it is the order inside every index, so no extra sort step.
  const order = `${SORT_SQL[input.sort] ?? 'r.name_key'} ${dir}, r.rowid ${dir}`;
  const rows = ctx.db
    .prepare(`SELECT r.* FROM ${table} r WHERE ${page.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...page.params, input.limit, input.offset) as Raw[];
  return { rows, total };
}
