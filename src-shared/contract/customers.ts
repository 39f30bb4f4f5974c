import { z } from 'zod';
import { method } from './define';
import { idSchema, okOutput } from './common';

const optText = (max: number) => z.string().trim().max(max).nullable().optional();
const customData = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const RECORD_KINDS = ['company', 'contact'] as const;
export const recordKindSchema = z.enum(RECORD_KINDS);
export type RecordKind = z.infer<typeof recordKindSchema>;

export const COMPANY_SIZES = ['1-9', '10-49', '50-199', '200-999', '1000+'] as const;
export const COMPANY_LEVELS = ['A', 'B', 'C'] as const;
export const SOURCES = ['referral', 'website', 'exhibition', 'cold_call', 'advertising', 'social', 'partner', 'other'] as const;
export const CHANNELS = ['phone', 'email', 'wechat', 'visit', 'sms'] as const;
export const IM_KINDS = ['wechat', 'qq', 'whatsapp', 'dingtalk', 'other'] as const;
export const TAG_COLORS = ['gray', 'red', 'pink', 'grape', 'violet', 'indigo', 'blue', 'cyan', 'teal', 'green', 'lime', 'yellow', 'orange'] as const;

export const phoneInputSchema = z.object({ label: z.string().trim().max(30).default(''), number: z.string().trim().min(1).max(40) });
export const emailInputSchema = z.object({ label: z.string().trim().max(30).default(''), address: z.string().trim().toLowerCase().pipe(z.email()) });
export const imInputSchema = z.object({ kind: z.enum(IM_KINDS), handle: z.string().trim().min(1).max(80) });

const companyFields = {
  name: z.string().trim().min(1).max(200),
  industry: optText(80),
  province: optText(60),
  city: optText(60),
  address: optText(300),
  website: optText(200),
  phone: optText(40),
  size: z.enum(COMPANY_SIZES).nullable().optional(),
  source: z.enum(SOURCES).nullable().optional(),
  level: z.enum(COMPANY_LEVELS).nullable().optional(),
  categoryId: idSchema.nullable().optional(),
  ownerId: idSchema.nullable().optional(),
  notes: optText(10_000),
  tagIds: z.array(idSchema).max(50).optional(),
  custom: customData.optional(),
};

const contactFields = {
  familyName: z.string().trim().max(60).optional(),
  givenName: z.string().trim().max(60).optional(),
  title: optText(100),
  companyId: idSchema.nullable().optional(),
  phones: z.array(phoneInputSchema).max(10).optional(),
  emails: z.array(emailInputSchema).max(10).optional(),
  ims: z.array(imInputSchema).max(10).optional(),
  province: optText(60),
  city: optText(60),
  address: optText(300),
  birthday: z.iso.date().nullable().optional(),
  source: z.enum(SOURCES).nullable().optional(),
  categoryId: idSchema.nullable().optional(),
  ownerId: idSchema.nullable().optional(),
  preferredChannel: z.enum(CHANNELS).nullable().optional(),
  preferredLanguage: z.enum(['zh-CN', 'en']).nullable().optional(),
  preferences: optText(2_000),
  notes: optText(10_000),
  tagIds: z.array(idSchema).max(50).optional(),
  custom: customData.optional(),
};

const nameRequired = (c: { familyName?: string; givenName?: string }) => Boolean((c.familyName ?? '') + (c.givenName ?? ''));
const nameIssue = { error: 'validation.name_required', path: ['familyName'] };

export const companyInputSchema = z.object(companyFields).strict();
export const contactInputSchema = z.object(contactFields).strict().refine(nameRequired, nameIssue);
/** Duplicates are checked first; `force` saves anyway. */
const saveOptions = { force: z.boolean().default(false) };

export const tagSchema = z.object({ id: z.string(), name: z.string(), color: z.string() });
export const userRefSchema = z.object({ id: z.string(), displayName: z.string() }).nullable();

export const companySchema = z.object({
  id: z.string(),
  name: z.string(),
  industry: z.string().nullable(),
  province: z.string().nullable(),
  city: z.string().nullable(),
  address: z.string().nullable(),
  website: z.string().nullable(),
  phone: z.string().nullable(),
  size: z.string().nullable(),
  source: z.string().nullable(),
  level: z.string().nullable(),
  categoryId: z.string().nullable(),
  ownerId: z.string().nullable(),
  owner: userRefSchema,
  notes: z.string().nullable(),
  custom: customData,
  tags: z.array(tagSchema),
  contactCount: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  deletedAt: z.number().nullable(),
});
export type Company = z.infer<typeof companySchema>;

export const contactSchema = z.object({
  id: z.string(),
  familyName: z.string(),
  givenName: z.string(),
  title: z.string().nullable(),
  companyId: z.string().nullable(),
  companyName: z.string().nullable(),
  phones: z.array(z.object({ label: z.string(), number: z.string() })),
  emails: z.array(z.object({ label: z.string(), address: z.string() })),
  ims: z.array(z.object({ kind: z.string(), handle: z.string() })),
  province: z.string().nullable(),
  city: z.string().nullable(),
  address: z.string().nullable(),
  birthday: z.string().nullable(),
  source: z.string().nullable(),
  categoryId: z.string().nullable(),
  ownerId: z.string().nullable(),
  owner: userRefSchema,
  preferredChannel: z.string().nullable(),
  preferredLanguage: z.string().nullable(),
  preferences: z.string().nullable(),
  notes: z.string().nullable(),
  custom: customData,
  tags: z.array(tagSchema),
  createdAt: z.number(),
  updatedAt: z.number(),
  deletedAt: z.number().nullable(),
});
export type Contact = z.infer<typeof contactSchema>;

export const listFilterSchema = z
  .object({
    q: z.string().trim().max(100).optional(),
    ownerId: idSchema.nullable().optional(),
    tagIds: z.array(idSchema).max(20).optional(),
    categoryId: idSchema.optional(),
    province: z.string().max(60).optional(),
    city: z.string().max(60).optional(),
    industry: z.string().max(80).optional(),
    companyId: idSchema.optional(),
    createdFrom: z.number().int().optional(),
    createdTo: z.number().int().optional(),
    updatedFrom: z.number().int().optional(),
    updatedTo: z.number().int().optional(),
  })
  .strict();
export type ListFilter = z.infer<typeof listFilterSchema>;

export const COMPANY_SORTS = ['name', 'city', 'industry', 'level', 'createdAt', 'updatedAt'] as const;
export const CONTACT_SORTS = ['name', 'company', 'city', 'title', 'phone', 'email', 'createdAt', 'updatedAt'] as const;
const sortDir = z.enum(['asc', 'desc']).default('asc');
const page = { offset: z.number().int().min(0).max(10_000_000).default(0), limit: z.number().int().min(1).max(500).default(50) };

export const duplicateSchema = z.object({
  kind: recordKindSchema,
  id: z.string(),
  name: z.string(),
  reason: z.enum(['email', 'phone', 'name']),
  detail: z.string(),
});

const duplicatesError = z.object({ duplicates: z.array(duplicateSchema) });
const saveResult = <T extends z.ZodType>(record: T) =>
  z.discriminatedUnion('saved', [
    z.object({ saved: z.literal(true), record }),
    z.object({ saved: z.literal(false), duplicates: duplicatesError.shape.duplicates }),
  ]);

export const timelineEventSchema = z.object({
  at: z.number(),
  kind: z.enum(['created', 'changed', 'deleted', 'restored', 'note', 'merged']),
  actor: userRefSchema,
  field: z.string().nullable(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  text: z.string().nullable(),
  noteId: z.string().nullable(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const searchHitSchema = z.object({
  kind: recordKindSchema,
  id: z.string(),
  title: z.string(),
  subtitle: z.string().nullable(),
});

export const savedViewSchema = z.object({
  id: z.string(),
  entity: recordKindSchema,
  name: z.string(),
  ownerId: z.string(),
  shared: z.boolean(),
  config: z.object({
    filter: listFilterSchema,
    sort: z.object({ field: z.string(), dir: z.enum(['asc', 'desc']) }).optional(),
    columns: z.array(z.string()).optional(),
  }),
});

const idsInput = z.object({ ids: z.array(idSchema).min(1).max(10_000) }).strict();
const countOutput = z.object({ count: z.number() });

export const customersMethods = {
  'companies.list': method({
    summary: 'A page of companies, filtered and sorted; `total` is capped at 10,001.',
    access: 'customers.read',
    mutates: false,
    input: z
      .object({ filter: listFilterSchema.default({}), sort: z.enum(COMPANY_SORTS).default('name'), dir: sortDir, ...page })
      .strict(),
    output: z.object({ rows: z.array(companySchema), total: z.number() }),
  }),
  'companies.get': method({
    summary: 'One company with tags and contact count.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ id: idSchema }).strict(),
    output: companySchema,
  }),
  'companies.create': method({
    summary: 'Create a company; likely duplicates are returned instead unless `force`.',
    access: 'customers.write',
    mutates: true,
    input: companyInputSchema.extend(saveOptions).strict(),
    output: saveResult(companySchema),
  }),
  'companies.update': method({
    summary: 'Change fields of a company.',
    access: 'customers.write',
    mutates: true,
    input: companyInputSchema.partial().extend({ id: idSchema, ...saveOptions }).strict(),
    output: saveResult(companySchema),
  }),
  'contacts.list': method({
    summary: 'A page of contacts, filtered and sorted; `total` is capped at 10,001.',
    access: 'customers.read',
    mutates: false,
    input: z
      .object({ filter: listFilterSchema.default({}), sort: z.enum(CONTACT_SORTS).default('name'), dir: sortDir, ...page })
      .strict(),
    output: z.object({ rows: z.array(contactSchema), total: z.number() }),
  }),
  'contacts.get': method({
    summary: 'One contact with company and tags.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ id: idSchema }).strict(),
    output: contactSchema,
  }),
  'contacts.create': method({
    summary: 'Create a contact; likely duplicates are returned instead unless `force`.',
    access: 'customers.write',
    mutates: true,
    input: z.object(contactFields).extend(saveOptions).strict().refine(nameRequired, nameIssue),
    output: saveResult(contactSchema),
  }),
  'contacts.update': method({
    summary: 'Change fields of a contact.',
    access: 'customers.write',
    mutates: true,
    input: z
      .object(contactFields)
      .partial()
      .extend({ id: idSchema, ...saveOptions })
      .strict(),
    output: saveResult(contactSchema),
  }),
  'contacts.bulkCreate': method({
    summary: 'Create many contacts in one transaction (imports). No duplicate check.',
    access: 'customers.write',
    mutates: true,
    input: z.object({ contacts: z.array(contactInputSchema).min(1).max(50_000) }).strict(),
    output: z.object({ ids: z.array(z.string()) }),
  }),
  'customers.checkDuplicates': method({
    summary: 'Likely duplicates of a record being typed: same email or phone, or a very similar name in the same company.',
    access: 'customers.read',
    mutates: false,
    input: z
      .object({
        kind: recordKindSchema,
        excludeId: idSchema.optional(),
        name: z.string().max(200).optional(),
        familyName: z.string().max(60).optional(),
        givenName: z.string().max(60).optional(),
        companyId: idSchema.nullable().optional(),
        emails: z.array(z.string().max(200)).max(10).optional(),
        phones: z.array(z.string().max(40)).max(10).optional(),
      })
      .strict(),
    output: z.array(duplicateSchema),
  }),
  'customers.delete': method({
    summary: 'Move records to the recycle bin.',
    access: 'customers.delete',
    mutates: true,
    input: z.object({ kind: recordKindSchema, ids: idsInput.shape.ids }).strict(),
    output: countOutput,
  }),
  'customers.restore': method({
    summary: 'Take records out of the recycle bin.',
    access: 'customers.delete',
    mutates: true,
    input: z.object({ kind: recordKindSchema, ids: idsInput.shape.ids }).strict(),
    output: countOutput,
  }),
  'customers.purge': method({
    summary: 'Remove records from the recycle bin for good.',
    access: 'customers.purge',
    mutates: true,
    input: z.object({ kind: recordKindSchema, ids: idsInput.shape.ids }).strict(),
    output: countOutput,
  }),
  'customers.recycleBin': method({
    summary: 'Records deleted in the last 30 days, newest first.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ kind: recordKindSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    output: z.array(z.object({ kind: recordKindSchema, id: z.string(), name: z.string(), deletedAt: z.number() })),
  }),
  'customers.bulkUpdate': method({
    summary: 'Tag, untag or re-assign many records at once.',
    access: 'customers.write',
    mutates: true,
    input: z
      .object({
        kind: recordKindSchema,
        ids: idsInput.shape.ids,
        addTagIds: z.array(idSchema).max(20).optional(),
        removeTagIds: z.array(idSchema).max(20).optional(),
        ownerId: idSchema.optional(),
      })
      .strict(),
    output: countOutput,
  }),
  'customers.merge': method({
    summary: 'Merge two records: the kept one takes the chosen field values, related records move to it, the other is deleted.',
    access: 'customers.write',
    mutates: true,
    input: z
      .object({
        kind: recordKindSchema,
        keepId: idSchema,
        mergeId: idSchema,
        /** Fields whose value is taken from the merged record. */
        takeFromMerged: z.array(z.string().max(40)).max(40).default([]),
      })
      .strict(),
    output: z.object({ id: z.string() }),
  }),
  'customers.search': method({
    summary: 'Global search over companies and contacts: names, phones, emails, company, tags; any language.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ q: z.string().trim().min(1).max(100), limit: z.number().int().min(1).max(50).default(8) }).strict(),
    output: z.object({ companies: z.array(searchHitSchema), contacts: z.array(searchHitSchema) }),
  }),
  'customers.timeline': method({
    summary: 'Everything that happened to a record, newest first: creation, field changes, notes, merges.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ kind: recordKindSchema, id: idSchema, limit: z.number().int().min(1).max(500).default(200) }).strict(),
    output: z.array(timelineEventSchema),
  }),
  'customers.addNote': method({
    summary: 'Add a note to a company or contact.',
    access: 'customers.write',
    mutates: true,
    input: z.object({ kind: recordKindSchema, id: idSchema, body: z.string().trim().min(1).max(10_000) }).strict(),
    output: z.object({ id: z.string() }),
  }),
  'customers.needsAttention': method({
    summary: 'My contacts not updated for the office’s stale-contact period.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ days: z.number().int().min(1).max(3650).optional(), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    output: z.object({ days: z.number(), rows: z.array(contactSchema) }),
  }),
  'customers.exportCsv': method({
    summary: 'CSV (UTF-8 with BOM, opens in Excel) of the selected or filtered records.',
    access: 'customers.read',
    mutates: false,
    input: z
      .object({ kind: recordKindSchema, ids: z.array(idSchema).max(100_000).optional(), filter: listFilterSchema.default({}) })
      .strict(),
    output: z.object({ filename: z.string(), csv: z.string(), rows: z.number() }),
  }),
  'tags.list': method({
    summary: 'All tags with usage counts.',
    access: 'customers.read',
    mutates: false,
    input: z.object({}).strict(),
    output: z.array(tagSchema.extend({ count: z.number() })),
  }),
  'tags.save': method({
    summary: 'Create or rename/recolor a tag.',
    access: 'customers.manageTags',
    mutates: true,
    input: z.object({ id: idSchema.optional(), name: z.string().trim().min(1).max(40), color: z.enum(TAG_COLORS) }).strict(),
    output: tagSchema,
  }),
  'tags.delete': method({
    summary: 'Delete a tag and remove it from every record.',
    access: 'customers.manageTags',
    mutates: true,
    input: z.object({ id: idSchema }).strict(),
    output: okOutput,
  }),
  'categories.list': method({
    summary: 'Categories of companies and contacts.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ kind: recordKindSchema.optional() }).strict(),
    output: z.array(z.object({ id: z.string(), kind: recordKindSchema, name: z.string(), color: z.string(), sort: z.number() })),
  }),
  'categories.save': method({
    summary: 'Create or change a category.',
    access: 'customers.manageTags',
    mutates: true,
    input: z
      .object({ id: idSchema.optional(), kind: recordKindSchema, name: z.string().trim().min(1).max(40), color: z.enum(TAG_COLORS), sort: z.number().int().default(0) })
      .strict(),
    output: z.object({ id: z.string() }),
  }),
  'categories.delete': method({
    summary: 'Delete a category; records in it become uncategorized.',
    access: 'customers.manageTags',
    mutates: true,
    input: z.object({ id: idSchema }).strict(),
    output: okOutput,
  }),
  'views.list': method({
    summary: 'Saved views of a list: mine and shared ones.',
    access: 'customers.read',
    mutates: false,
    input: z.object({ entity: recordKindSchema }).strict(),
    output: z.array(savedViewSchema),
  }),
  'views.save': method({
    summary: 'Save the current filter, sort and columns as a named view (private or shared).',
    access: 'customers.read',
    mutates: true,
    input: z
      .object({
        id: idSchema.optional(),
        entity: recordKindSchema,
        name: z.string().trim().min(1).max(60),
        shared: z.boolean().default(false),
        config: savedViewSchema.shape.config,
      })
      .strict(),
    output: savedViewSchema,
  }),
  'views.delete': method({
    summary: 'Delete a saved view (own views; shared views need tag management permission).',
    access: 'customers.read',
    mutates: true,
    input: z.object({ id: idSchema }).strict(),
    output: okOutput,
  }),
};
