/**
 * The database schema (drizzle-orm), one file per business area.
 * `npm run db:generate` turns changes here into a new migration.
 */
export * from './core';
export * from './sync';
export * from './customers';

import { settings, users } from './core';
import { categories, companies, contacts, notes, recordTags, savedViews, tags } from './customers';
import { syncOfficeKeys, syncRemovedDevices } from './sync';

/** Tables of office data: written only through `Writer`, logged in `change_log`, synced between desktops. */
export const SYNCED_TABLES = {
  users,
  settings,
  companies,
  contacts,
  tags,
  recordTags,
  categories,
  notes,
  savedViews,
  syncRemovedDevices,
  syncOfficeKeys,
} as const;
