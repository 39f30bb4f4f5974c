/** The list query behind the customer screens: filters, any sort, a page, and a capped total. */
import type { ListFilter, RecordKind } from '../../../src-shared/contract/customers';
import type { CallContext } from '../rpc/context';
import { TABLE, type Raw } from './repo';
import { textCondition } from './search';
import { visibleClause } from './visibility';

export const TOTAL_CAP = 10_001;

const SORT_SQL: Record<string, string> = {
  name: 'r.name_key',
  company: 'co.name_key',
  city: 'r.city',
  industry: 'r.industry',
  level: 'r.level',
  title: 'r.title',
  phone: 'r.phone_key',
  email: 'r.email_key',
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
};

export function whereClause(ctx: CallContext, kind: RecordKind, filter: ListFilter): { sql: string; params: unknown[] } {
  const parts = ['r.deleted_at IS NULL'];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  const visible = visibleClause(ctx, 'r');
  add(visible.sql, ...visible.params);
  if (filter.q) {
    const text = textCondition(kind, 'r', filter.q);
    if (text) add(text.sql, ...text.params);
  }
  if (filter.ownerId !== undefined) {
    if (filter.ownerId === null) add('r.owner_id IS NULL');
    else add('r.owner_id = ?', filter.ownerId);
  }
  for (const tagId of filter.tagIds ?? []) {
    add('EXISTS (SELECT 1 FROM record_tags rt WHERE rt.record_id = r.id AND rt.tag_id = ? AND rt.deleted_at IS NULL)', tagId);
  }
  if (filter.categoryId) add('r.category_id = ?', filter.categoryId);
  if (filter.province) add('r.province = ?', filter.province);
  if (filter.city) add('r.city = ?', filter.city);
  if (filter.industry) {
    if (kind === 'company') add('r.industry = ?', filter.industry);
    else add('r.company_id IN (SELECT id FROM companies WHERE industry = ?)', filter.industry);
  }
  if (filter.companyId && kind === 'contact') add('r.company_id = ?', filter.companyId);
  if (filter.createdFrom !== undefined) add('r.created_at >= ?', filter.createdFrom);
  if (filter.createdTo !== undefined) add('r.created_at < ?', filter.createdTo);
  if (filter.updatedFrom !== undefined) add('r.updated_at >= ?', filter.updatedFrom);
  if (filter.updatedTo !== undefined) add('r.updated_at < ?', filter.updatedTo);
  return { sql: parts.join(' AND '), params };
}

export function listRows(
  ctx: CallContext,
  kind: RecordKind,
  input: { filter: ListFilter; sort: string; dir: 'asc' | 'desc'; offset: number; limit: number },
): { rows: Raw[]; total: number } {
  const where = whereClause(ctx, kind, input.filter);
  const table = TABLE[kind];
  const join = input.sort === 'company' ? 'LEFT JOIN companies co ON co.id = r.company_id' : '';
  const dir = input.dir === 'desc' ? 'DESC' : 'ASC';
  const order = `${SORT_SQL[input.sort] ?? 'r.name_key'} ${dir}, r.id ${dir}`;
  const rows = ctx.db
    .prepare(`SELECT r.* FROM ${table} r ${join} WHERE ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...where.params, input.limit, input.offset) as Raw[];
  const total = (
    ctx.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} r WHERE ${where.sql} LIMIT ${TOTAL_CAP})`).get(...where.params) as {
      n: number;
    }
  ).n;
  return { rows, total };
}
