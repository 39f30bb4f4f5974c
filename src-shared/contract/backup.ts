import { z } from 'zod';
import { method } from './define';
import { emptyInput, languageSchema, okOutput, passwordSchema } from './common';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'validation.invalid_format' });

export const backupScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off') }).strict(),
  z.object({ kind: z.literal('hourly'), minute: z.number().int().min(0).max(59) }).strict(),
  z.object({ kind: z.literal('daily'), at: timeOfDay }).strict(),
  /** `day`: 0 = Sunday ... 6 = Saturday. */
  z.object({ kind: z.literal('weekly'), day: z.number().int().min(0).max(6), at: timeOfDay }).strict(),
]);
export type BackupSchedule = z.infer<typeof backupScheduleSchema>;

export const retentionSchema = z
  .object({
    /** The newest N backups are always kept. */
    keepLast: z.number().int().min(1).max(100),
    /** Plus the newest backup of each of the last N days / weeks / months that have one. */
    daily: z.number().int().min(0).max(90),
    weekly: z.number().int().min(0).max(104),
    monthly: z.number().int().min(0).max(120),
  })
  .strict();
export type Retention = z.infer<typeof retentionSchema>;

export const backupConfigSchema = z.object({
  /** Folder on this computer (USB drive, network share); device-local. */
  targetDir: z.string().nullable(),
  schedule: backupScheduleSchema,
  retention: retentionSchema,
});
export type BackupConfig = z.infer<typeof backupConfigSchema>;

const messageSchema = z.object({ messageKey: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() });

export const backupContentsSchema = z.object({
  appVersion: z.string(),
  schemaVersion: z.number(),
  officeName: z.string(),
  createdAt: z.number(),
  deviceId: z.string(),
  counts: z.record(z.string(), z.number()),
  db: z.object({ bytes: z.number(), sha256: z.string() }),
});
export type BackupContentsView = z.infer<typeof backupContentsSchema>;

export const backupJobSchema = z.object({
  id: z.string(),
  kind: z.enum(['backup', 'verify', 'restore']),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  stage: z.string(),
  done: z.number(),
  total: z.number(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  error: messageSchema.extend({ code: z.string() }).nullable(),
  /** The backup written or checked (backup, verify) or restored from (restore). */
  path: z.string().nullable(),
  contents: backupContentsSchema.nullable(),
});
export type BackupJob = z.infer<typeof backupJobSchema>;

export const backupStatusSchema = z.object({
  config: backupConfigSchema,
  passwordSet: z.boolean(),
  lastSuccessAt: z.number().nullable(),
  lastBackup: z.object({ name: z.string(), path: z.string(), bytes: z.number() }).nullable(),
  lastAttemptAt: z.number().nullable(),
  lastError: messageSchema.nullable(),
  nextRunAt: z.number().nullable(),
  /** The last good backup is older than the schedule allows. */
  overdue: z.boolean(),
  job: backupJobSchema.nullable(),
});
export type BackupStatus = z.infer<typeof backupStatusSchema>;

export const backupEntrySchema = z.object({ name: z.string(), path: z.string(), createdAt: z.number(), bytes: z.number() });
export type BackupEntryView = z.infer<typeof backupEntrySchema>;

const pathSchema = z.string().min(1).max(4096);
const jobIdOutput = z.object({ jobId: z.string() });

export const backupMethods = {
  'backup.status': method({
    summary: 'Backup settings of this computer, last success, next run, overdue warning and the running job.',
    access: 'backup.manage',
    mutates: false,
    input: emptyInput,
    output: backupStatusSchema,
  }),
  'backup.setConfig': method({
    summary: 'Set the backup folder, schedule and retention of this computer.',
    access: 'backup.manage',
    mutates: true,
    input: z
      .object({
        targetDir: pathSchema.nullable().optional(),
        schedule: backupScheduleSchema.optional(),
        retention: retentionSchema.optional(),
      })
      .strict(),
    output: backupStatusSchema,
  }),
  'backup.setPassword': method({
    summary: 'Set or change the backup password used by scheduled backups (stored only as a derived key).',
    access: 'backup.manage',
    mutates: true,
    input: z.object({ password: passwordSchema }).strict(),
    output: okOutput,
  }),
  'backup.run': method({
    summary: 'Back up now into the configured folder; progress arrives as job.progress events.',
    access: 'backup.manage',
    mutates: false,
    input: emptyInput,
    output: jobIdOutput,
  }),
  'backup.cancel': method({
    summary: 'Cancel a running backup, verification or restore; nothing is left half-done.',
    access: 'public',
    mutates: false,
    input: z.object({ jobId: z.string() }).strict(),
    output: okOutput,
  }),
  'backup.job': method({
    summary: 'State, progress and outcome of a backup, verification or restore job.',
    access: 'public',
    mutates: false,
    input: z.object({ jobId: z.string() }).strict(),
    output: backupJobSchema,
  }),
  'backup.list': method({
    summary: 'Backups in the configured folder (or another one), newest first, and the safety copies kept by restores.',
    access: 'backup.manage',
    mutates: false,
    input: z.object({ dir: pathSchema.optional() }).strict(),
    output: z.object({
      dir: z.string().nullable(),
      backups: z.array(backupEntrySchema),
      safetyCopies: z.array(backupEntrySchema),
    }),
  }),
  'backup.inspect': method({
    summary: "Open a backup's manifest with its password: date, office, versions, record counts. Also on a fresh install.",
    access: 'public',
    mutates: false,
    input: z.object({ path: pathSchema, password: z.string().min(1).max(256) }).strict(),
    output: backupContentsSchema,
  }),
  'backup.verify': method({
    summary: 'Verify a backup (password, checksum, integrity check, record counts) as a job.',
    access: 'backup.manage',
    mutates: false,
    input: z.object({ path: pathSchema, password: z.string().min(1).max(256).optional() }).strict(),
    output: jobIdOutput,
  }),
  'backup.pickFolder': method({
    summary:
      "Desktop app only: the OS folder dialog, for the backup folder (`target`) or a backup to restore (`backup`). Null when the user cancels. Also on a fresh install.",
    access: 'public',
    mutates: false,
    /** `language`: of the dialog's title, the one the page shows. */
    input: z.object({ purpose: z.enum(['target', 'backup']), current: pathSchema.optional(), language: languageSchema }).strict(),
    output: z.object({ path: z.string().nullable() }),
  }),
  'backup.restore': method({
    summary:
      'Replace the office database with a backup, keeping the current one as a safety copy; everyone signs in again. Also on a fresh install.',
    access: 'public',
    mutates: false,
    input: z.object({ path: pathSchema, password: z.string().min(1).max(256) }).strict(),
    output: jobIdOutput,
  }),
};
