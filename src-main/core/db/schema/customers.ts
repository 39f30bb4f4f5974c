/**
 * Customers: companies, contacts, their tags, categories, notes and saved views.
 * All synced. No foreign-key constraints between synced rows: rows arrive from
 * other desktops in any order, so references are checked by the app.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './core';

/** Index condition: rows not in the recycle bin. */
const live = (t: { deletedAt: unknown }) => sql`${t.deletedAt} IS NULL`;

export const companies = sqliteTable(
  'companies',
  {
    ...syncedColumns,
    name: text('name').notNull(),
    /** Lowercased name without spaces: sort key and short-term search prefix. */
    nameKey: text('name_key').notNull(),
    industry: text('industry'),
    province: text('province'),
    city: text('city'),
    address: text('address'),
    website: text('website'),
    phone: text('phone'),
    size: text('size'),
    source: text('source'),
    level: text('level'),
    categoryId: text('category_id'),
    ownerId: text('owner_id'),
    notes: text('notes'),
    custom: text('custom').notNull().default('{}'),
    /** Set when this record was merged into another: its history shows on that record's timeline. */
    mergedInto: text('merged_into'),
  },
  (t) => [
    // Partial indexes over live rows: every list sorts one of these, the recycle bin uses the last.
    // Only merged records: a plain index of a column NULL nearly everywhere makes planner statistics say "merged_into = ?" matches every row.
    index('companies_merged').on(t.mergedInto).where(sql`${t.mergedInto} IS NOT NULL`),
    index('companies_name').on(t.nameKey).where(live(t)),
    index('companies_owner').on(t.ownerId, t.nameKey).where(live(t)),
    index('companies_updated').on(t.updatedAt).where(live(t)),
    index('companies_created').on(t.createdAt).where(live(t)),
    index('companies_city').on(t.city).where(live(t)),
    index('companies_industry').on(t.industry).where(live(t)),
    index('companies_level').on(t.level).where(live(t)),
    index('companies_province').on(t.province).where(live(t)),
    index('companies_deleted').on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
  ],
);

export const contacts = sqliteTable(
  'contacts',
  {
    ...syncedColumns,
    familyName: text('family_name').notNull().default(''),
    givenName: text('given_name').notNull().default(''),
    /** Lowercased family + given name without spaces: sort key and short-term search prefix. */
    nameKey: text('name_key').notNull(),
    /** Lowercased given name: finds "Wei" in "Li Wei" and 三 in 张三 by prefix. */
    givenKey: text('given_key').notNull().default(''),
    title: text('title'),
    companyId: text('company_id'),
    /**
     * The company's name key, for sorting contacts by company. Derived: set on
     * write, and refreshed by a trigger when the company is renamed (on every
     * device alike, so it needs no change-log entry).
     */
    companyKey: text('company_key'),
    /** JSON: [{ label, number }] with numbers in E.164. */
    phones: text('phones').notNull().default('[]'),
    /** JSON: [{ label, address }], addresses lowercased. */
    emails: text('emails').notNull().default('[]'),
    /** JSON: [{ kind: 'wechat' | 'qq' | 'whatsapp' | 'other', handle }] */
    ims: text('ims').notNull().default('[]'),
    /** First phone's digits and first email, for sorting, display and prefix search. */
    phoneKey: text('phone_key'),
    emailKey: text('email_key'),
    province: text('province'),
    city: text('city'),
    address: text('address'),
    birthday: text('birthday'),
    source: text('source'),
    categoryId: text('category_id'),
    ownerId: text('owner_id'),
    preferredChannel: text('preferred_channel'),
    preferredLanguage: text('preferred_language'),
    preferences: text('preferences'),
    notes: text('notes'),
    custom: text('custom').notNull().default('{}'),
    /** Set when this record was merged into another: its history shows on that record's timeline. */
    mergedInto: text('merged_into'),
  },
  (t) => [
    // Only merged records: a plain index of a column NULL nearly everywhere makes planner statistics say "merged_into = ?" matches every row.
    index('contacts_merged').on(t.mergedInto).where(sql`${t.mergedInto} IS NOT NULL`),
    // Name order is name, then given name: a given-name prefix is tested on the entries of the name order (customers/list.ts).
    index('contacts_name').on(t.nameKey, t.givenKey).where(live(t)),
    index('contacts_given').on(t.givenKey).where(live(t)),
    // With deleted_at: a company's (or an industry's) live contacts are counted on the index alone.
    index('contacts_company').on(t.companyId, t.deletedAt),
    index('contacts_company_name').on(t.companyKey).where(live(t)),
    index('contacts_owner').on(t.ownerId, t.nameKey, t.givenKey).where(live(t)),
    index('contacts_owner_updated').on(t.ownerId, t.updatedAt).where(live(t)),
    index('contacts_updated').on(t.updatedAt).where(live(t)),
    index('contacts_created').on(t.createdAt).where(live(t)),
    index('contacts_city').on(t.city).where(live(t)),
    index('contacts_province').on(t.province).where(live(t)),
    index('contacts_title').on(t.title).where(live(t)),
    index('contacts_phone').on(t.phoneKey).where(live(t)),
    index('contacts_email').on(t.emailKey).where(live(t)),
    index('contacts_deleted').on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
  ],
);

export const tags = sqliteTable('tags', {
  ...syncedColumns,
  name: text('name').notNull(),
  color: text('color').notNull().default('blue'),
});

/** A tag on a company or contact. The id is `<tagId>:<recordId>`, so two desktops tagging alike make one row. */
export const recordTags = sqliteTable(
  'record_tags',
  {
    ...syncedColumns,
    tagId: text('tag_id').notNull(),
    recordId: text('record_id').notNull(),
  },
  (t) => [index('record_tags_tag').on(t.tagId, t.recordId), index('record_tags_record').on(t.recordId)],
);

export const categories = sqliteTable('categories', {
  ...syncedColumns,
  kind: text('kind', { enum: ['company', 'contact'] }).notNull(),
  name: text('name').notNull(),
  color: text('color').notNull().default('gray'),
  sort: integer('sort').notNull().default(0),
});

export const notes = sqliteTable(
  'notes',
  {
    ...syncedColumns,
    recordId: text('record_id').notNull(),
    body: text('body').notNull(),
  },
  (t) => [index('notes_record').on(t.recordId, t.createdAt)],
);

export const savedViews = sqliteTable('saved_views', {
  ...syncedColumns,
  entity: text('entity', { enum: ['company', 'contact'] }).notNull(),
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  shared: integer('shared', { mode: 'boolean' }).notNull().default(false),
  /** JSON: { filter, sort, columns } */
  config: text('config').notNull().default(sql`'{}'`),
});
