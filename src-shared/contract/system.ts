import { z } from 'zod';
import { method } from './define';
import {
  currencySchema,
  emptyInput,
  languageSchema,
  passwordSchema,
  text,
  usernameSchema,
} from './common';
import { sessionSchema } from './auth';

export const settingsSchema = z.object({
  officeName: z.string(),
  currency: currencySchema,
  defaultLanguage: languageSchema,
  /** Minutes of inactivity before the app locks; 0 turns the idle lock off. */
  idleLockMinutes: z.number().int().min(0).max(480),
  /** A contact not updated for this many days shows in its owner's "needs attention" list. */
  staleContactDays: z.number().int().min(1).max(3650),
  /** Defaults for new companies and contacts. */
  defaultProvince: z.string(),
  defaultCity: z.string(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const statusSchema = z.object({
  setUp: z.boolean(),
  officeName: z.string().nullable(),
  defaultLanguage: languageSchema,
  currency: currencySchema,
  appVersion: z.string(),
  schemaVersion: z.number(),
  deviceId: z.string(),
  /** How the database key is protected on this machine. */
  keyProtection: z.enum(['os', 'file', 'weak']),
});

export const auditEntrySchema = z.object({
  seq: z.number(),
  at: z.number(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  target: z.string().nullable(),
  hash: z.string(),
});

export const systemMethods = {
  'system.status': method({
    summary: 'Whether the office is set up, its name, defaults and versions.',
    access: 'public',
    mutates: false,
    input: emptyInput,
    output: statusSchema,
  }),
  'system.setup': method({
    summary: 'First run: create the office and its first administrator, optionally with sample data.',
    access: 'public',
    mutates: true,
    input: z
      .object({
        officeName: text(100),
        language: languageSchema,
        currency: currencySchema,
        admin: z
          .object({
            displayName: text(80),
            username: usernameSchema,
            password: passwordSchema,
          })
          .strict(),
        loadSampleData: z.boolean().default(false),
      })
      .strict(),
    output: sessionSchema,
  }),
  'settings.get': method({
    summary: 'Office-wide settings.',
    access: 'settings.read',
    mutates: false,
    input: emptyInput,
    output: settingsSchema,
  }),
  'settings.update': method({
    summary: 'Change office-wide settings.',
    access: 'settings.manage',
    mutates: true,
    input: z
      .object({
        officeName: text(100).optional(),
        currency: currencySchema.optional(),
        defaultLanguage: languageSchema.optional(),
        idleLockMinutes: z.number().int().min(0).max(480).optional(),
        staleContactDays: z.number().int().min(1).max(3650).optional(),
        defaultProvince: z.string().trim().max(60).optional(),
        defaultCity: z.string().trim().max(60).optional(),
      })
      .strict(),
    output: settingsSchema,
  }),
  'sample.load': method({
    summary: 'Fill the office with realistic demo data (staff, companies, contacts).',
    access: 'sample.load',
    mutates: true,
    input: emptyInput,
    output: z.object({ counts: z.record(z.string(), z.number()) }),
  }),
  'audit.list': method({
    summary: 'Newest audit log entries first.',
    access: 'audit.read',
    mutates: false,
    input: z
      .object({ limit: z.number().int().min(1).max(500).default(100), beforeSeq: z.number().int().optional() })
      .strict(),
    output: z.array(auditEntrySchema),
  }),
  'audit.verify': method({
    summary: 'Re-compute the audit hash chain and report the first broken entry, if any.',
    access: 'audit.read',
    mutates: false,
    input: emptyInput,
    output: z.object({ ok: z.boolean(), checked: z.number(), firstBrokenSeq: z.number().nullable() }),
  }),
};
export type AuditEntry = z.infer<typeof auditEntrySchema>;
