import type { Language } from '../../../src-shared/contract';
import type { RecordKind } from '../../../src-shared/contract/customers';
import { HarborError } from '../../../src-shared/errors';
import { categories, companies, contacts, notes, recordTags, savedViews, tags } from '../db/schema';
import { cachedStatement } from '../db/writer';
import type { CallContext, HandlerGroup } from '../rpc/context';
import { fieldError } from '../rpc/errors';
import { readSettings } from '../system/settings';
import { toCsv } from './csv';
import { findDuplicates, type Candidate } from './duplicates';
import { listRows } from './list';
import { mergeRecords } from './merge';
import { displayName, rawById, TABLE, toCompanies, toContacts, type Raw } from './repo';
import { globalSearch } from './globalSearch';
import { timeline } from './timeline';
import { assertVisible, visibleClause } from './visibility';
import { addTags, companyColumns, contactColumns, setTags } from './write';

const RECYCLE_DAYS = 30;
/** What a new contact starts from before its input is applied. */
const NEW_CONTACT = { familyName: '', givenName: '', phones: [], emails: [], ims: [] };
const DAY = 24 * 60 * 60 * 1000;

function tableOf(kind: RecordKind) {
  return kind === 'company' ? companies : contacts;
}

/** The live (not deleted) record the caller may see, or NOT_FOUND. */
function visibleRaw(ctx: CallContext, kind: RecordKind, id: string, { deleted = false } = {}): Raw {
  const raw = rawById(ctx.db, kind, id);
  if (!raw || (raw.deleted_at !== null) !== deleted) throw new HarborError('NOT_FOUND');
  assertVisible(ctx, raw.owner_id as string | null);
  return raw;
}

function candidateOf(kind: RecordKind, input: Record<string, unknown>, excludeId?: string): Candidate {
  if (kind === 'company') return { excludeId, name: input.name as string, phones: input.phone ? [input.phone as string] : [] };
  return {
    excludeId,
    familyName: input.familyName as string,
    givenName: input.givenName as string,
    companyId: input.companyId as string | null,
    emails: ((input.emails as { address: string }[] | undefined) ?? []).map((e) => e.address),
    phones: ((input.phones as { number: string }[] | undefined) ?? []).map((p) => p.number),
  };
}

function getCompany(ctx: CallContext, id: string) {
  return toCompanies(ctx.db, [visibleRaw(ctx, 'company', id)])[0]!;
}
function getContact(ctx: CallContext, id: string) {
  return toContacts(ctx.db, [visibleRaw(ctx, 'contact', id)])[0]!;
}

/** Soft-delete, restore or purge records of one kind; returns how many changed. */
function eachRecord(ctx: CallContext, kind: RecordKind, ids: string[], deleted: boolean, act: (id: string) => void): number {
  let n = 0;
  for (const id of new Set(ids)) {
    visibleRaw(ctx, kind, id, { deleted });
    act(id);
    n += 1;
  }
  ctx.audit.target = `${TABLE[kind]}:${ids.length === 1 ? ids[0] : `${ids.length} records`}`;
  return n;
}

export const customersHandlers: HandlerGroup<
  | 'companies.list'
  | 'companies.get'
  | 'companies.create'
  | 'companies.update'
  | 'contacts.list'
  | 'contacts.get'
  | 'contacts.create'
  | 'contacts.update'
  | 'contacts.bulkCreate'
  | 'customers.checkDuplicates'
  | 'customers.delete'
  | 'customers.restore'
  | 'customers.purge'
  | 'customers.recycleBin'
  | 'customers.bulkUpdate'
  | 'customers.merge'
  | 'customers.search'
  | 'customers.timeline'
  | 'customers.addNote'
  | 'customers.needsAttention'
  | 'customers.exportCsv'
  | 'tags.list'
  | 'tags.save'
  | 'tags.delete'
  | 'categories.list'
  | 'categories.save'
  | 'categories.delete'
  | 'views.list'
  | 'views.save'
  | 'views.delete'
> = {
  'companies.list'(input, ctx) {
    const { rows, total } = listRows(ctx, 'company', input);
    return { rows: toCompanies(ctx.db, rows), total };
  },

  'companies.get'({ id }, ctx) {
    return getCompany(ctx, id);
  },

  'companies.create'({ force, tagIds, ...input }, ctx) {
    const columns = companyColumns(ctx.db, { ownerId: ctx.session!.user.id, ...input, tagIds });
    if (!force) {
      const duplicates = findDuplicates(ctx.db, 'company', candidateOf('company', columns));
      if (duplicates.length > 0) return { saved: false, duplicates };
    }
    const id = ctx.write.insertRaw(companies, columns);
    if (tagIds?.length) setTags(ctx.write, ctx.db, id, tagIds);
    ctx.audit.target = `companies:${id}`;
    return { saved: true, record: getCompany(ctx, id) };
  },

  'companies.update'({ id, force, tagIds, ...input }, ctx) {
    visibleRaw(ctx, 'company', id);
    const columns = companyColumns(ctx.db, { ...input, tagIds });
    if (!force && (columns.name !== undefined || columns.phone !== undefined)) {
      const duplicates = findDuplicates(ctx.db, 'company', {
        excludeId: id,
        name: columns.name as string | undefined,
        phones: columns.phone ? [columns.phone as string] : [],
      });
      if (duplicates.length > 0) return { saved: false, duplicates };
    }
    if (Object.keys(columns).length > 0) ctx.write.update(companies, id, columns);
    if (tagIds) setTags(ctx.write, ctx.db, id, tagIds);
    ctx.audit.target = `companies:${id}`;
    ctx.audit.detail = { fields: Object.keys(input).concat(tagIds ? ['tags'] : []) };
    return { saved: true, record: getCompany(ctx, id) };
  },

  'contacts.list'(input, ctx) {
    const { rows, total } = listRows(ctx, 'contact', input);
    return { rows: toContacts(ctx.db, rows), total };
  },

  'contacts.get'({ id }, ctx) {
    return getContact(ctx, id);
  },

  'contacts.create'({ force, tagIds, ...input }, ctx) {
    const columns = contactColumns(ctx.db, { ...NEW_CONTACT, ownerId: ctx.session!.user.id, ...input, tagIds });
    if (!force) {
      const duplicates = findDuplicates(ctx.db, 'contact', candidateOf('contact', { ...input, phones: JSON.parse(columns.phones as string) }));
      if (duplicates.length > 0) return { saved: false, duplicates };
    }
    const id = ctx.write.insertRaw(contacts, columns);
    if (tagIds?.length) setTags(ctx.write, ctx.db, id, tagIds);
    ctx.audit.target = `contacts:${id}`;
    return { saved: true, record: getContact(ctx, id) };
  },

  'contacts.update'({ id, force, tagIds, ...input }, ctx) {
    const current = visibleRaw(ctx, 'contact', id);
    const columns = contactColumns(ctx.db, { ...input, tagIds }, current);
    const identityChanged = ['familyName', 'givenName', 'companyId', 'emails', 'phones'].some((k) => k in input);
    if (!force && identityChanged) {
      const merged = {
        familyName: (columns.familyName ?? current.family_name) as string,
        givenName: (columns.givenName ?? current.given_name) as string,
        companyId: (columns.companyId !== undefined ? columns.companyId : current.company_id) as string | null,
        emails: 'emails' in input ? input.emails : [],
        phones: 'phones' in input ? JSON.parse(columns.phones as string) : [],
      };
      const duplicates = findDuplicates(ctx.db, 'contact', candidateOf('contact', merged, id));
      if (duplicates.length > 0) return { saved: false, duplicates };
    }
    if (Object.keys(columns).length > 0) ctx.write.update(contacts, id, columns);
    if (tagIds) setTags(ctx.write, ctx.db, id, tagIds);
    ctx.audit.target = `contacts:${id}`;
    ctx.audit.detail = { fields: Object.keys(input).concat(tagIds ? ['tags'] : []) };
    return { saved: true, record: getContact(ctx, id) };
  },

  'contacts.bulkCreate'({ contacts: list }, ctx) {
    const owner = ctx.session!.user.id;
    const rows = list.map((input, i) => {
      try {
        return contactColumns(ctx.db, { ...NEW_CONTACT, ownerId: owner, ...input });
      } catch (error) {
        // Point field errors at the row that has them.
        if (error instanceof HarborError && error.fields) {
          throw new HarborError(error.code, error.messageKey, error.params, error.fields.map((f) => ({ ...f, path: `contacts.${i}.${f.path}` })));
        }
        throw error;
      }
    });
    const ids = ctx.write.insertManyRaw(contacts, rows);
    for (const [i, input] of list.entries()) if (input.tagIds?.length) setTags(ctx.write, ctx.db, ids[i]!, input.tagIds);
    ctx.audit.detail = { count: ids.length };
    return { ids };
  },

  'customers.checkDuplicates'({ kind, ...candidate }, ctx) {
    return findDuplicates(ctx.db, kind, candidate);
  },

  'customers.delete'({ kind, ids }, ctx) {
    return { count: eachRecord(ctx, kind, ids, false, (id) => ctx.write.softDelete(tableOf(kind), id)) };
  },

  'customers.restore'({ kind, ids }, ctx) {
    return { count: eachRecord(ctx, kind, ids, true, (id) => ctx.write.restore(tableOf(kind), id)) };
  },

  'customers.purge'({ kind, ids }, ctx) {
    return {
      count: eachRecord(ctx, kind, ids, true, (id) => {
        for (const link of cachedStatement(ctx.db, 'SELECT id FROM record_tags WHERE record_id = ?').all(id) as { id: string }[]) {
          ctx.write.purge(recordTags, link.id);
        }
        for (const note of cachedStatement(ctx.db, 'SELECT id FROM notes WHERE record_id = ?').all(id) as { id: string }[]) {
          ctx.write.purge(notes, note.id);
        }
        ctx.write.purge(tableOf(kind), id);
      }),
    };
  },

  'customers.recycleBin'({ kind, limit }, ctx) {
    const since = ctx.services.now() - RECYCLE_DAYS * DAY;
    const out: { kind: RecordKind; id: string; name: string; deletedAt: number }[] = [];
    for (const k of kind ? [kind] : (['company', 'contact'] as RecordKind[])) {
      const visible = visibleClause(ctx, 'r');
      const rows = ctx.db
        .prepare(
          `SELECT * FROM ${TABLE[k]} r WHERE deleted_at IS NOT NULL AND deleted_at >= ? AND merged_into IS NULL AND ${visible.sql}
           ORDER BY deleted_at DESC LIMIT ?`,
        )
        .all(since, ...visible.params, limit) as Raw[];
      for (const r of rows) {
        out.push({
          kind: k,
          id: r.id as string,
          name: k === 'company' ? (r.name as string) : displayName(r.family_name as string, r.given_name as string),
          deletedAt: r.deleted_at as number,
        });
      }
    }
    return out.sort((a, b) => b.deletedAt - a.deletedAt).slice(0, limit);
  },

  'customers.bulkUpdate'({ kind, ids, addTagIds = [], removeTagIds = [], ownerId }, ctx) {
    if (ownerId && !cachedStatement(ctx.db, 'SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL').get(ownerId)) {
      throw fieldError('ownerId', 'validation.unknown_reference');
    }
    for (const [i, tagId] of [...addTagIds, ...removeTagIds].entries()) {
      if (!ctx.write.get(tags, tagId)) throw fieldError(`addTagIds.${i}`, 'validation.unknown_reference');
    }
    let n = 0;
    for (const id of new Set(ids)) {
      visibleRaw(ctx, kind, id);
      if (ownerId) ctx.write.update(tableOf(kind), id, { ownerId });
      if (addTagIds.length || removeTagIds.length) addTags(ctx.write, ctx.db, id, addTagIds, removeTagIds);
      n += 1;
    }
    ctx.audit.detail = { count: n, addTagIds, removeTagIds, ownerId: ownerId ?? null };
    return { count: n };
  },

  'customers.merge'({ kind, keepId, mergeId, takeFromMerged }, ctx) {
    if (keepId === mergeId) throw fieldError('mergeId', 'validation.merge_same');
    const keep = visibleRaw(ctx, kind, keepId);
    const merge = visibleRaw(ctx, kind, mergeId);
    mergeRecords(ctx, kind, keep, merge, takeFromMerged);
    ctx.audit.target = `${TABLE[kind]}:${keepId}`;
    ctx.audit.detail = { merged: mergeId, fields: takeFromMerged };
    return { id: keepId };
  },

  'customers.search'({ q, limit }, ctx) {
    return globalSearch(ctx, q, limit);
  },

  'customers.timeline'({ kind, id, limit }, ctx) {
    visibleRaw(ctx, kind, id, { deleted: rawById(ctx.db, kind, id)?.deleted_at != null });
    return timeline(ctx.db, kind, id, limit);
  },

  'customers.addNote'({ kind, id, body }, ctx) {
    visibleRaw(ctx, kind, id);
    const noteId = ctx.write.insertRaw(notes, { recordId: id, body });
    // A note is activity: the record counts as touched (needs-attention list).
    ctx.write.update(tableOf(kind), id, { updatedAt: ctx.services.now() });
    ctx.audit.target = `${TABLE[kind]}:${id}`;
    return { id: noteId };
  },

  'customers.needsAttention'({ days, limit }, ctx) {
    const period = days ?? readSettings(ctx.db).staleContactDays;
    const before = ctx.services.now() - period * DAY;
    const rows = ctx.db
      .prepare('SELECT * FROM contacts WHERE owner_id = ? AND deleted_at IS NULL AND updated_at < ? ORDER BY updated_at LIMIT ?')
      .all(ctx.session!.user.id, before, limit) as Raw[];
    return { days: period, rows: toContacts(ctx.db, rows) };
  },

  'customers.exportCsv'({ kind, ids, filter }, ctx) {
    const rows = ids
      ? ids.map((id) => visibleRaw(ctx, kind, id))
      : listRows(ctx, kind, { filter, sort: 'name', dir: 'asc', offset: 0, limit: 1_000_000 }).rows;
    const language = (ctx.session!.user.language as Language | null) ?? readSettings(ctx.db).defaultLanguage;
    const csv = kind === 'company' ? toCsv('company', toCompanies(ctx.db, rows), language) : toCsv('contact', toContacts(ctx.db, rows), language);
    const date = new Date(ctx.services.now()).toISOString().slice(0, 10);
    ctx.audit.detail = { kind, rows: rows.length };
    return { filename: `${kind === 'company' ? 'companies' : 'contacts'}-${date}.csv`, csv, rows: rows.length };
  },

  'tags.list'(_input, ctx) {
    return ctx.db
      .prepare(
        `SELECT t.id, t.name, t.color, (SELECT count(*) FROM record_tags rt WHERE rt.tag_id = t.id AND rt.deleted_at IS NULL) AS count
         FROM tags t WHERE t.deleted_at IS NULL ORDER BY t.name`,
      )
      .all() as { id: string; name: string; color: string; count: number }[];
  },

  'tags.save'({ id, name, color }, ctx) {
    const clash = cachedStatement(ctx.db, 'SELECT id FROM tags WHERE name = ? AND deleted_at IS NULL').get(name) as { id: string } | undefined;
    if (clash && clash.id !== id) throw fieldError('name', 'errors.name_taken');
    const row = id ? ctx.write.update(tags, id, { name, color }) : ctx.write.insert(tags, { name, color });
    ctx.audit.target = `tags:${row.id}`;
    return { id: row.id, name: row.name, color: row.color };
  },

  'tags.delete'({ id }, ctx) {
    const tag = ctx.write.get(tags, id);
    if (!tag || tag.deletedAt !== null) throw new HarborError('NOT_FOUND');
    for (const link of cachedStatement(ctx.db, 'SELECT id FROM record_tags WHERE tag_id = ? AND deleted_at IS NULL').all(id) as { id: string }[]) {
      ctx.write.softDelete(recordTags, link.id);
    }
    ctx.write.softDelete(tags, id);
    ctx.audit.target = `tags:${id}`;
    return { ok: true };
  },

  'categories.list'({ kind }, ctx) {
    const rows = ctx.db
      .prepare(`SELECT id, kind, name, color, sort FROM categories WHERE deleted_at IS NULL ${kind ? 'AND kind = ?' : ''} ORDER BY sort, name`)
      .all(...(kind ? [kind] : [])) as { id: string; kind: RecordKind; name: string; color: string; sort: number }[];
    return rows;
  },

  'categories.save'({ id, ...values }, ctx) {
    const row = id ? ctx.write.update(categories, id, values) : ctx.write.insert(categories, values);
    ctx.audit.target = `categories:${row.id}`;
    return { id: row.id };
  },

  'categories.delete'({ id }, ctx) {
    const category = ctx.write.get(categories, id);
    if (!category || category.deletedAt !== null) throw new HarborError('NOT_FOUND');
    const table = category.kind === 'company' ? companies : contacts;
    for (const r of ctx.db.prepare(`SELECT id FROM ${TABLE[category.kind]} WHERE category_id = ?`).all(id) as { id: string }[]) {
      ctx.write.update(table, r.id, { categoryId: null });
    }
    ctx.write.softDelete(categories, id);
    return { ok: true };
  },

  'views.list'({ entity }, ctx) {
    const rows = ctx.db
      .prepare('SELECT * FROM saved_views WHERE entity = ? AND deleted_at IS NULL AND (owner_id = ? OR shared = 1) ORDER BY name')
      .all(entity, ctx.session!.user.id) as Raw[];
    return rows.map((r) => ({
      id: r.id as string,
      entity: r.entity as RecordKind,
      name: r.name as string,
      ownerId: r.owner_id as string,
      shared: r.shared === 1,
      config: JSON.parse(r.config as string),
    }));
  },

  'views.save'({ id, entity, name, shared, config }, ctx) {
    const me = ctx.session!.user.id;
    let row;
    if (id) {
      const current = ctx.write.get(savedViews, id);
      if (!current || current.deletedAt !== null || current.ownerId !== me) throw new HarborError('NOT_FOUND');
      row = ctx.write.update(savedViews, id, { name, shared, config: JSON.stringify(config) });
    } else {
      row = ctx.write.insert(savedViews, { entity, name, shared, ownerId: me, config: JSON.stringify(config) });
    }
    return { id: row.id, entity: row.entity, name: row.name, ownerId: row.ownerId, shared: row.shared, config };
  },

  'views.delete'({ id }, ctx) {
    const view = ctx.write.get(savedViews, id);
    if (!view || view.deletedAt !== null) throw new HarborError('NOT_FOUND');
    const mayDeleteShared = ctx.session!.user.role === 'administrator' || ctx.session!.user.role === 'sales_manager';
    if (view.ownerId !== ctx.session!.user.id && !(view.shared && mayDeleteShared)) throw new HarborError('FORBIDDEN');
    ctx.write.softDelete(savedViews, id);
    return { ok: true };
  },
};
