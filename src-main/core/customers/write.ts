/** Turning validated contract input into stored columns, and keeping tags in step. */
import type { FieldError } from '../../../src-shared/errors';
import { recordTags, tags } from '../db/schema';
import type { Writer } from '../db/writer';
import type { CallContext } from '../rpc/context';
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';
import { fieldError } from '../rpc/errors';
import { collectPhoneErrors, nameKey, normalizeCompanyPhone, normalizeWebsite, phoneDigits, throwIfErrors } from './normalize';

type Input = Record<string, unknown>;

/** Fields stored as given (empty text becomes null). */
export const SIMPLE_COMPANY = ['name', 'industry', 'province', 'city', 'address', 'size', 'source', 'level', 'categoryId', 'ownerId', 'notes'] as const;
export const SIMPLE_CONTACT = [
  'familyName',
  'givenName',
  'title',
  'companyId',
  'province',
  'city',
  'address',
  'birthday',
  'source',
  'categoryId',
  'ownerId',
  'preferredChannel',
  'preferredLanguage',
  'preferences',
  'notes',
] as const;

const emptyToNull = (v: unknown) => (v === '' ? null : v);

function checkRefs(db: SqliteDb, input: Input, errors: FieldError[]): void {
  const exists = (table: string, id: unknown) =>
    typeof id !== 'string' || Boolean(cachedStatement(db, `SELECT 1 FROM ${table} WHERE id = ? AND deleted_at IS NULL`).get(id));
  if (!exists('users', input.ownerId)) errors.push({ path: 'ownerId', messageKey: 'validation.unknown_reference' });
  if (!exists('companies', input.companyId)) errors.push({ path: 'companyId', messageKey: 'validation.unknown_reference' });
  if (!exists('categories', input.categoryId)) errors.push({ path: 'categoryId', messageKey: 'validation.unknown_reference' });
  for (const [i, tagId] of ((input.tagIds as string[] | undefined) ?? []).entries()) {
    if (!exists('tags', tagId)) errors.push({ path: `tagIds.${i}`, messageKey: 'validation.unknown_reference' });
  }
}

/** Columns for a company insert or update (only the fields present in `input`). */
export function companyColumns(db: SqliteDb, input: Input): Record<string, unknown> {
  const errors: FieldError[] = [];
  checkRefs(db, input, errors);
  const out: Record<string, unknown> = {};
  for (const key of SIMPLE_COMPANY) if (key in input) out[key] = emptyToNull(input[key]);
  if ('name' in input) out.nameKey = nameKey(input.name as string);
  if ('phone' in input) out.phone = normalizeCompanyPhone(input.phone as string | null, errors);
  if ('website' in input) out.website = normalizeWebsite(input.website as string | null, errors);
  if ('custom' in input) out.custom = JSON.stringify(input.custom ?? {});
  throwIfErrors(errors);
  return out;
}

/** Columns for a contact insert or update; `current` supplies the name parts an update leaves alone. */
export function contactColumns(db: SqliteDb, input: Input, current?: Record<string, unknown>): Record<string, unknown> {
  const errors: FieldError[] = [];
  checkRefs(db, input, errors);
  const out: Record<string, unknown> = {};
  for (const key of SIMPLE_CONTACT) if (key in input) out[key] = emptyToNull(input[key]);
  if ('familyName' in input) out.familyName = input.familyName ?? '';
  if ('givenName' in input) out.givenName = input.givenName ?? '';
  if ('familyName' in input || 'givenName' in input) {
    const family = (out.familyName ?? current?.family_name ?? '') as string;
    const given = (out.givenName ?? current?.given_name ?? '') as string;
    if (!family && !given) errors.push({ path: 'familyName', messageKey: 'validation.name_required' });
    out.nameKey = nameKey(family, given);
    out.givenKey = nameKey(given);
  }
  if ('phones' in input) {
    const phones = collectPhoneErrors(input.phones as { label: string; number: string }[] | undefined, 'phones', errors) ?? [];
    out.phones = JSON.stringify(phones);
    out.phoneKey = phones[0] ? phoneDigits(phones[0].number) : null;
  }
  if ('emails' in input) {
    const emails = (input.emails as { label: string; address: string }[] | undefined) ?? [];
    out.emails = JSON.stringify(emails);
    out.emailKey = emails[0]?.address ?? null;
  }
  if ('ims' in input) out.ims = JSON.stringify(input.ims ?? []);
  if ('custom' in input) out.custom = JSON.stringify(input.custom ?? {});
  throwIfErrors(errors);
  return out;
}

/** Makes the record's live tags exactly `tagIds`. Link ids are `<tag>:<record>`, so re-tagging restores the old link. */
export function setTags(write: Writer, db: SqliteDb, recordId: string, tagIds: string[]): void {
  const wanted = new Set(tagIds);
  const links = cachedStatement(db, 'SELECT id, tag_id, deleted_at FROM record_tags WHERE record_id = ?').all(recordId) as {
    id: string;
    tag_id: string;
    deleted_at: number | null;
  }[];
  for (const link of links) {
    if (wanted.has(link.tag_id)) {
      if (link.deleted_at !== null) write.restore(recordTags, link.id);
      wanted.delete(link.tag_id);
    } else if (link.deleted_at === null) {
      write.softDelete(recordTags, link.id);
    }
  }
  for (const tagId of wanted) write.insertRaw(recordTags, { id: `${tagId}:${recordId}`, tagId, recordId });
}

export function addTags(write: Writer, db: SqliteDb, recordId: string, add: string[], remove: string[]): void {
  const current = (
    cachedStatement(db, 'SELECT tag_id FROM record_tags WHERE record_id = ? AND deleted_at IS NULL').all(recordId) as { tag_id: string }[]
  ).map((r) => r.tag_id);
  const next = new Set([...current, ...add]);
  for (const id of remove) next.delete(id);
  setTags(write, db, recordId, [...next]);
}

export function assertTagExists(ctx: CallContext, id: string): void {
  if (!ctx.write.get(tags, id)) throw fieldError('id', 'errors.NOT_FOUND');
}
