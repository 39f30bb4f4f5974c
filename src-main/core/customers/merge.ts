/**
 * Merging two records: the kept one takes the field values the user picked
 * from the other, gains its tags, notes and (for companies) contacts; the
 * other is marked `merged_into` and deleted, so its history stays readable on
 * the kept record's timeline.
 */
import type { RecordKind } from '../../../src-shared/contract/customers';
import { companies, contacts, notes } from '../db/schema';
import { cachedStatement, tableInfo } from '../db/writer';
import type { CallContext } from '../rpc/context';
import { fieldError } from '../rpc/errors';
import { nameKey } from './normalize';
import type { Raw } from './repo';
import { addTags, SIMPLE_COMPANY, SIMPLE_CONTACT } from './write';

/** Fields a merge may take from the merged record, with the derived columns that travel with them. */
const DERIVED: Record<string, string[]> = {
  name: ['name', 'nameKey'],
  familyName: ['familyName', 'nameKey', 'givenKey'],
  givenName: ['givenName', 'nameKey', 'givenKey'],
  phones: ['phones', 'phoneKey'],
  emails: ['emails', 'emailKey'],
};
const mergeable = (fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, DERIVED[f] ?? [f]]));
const MERGEABLE: Record<RecordKind, Record<string, string[]>> = {
  company: mergeable([...SIMPLE_COMPANY, 'website', 'phone', 'custom']),
  contact: mergeable([...SIMPLE_CONTACT, 'phones', 'emails', 'ims', 'custom']),
};

export function mergeRecords(ctx: CallContext, kind: RecordKind, keep: Raw, merge: Raw, takeFromMerged: string[]): void {
  const table = kind === 'company' ? companies : contacts;
  const info = tableInfo(table);
  const patch: Record<string, unknown> = {};
  for (const [i, field] of takeFromMerged.entries()) {
    const columns = MERGEABLE[kind][field];
    if (!columns) throw fieldError(`takeFromMerged.${i}`, 'validation.invalid_value');
    for (const key of columns) {
      const col = info.byKey.get(key)!;
      patch[key] = col.column.mapFromDriverValue(merge[col.name]);
    }
  }
  if (kind === 'contact' && (patch.familyName !== undefined || patch.givenName !== undefined)) {
    // Name keys follow the combined name.
    const family = (patch.familyName ?? keep.family_name) as string;
    const given = (patch.givenName ?? keep.given_name) as string;
    patch.nameKey = nameKey(family, given);
    patch.givenKey = nameKey(given);
  }
  const keepId = keep.id as string;
  const mergeId = merge.id as string;
  if (Object.keys(patch).length > 0) ctx.write.update(table, keepId, patch);

  const mergedTags = (
    cachedStatement(ctx.db, 'SELECT tag_id FROM record_tags WHERE record_id = ? AND deleted_at IS NULL').all(mergeId) as { tag_id: string }[]
  ).map((r) => r.tag_id);
  if (mergedTags.length > 0) addTags(ctx.write, ctx.db, keepId, mergedTags, []);
  for (const note of cachedStatement(ctx.db, 'SELECT id FROM notes WHERE record_id = ? AND deleted_at IS NULL').all(mergeId) as { id: string }[]) {
    ctx.write.update(notes, note.id, { recordId: keepId });
  }
  if (kind === 'company') {
    for (const c of cachedStatement(ctx.db, 'SELECT id FROM contacts WHERE company_id = ?').all(mergeId) as { id: string }[]) {
      ctx.write.update(contacts, c.id, { companyId: keepId });
    }
  }
  ctx.write.update(table, mergeId, { mergedInto: keepId, deletedAt: ctx.services.now() });
}
