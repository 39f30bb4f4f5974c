/**
 * What travels between desktops: batches of change-log entries, whatever the
 * transport (TLS socket, shared folder, in-memory in tests). A batch is
 * validated as a whole before anything of it is applied.
 */
import { z } from 'zod';

/** Bumped when the batch format itself changes (not the database schema). */
export const PROTOCOL_VERSION = 1;

/** Entries per batch unless a caller asks otherwise. */
export const DEFAULT_BATCH_SIZE = 2000;

/**
 * Background rounds apply small batches: each is one transaction in the sync
 * worker (about 10 ms), the longest a write from the UI waits for the lock.
 * Over TLS the next batch is fetched while one is applied, so small costs no
 * round trips; a shared-folder file (up to DEFAULT_BATCH_SIZE entries) is
 * applied in slices of this size.
 */
export const BACKGROUND_BATCH = 100;

const stampSchema = z.string().regex(/^\d{15}\.\d{6}\.[A-Za-z0-9_-]{1,64}$/);

export const wireEntrySchema = z
  .object({
    hlc: stampSchema,
    device: z.string().min(1).max(64),
    tbl: z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/),
    row: z.string().min(1).max(200),
    op: z.enum(['insert', 'update', 'purge']),
    /** JSON object: database column name -> stored value, exactly as the origin logged it. */
    data: z.string().max(1_000_000),
    actor: z.string().max(200).nullable(),
    /** Field stamps the origin had seen when it wrote this entry (`*` for a purge: the row's newest). */
    base: z.record(z.string(), stampSchema).optional(),
  })
  .refine((e) => e.hlc.endsWith(`.${e.device}`), { message: 'stamp does not belong to its device' });
export type WireEntry = z.infer<typeof wireEntrySchema>;

export const batchSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  /** The sender's database schema version: a receiver older than this refuses the batch. */
  schemaVersion: z.number().int().min(1),
  /** The sending device (not necessarily the origin of each entry: entries are relayed). */
  from: z.string().min(1).max(64),
  /** Sender's change_log seq range covered: entries with start < seq <= end were considered. */
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  more: z.boolean(),
  entries: z.array(wireEntrySchema).max(100_000),
});
export type Batch = z.infer<typeof batchSchema>;

/** Columns every synced row carries for bookkeeping: merged by LWW, never shown as conflicts. */
export const BOOKKEEPING_COLUMNS = new Set(['created_at', 'created_by', 'updated_at', 'updated_by']);
