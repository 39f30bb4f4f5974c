/** Office-wide settings: one synced row per key, JSON values, defaults for missing keys. */
import type { Settings } from '../../../src-shared/contract';
import { settingsSchema } from '../../../src-shared/contract';
import type { SqliteDb } from '../db/connection';
import { settings } from '../db/schema';
import { cachedStatement, type Writer } from '../db/writer';

export const DEFAULT_SETTINGS: Settings = {
  officeName: '',
  currency: 'CNY',
  defaultLanguage: 'zh-CN',
  idleLockMinutes: 15,
  staleContactDays: 90,
  defaultProvince: '',
  defaultCity: '',
};

export function readSettings(db: SqliteDb): Settings {
  const rows = cachedStatement(db, 'SELECT id, value FROM settings WHERE deleted_at IS NULL').all() as {
    id: string;
    value: string;
  }[];
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const row of rows) {
    if (row.id in DEFAULT_SETTINGS) merged[row.id] = JSON.parse(row.value);
  }
  const parsed = settingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export function writeSettings(write: Writer, patch: Partial<Settings>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const json = JSON.stringify(value);
    if (write.get(settings, key)) write.update(settings, key, { value: json });
    else write.insertRaw(settings, { id: key, value: json });
  }
}

export function isSetUp(db: SqliteDb): boolean {
  return Boolean(cachedStatement(db, "SELECT 1 FROM users WHERE role = 'administrator' LIMIT 1").get());
}
