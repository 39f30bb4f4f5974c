/**
 * Which backups to keep: the newest `keepLast`, plus the newest backup of each
 * of the last `daily` days, `weekly` ISO weeks and `monthly` months that have
 * one (local calendar). A pure function; the caller deletes the rest.
 */
import type { Retention } from '../../../src-shared/contract/backup';

export interface Dated {
  name: string;
  createdAt: number;
}

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** ISO 8601 week: weeks start on Monday; a week belongs to the year of its Thursday. */
function weekKey(d: Date): string {
  const thursday = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  thursday.setDate(thursday.getDate() - ((thursday.getDay() + 6) % 7) + 3);
  const jan1 = new Date(thursday.getFullYear(), 0, 1);
  const dayOfYear = Math.round((thursday.getTime() - jan1.getTime()) / 86_400_000);
  return `${thursday.getFullYear()}-W${Math.floor(dayOfYear / 7) + 1}`;
}

function monthKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}`;
}

export function selectRetained<T extends Dated>(backups: T[], policy: Retention): { keep: T[]; remove: T[] } {
  const sorted = [...backups].sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : -1));
  const kept = new Set<T>(sorted.slice(0, Math.max(1, policy.keepLast)));
  const buckets: [number, (d: Date) => string][] = [
    [policy.daily, dayKey],
    [policy.weekly, weekKey],
    [policy.monthly, monthKey],
  ];
  for (const [limit, key] of buckets) {
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= limit) break;
      const k = key(new Date(b.createdAt));
      if (seen.has(k)) continue;
      seen.add(k);
      kept.add(b);
    }
  }
  return { keep: sorted.filter((b) => kept.has(b)), remove: sorted.filter((b) => !kept.has(b)) };
}
