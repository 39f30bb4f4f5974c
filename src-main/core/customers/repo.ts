/** Reading customer rows and turning them into the contract's shapes, with related data loaded in batches. */
import type { Company, Contact, RecordKind } from '../../../src-shared/contract/customers';
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';

export type Raw = Record<string, unknown>;

export const TABLE: Record<RecordKind, 'companies' | 'contacts'> = { company: 'companies', contact: 'contacts' };

function inList(db: SqliteDb, sql: (placeholders: string) => string, ids: string[]): Raw[] {
  if (ids.length === 0) return [];
  const out: Raw[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...(db.prepare(sql(chunk.map(() => '?').join(','))).all(...chunk) as Raw[]));
  }
  return out;
}

function tagsByRecord(db: SqliteDb, ids: string[]): Map<string, { id: string; name: string; color: string }[]> {
  const rows = inList(
    db,
    (ph) => `SELECT rt.record_id, t.id, t.name, t.color FROM record_tags rt JOIN tags t ON t.id = rt.tag_id
             WHERE rt.record_id IN (${ph}) AND rt.deleted_at IS NULL AND t.deleted_at IS NULL ORDER BY t.name`,
    ids,
  );
  const map = new Map<string, { id: string; name: string; color: string }[]>();
  for (const r of rows) {
    const list = map.get(r.record_id as string) ?? [];
    list.push({ id: r.id as string, name: r.name as string, color: r.color as string });
    map.set(r.record_id as string, list);
  }
  return map;
}

function usersById(db: SqliteDb, ids: (string | null)[]): Map<string, string> {
  const unique = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  const rows = inList(db, (ph) => `SELECT id, display_name FROM users WHERE id IN (${ph})`, unique);
  return new Map(rows.map((r) => [r.id as string, r.display_name as string]));
}

const ref = (users: Map<string, string>, id: unknown) =>
  typeof id === 'string' && users.has(id) ? { id, displayName: users.get(id)! } : null;

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export function toCompanies(db: SqliteDb, rows: Raw[]): Company[] {
  const ids = rows.map((r) => r.id as string);
  const tags = tagsByRecord(db, ids);
  const users = usersById(db, rows.map((r) => r.owner_id as string | null));
  const counts = new Map(
    inList(
      db,
      (ph) => `SELECT company_id, count(*) AS n FROM contacts WHERE company_id IN (${ph}) AND deleted_at IS NULL GROUP BY company_id`,
      ids,
    ).map((r) => [r.company_id as string, r.n as number]),
  );
  return rows.map((r) => ({
    id: r.id as string,
    name: r.name as string,
    industry: str(r.industry),
    province: str(r.province),
    city: str(r.city),
    address: str(r.address),
    website: str(r.website),
    phone: str(r.phone),
    size: str(r.size),
    source: str(r.source),
    level: str(r.level),
    categoryId: str(r.category_id),
    ownerId: str(r.owner_id),
    owner: ref(users, r.owner_id),
    notes: str(r.notes),
    custom: JSON.parse((r.custom as string) || '{}'),
    tags: tags.get(r.id as string) ?? [],
    contactCount: counts.get(r.id as string) ?? 0,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    deletedAt: (r.deleted_at as number | null) ?? null,
  }));
}

export function toContacts(db: SqliteDb, rows: Raw[]): Contact[] {
  const ids = rows.map((r) => r.id as string);
  const tags = tagsByRecord(db, ids);
  const users = usersById(db, rows.map((r) => r.owner_id as string | null));
  const companyIds = [...new Set(rows.map((r) => r.company_id).filter((x): x is string => typeof x === 'string'))];
  const companies = new Map(
    inList(db, (ph) => `SELECT id, name FROM companies WHERE id IN (${ph})`, companyIds).map((r) => [r.id as string, r.name as string]),
  );
  return rows.map((r) => ({
    id: r.id as string,
    familyName: r.family_name as string,
    givenName: r.given_name as string,
    title: str(r.title),
    companyId: str(r.company_id),
    companyName: typeof r.company_id === 'string' ? (companies.get(r.company_id) ?? null) : null,
    phones: JSON.parse(r.phones as string),
    emails: JSON.parse(r.emails as string),
    ims: JSON.parse(r.ims as string),
    province: str(r.province),
    city: str(r.city),
    address: str(r.address),
    birthday: str(r.birthday),
    source: str(r.source),
    categoryId: str(r.category_id),
    ownerId: str(r.owner_id),
    owner: ref(users, r.owner_id),
    preferredChannel: str(r.preferred_channel),
    preferredLanguage: str(r.preferred_language),
    preferences: str(r.preferences),
    notes: str(r.notes),
    custom: JSON.parse((r.custom as string) || '{}'),
    tags: tags.get(r.id as string) ?? [],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    deletedAt: (r.deleted_at as number | null) ?? null,
  }));
}

export function rawById(db: SqliteDb, kind: RecordKind, id: string): Raw | null {
  return (cachedStatement(db, `SELECT * FROM ${TABLE[kind]} WHERE id = ?`).get(id) as Raw | undefined) ?? null;
}

/** A contact's display name: 张三 in Chinese order, "Wei Li" for Latin names. */
export function displayName(family: string, given: string): string {
  if (!family || !given) return family || given;
  return /[\u3400-\u9fff]/.test(family + given) ? `${family}${given}` : `${given} ${family}`;
}
