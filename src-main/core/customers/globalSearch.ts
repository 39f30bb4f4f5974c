/**
 * The header search and command palette: companies and contacts by name,
 * phone, email, company and tag, grouped by kind.
 */
import type { CallContext } from '../rpc/context';
import { displayName, type Raw } from './repo';
import { textCondition } from './search';
import { visibleClause } from './visibility';

interface Hit {
  kind: 'company' | 'contact';
  id: string;
  title: string;
  subtitle: string | null;
}

export function globalSearch(ctx: CallContext, q: string, limit: number): { companies: Hit[]; contacts: Hit[] } {
  const db = ctx.db;
  const visible = visibleClause(ctx, 'r');
  const term = q.normalize('NFKC').trim().toLowerCase();
  // Tags whose name contains the term (a small table): their records are hits too.
  const tagIds = (db.prepare("SELECT id FROM tags WHERE deleted_at IS NULL AND lower(name) LIKE ? ESCAPE '\\'").all(`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { id: string }[]).map((t) => t.id);
  const tagged = (kind: string) =>
    tagIds.length === 0
      ? null
      : {
          sql: `r.id IN (SELECT rt.record_id FROM record_tags rt WHERE rt.deleted_at IS NULL AND rt.tag_id IN (${tagIds.map(() => '?').join(',')}))`,
          params: tagIds,
          kind,
        };

  const run = (table: string, cond: { sql: string; params: unknown[] } | null, max: number, exclude: Set<string>): Raw[] => {
    if (!cond || max <= 0) return [];
    const rows = db
      .prepare(`SELECT r.* FROM ${table} r WHERE r.deleted_at IS NULL AND ${visible.sql} AND ${cond.sql} ORDER BY r.name_key LIMIT ?`)
      .all(...visible.params, ...cond.params, max + exclude.size) as Raw[];
    return rows.filter((r) => !exclude.has(r.id as string)).slice(0, max);
  };

  const companyRows: Raw[] = [];
  const seenCompanies = new Set<string>();
  for (const cond of [textCondition('company', 'r', q), tagged('company')]) {
    for (const r of run('companies', cond, limit - companyRows.length, seenCompanies)) {
      companyRows.push(r);
      seenCompanies.add(r.id as string);
    }
  }
  // Short terms inside a company name (贸易 in 海港贸易): a bounded scan of the company names.
  if ([...term].length < 3 && companyRows.length < limit) {
    const scan = { sql: "instr(r.name_key, ?) > 0", params: [term.replace(/\s+/g, '')] };
    for (const r of run('companies', scan, limit - companyRows.length, seenCompanies)) {
      companyRows.push(r);
      seenCompanies.add(r.id as string);
    }
  }

  const contactRows: Raw[] = [];
  const seenContacts = new Set<string>();
  const byCompany =
    companyRows.length === 0
      ? null
      : { sql: `r.company_id IN (${companyRows.map(() => '?').join(',')})`, params: companyRows.map((c) => c.id) };
  for (const cond of [textCondition('contact', 'r', q), tagged('contact'), byCompany]) {
    for (const r of run('contacts', cond, limit - contactRows.length, seenContacts)) {
      contactRows.push(r);
      seenContacts.add(r.id as string);
    }
  }

  const companyNames = new Map<string, string>();
  const ids = [...new Set(contactRows.map((c) => c.company_id).filter((x): x is string => typeof x === 'string'))];
  if (ids.length) {
    for (const r of db.prepare(`SELECT id, name FROM companies WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as { id: string; name: string }[]) {
      companyNames.set(r.id, r.name);
    }
  }
  return {
    companies: companyRows.map((r) => ({
      kind: 'company',
      id: r.id as string,
      title: r.name as string,
      subtitle: [r.city, r.industry].filter(Boolean).join(' · ') || null,
    })),
    contacts: contactRows.map((r) => {
      const phones = JSON.parse(r.phones as string) as { number: string }[];
      const emails = JSON.parse(r.emails as string) as { address: string }[];
      return {
        kind: 'contact',
        id: r.id as string,
        title: displayName(r.family_name as string, r.given_name as string),
        subtitle:
          [typeof r.company_id === 'string' ? companyNames.get(r.company_id) : null, phones[0]?.number, emails[0]?.address].filter(Boolean).join(' · ') || null,
      };
    }),
  };
}
