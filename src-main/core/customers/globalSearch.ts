/**
 * The header search and command palette: companies and contacts by name,
 * phone, email, company and tag, grouped by kind. Every path reads an index
 * and stops after `limit` hits, so common terms cost no more than rare ones.
 */
import type { CallContext } from '../rpc/context';
import { displayName, type Raw } from './repo';
import { candidateRowids, searchWords, shortWordsCondition } from './search';
import { visibleClause } from './visibility';

interface Hit {
  kind: 'company' | 'contact';
  id: string;
  title: string;
  subtitle: string | null;
}

type Cond = { sql: string; params: unknown[] } | null;

export function globalSearch(ctx: CallContext, q: string, limit: number): { companies: Hit[]; contacts: Hit[] } {
  const db = ctx.db;
  const visible = visibleClause(ctx, 'r');
  const term = q.normalize('NFKC').trim().toLowerCase();
  const hasLongWord = searchWords(q).some((w) => [...w].length >= 3);

  const collect = (kind: 'company' | 'contact', conditions: (() => Cond)[]): Raw[] => {
    const table = kind === 'company' ? 'companies' : 'contacts';
    const out: Raw[] = [];
    const seen = new Set<string>();
    for (const make of conditions) {
      if (out.length >= limit) break;
      const cond = make();
      if (!cond) continue;
      const rows = db
        .prepare(`SELECT r.* FROM ${table} r WHERE r.deleted_at IS NULL AND ${visible.sql} AND ${cond.sql} LIMIT ?`)
        .all(...visible.params, ...cond.params, limit + seen.size) as Raw[];
      for (const r of rows) {
        if (out.length >= limit || seen.has(r.id as string)) continue;
        seen.add(r.id as string);
        out.push(r);
      }
    }
    return out;
  };

  /** Text matches: index candidates (trigram matches narrowed by short words, or prefix ranges). */
  const text = (kind: 'company' | 'contact') => (): Cond => {
    const rowids = candidateRowids(db, kind, q, 200);
    if (rowids.length === 0) return null;
    const short = hasLongWord ? shortWordsCondition(kind, 'r', q) : null;
    return {
      sql: `r.rowid IN (${rowids.map(() => '?').join(',')})${short ? ` AND ${short.sql}` : ''}`,
      params: [...rowids, ...(short?.params ?? [])],
    };
  };
  // Tags whose name contains the term (a small table): their records are hits too.
  const tagIds = (
    db.prepare("SELECT id FROM tags WHERE deleted_at IS NULL AND instr(lower(name), ?) > 0").all(term) as { id: string }[]
  ).map((t) => t.id);
  const tagged = (): Cond =>
    tagIds.length === 0
      ? null
      : {
          sql: `r.id IN (SELECT rt.record_id FROM record_tags rt WHERE rt.deleted_at IS NULL AND rt.tag_id IN (${tagIds.map(() => '?').join(',')}) LIMIT ${limit * 4})`,
          params: tagIds,
        };
  // Short terms inside a company name (贸易 in 海港贸易): the first matches in table order, found by reading the
  // small owner/name index rather than the table, so a term no name contains costs an index scan, not a table scan.
  const insideCompanyName = (): Cond => {
    if ([...term].length >= 3) return null;
    const visibleHere = visibleClause(ctx, 'o');
    return {
      sql: `r.rowid IN (SELECT o.rowid FROM companies o INDEXED BY companies_owner
              WHERE o.deleted_at IS NULL AND ${visibleHere.sql} AND instr(o.name_key, ?) > 0 ORDER BY o.rowid LIMIT ?)`,
      params: [...visibleHere.params, term.replace(/\s+/g, ''), limit * 2],
    };
  };

  const companyRows = collect('company', [text('company'), tagged, insideCompanyName]);
  const byCompany = (): Cond =>
    companyRows.length === 0 ? null : { sql: `r.company_id IN (${companyRows.map(() => '?').join(',')})`, params: companyRows.map((c) => c.id) };
  const contactRows = collect('contact', [text('contact'), tagged, byCompany]);

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
          [typeof r.company_id === 'string' ? companyNames.get(r.company_id) : null, phones[0]?.number, emails[0]?.address].filter(Boolean).join(' · ') ||
          null,
      };
    }),
  };
}
