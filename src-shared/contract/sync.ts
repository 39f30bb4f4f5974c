import { z } from 'zod';
import { method } from './define';
import { emptyInput, okOutput, text } from './common';

export const syncStateSchema = z.enum(['off', 'idle', 'syncing', 'offline', 'error']);
export type SyncStateName = z.infer<typeof syncStateSchema>;

const problemSchema = z.object({ messageKey: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() });

export const syncStatusSchema = z.object({
  state: syncStateSchema,
  /** This desktop belongs to an office (created or joined). */
  enabled: z.boolean(),
  deviceId: z.string(),
  deviceName: z.string(),
  port: z.number().nullable(),
  lastSyncAt: z.number().nullable(),
  lastError: problemSchema.nullable(),
  peers: z.number(),
  openConflicts: z.number(),
  folder: z.string().nullable(),
  /** This desktop holds an office's data but no longer syncs with it (removed, or left by a restore): it can join it again. */
  rejoinable: z.boolean(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const syncPeerSchema = z.object({
  deviceId: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  fingerprint: z.string(),
  addedAt: z.number(),
  lastContactAt: z.number().nullable(),
  lastError: z.string().nullable(),
  schemaVersion: z.number().nullable(),
  /** Changes this desktop holds that the peer has not confirmed yet. */
  pending: z.number(),
});
export type SyncPeer = z.infer<typeof syncPeerSchema>;

export const syncConflictSchema = z.object({
  id: z.number(),
  table: z.string(),
  rowId: z.string(),
  column: z.string(),
  kind: z.enum(['field', 'purged']),
  lostValue: z.unknown(),
  wonValue: z.unknown(),
  lostAt: z.number(),
  wonAt: z.number(),
  detectedAt: z.number(),
  resolvedAt: z.number().nullable(),
  restorable: z.boolean(),
  /** A secret column (password hash): the values are not shown. */
  hidden: z.boolean(),
});
export type SyncConflict = z.infer<typeof syncConflictSchema>;

const hostSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'validation.invalid_format' });
const portSchema = z.number().int().min(1).max(65535);
const addressSchema = z
  .string()
  .trim()
  .max(260)
  .regex(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, { error: 'validation.invalid_format' });

export const syncMethods = {
  'sync.status': method({
    summary: 'Sync state of this desktop for the header indicator: synced, syncing, offline or error.',
    access: 'authenticated',
    mutates: false,
    input: emptyInput,
    output: syncStatusSchema,
  }),
  'sync.peers': method({
    summary: 'Paired desktops with address, last contact and changes they have not received yet.',
    access: 'sync.manage',
    mutates: false,
    input: emptyInput,
    output: z.array(syncPeerSchema),
  }),
  'sync.pair.start': method({
    summary: 'Show a pairing code (8 digits, 10 minutes, one attempt); makes this desktop the office’s first if needed.',
    access: 'sync.manage',
    mutates: true,
    input: z.object({ deviceName: text(60).optional() }).strict(),
    output: z.object({ code: z.string(), expiresAt: z.number(), port: z.number(), addresses: z.array(z.string()) }),
  }),
  'sync.pair.cancel': method({
    summary: 'Close the open pairing code.',
    access: 'sync.manage',
    mutates: false,
    input: emptyInput,
    output: okOutput,
  }),
  'sync.join': method({
    summary: 'First run on a new desktop: join an existing office with the code shown on one of its desktops.',
    access: 'public',
    mutates: true,
    input: z.object({ host: hostSchema, port: portSchema, code: z.string().trim().regex(/^\d{4}[\s-]?\d{4}$/, { error: 'sync.code_format' }), deviceName: text(60) }).strict(),
    output: z.object({ officeId: z.string(), peerName: z.string() }),
  }),
  'sync.rejoin': method({
    summary: 'Join the office again after this desktop was removed (or left it by a restore): it pairs under a new identity with a code from another desktop, keeping its data.',
    access: 'sync.manage',
    mutates: true,
    input: z.object({ host: hostSchema, port: portSchema, code: z.string().trim().regex(/^\d{4}[\s-]?\d{4}$/, { error: 'sync.code_format' }), deviceName: text(60) }).strict(),
    output: z.object({ officeId: z.string(), peerName: z.string(), deviceId: z.string() }),
  }),
  'sync.unpair': method({
    summary: 'Remove a paired desktop: it can no longer sync with this one.',
    access: 'sync.manage',
    mutates: true,
    input: z.object({ deviceId: z.string().min(1).max(64) }).strict(),
    output: okOutput,
  }),
  'sync.peer.setAddress': method({
    summary: 'Set the host:port of a paired desktop, for networks where discovery does not work.',
    access: 'sync.manage',
    mutates: true,
    input: z.object({ deviceId: z.string().min(1).max(64), address: addressSchema }).strict(),
    output: okOutput,
  }),
  'sync.now': method({
    summary: 'Start a sync round now (in the background; watch sync.status).',
    access: 'sync.manage',
    mutates: false,
    input: emptyInput,
    output: okOutput,
  }),
  'sync.folder.set': method({
    summary: 'Use a shared folder (network share, USB stick) as an additional sync route, or stop using it (null).',
    access: 'sync.manage',
    mutates: true,
    input: z.object({ path: z.string().trim().min(1).max(1000).nullable() }).strict(),
    output: okOutput,
  }),
  'sync.conflicts.list': method({
    summary: 'Values that lost a concurrent edit on another desktop, for the records the caller may read.',
    access: 'authenticated',
    mutates: false,
    input: z.object({ includeResolved: z.boolean().default(false), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    output: z.array(syncConflictSchema),
  }),
  'sync.conflicts.restore': method({
    summary: 'Write a lost value back (a normal new edit, which then syncs).',
    access: 'authenticated',
    mutates: true,
    input: z.object({ id: z.number().int().min(1) }).strict(),
    output: okOutput,
  }),
  'sync.conflicts.dismiss': method({
    summary: 'Keep the current value and hide the conflict.',
    access: 'authenticated',
    mutates: true,
    input: z.object({ id: z.number().int().min(1) }).strict(),
    output: okOutput,
  }),
};
