/** Shared vocabulary of the Customers screens: kinds, routes, names, stored preferences. */
import type { RecordKind } from '../../../../src-shared/contract/customers';

export type { RecordKind };

export const PAGE_SIZE = 100;
/** `*.list` counts at most this many rows; more shows as "10,000+". */
export const TOTAL_CAP = 10_001;

export const kindPath = (kind: RecordKind) => (kind === 'company' ? 'companies' : 'contacts');
export const recordPath = (kind: RecordKind, id: string) => `/customers/${kindPath(kind)}/${id}`;

/** A person's name in the order its script expects: 张三 for Chinese, "Ann Lee" for Latin names. */
export function personName(family: string, given: string): string {
  if (!family || !given) return family || given;
  return /[\u3400-\u9fff]/.test(family + given) ? `${family}${given}` : `${given} ${family}`;
}

/** Empty text becomes null (the contract's "no value"). */
export const orNull = (value: string | null | undefined): string | null => {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
};

/** Per-user preferences kept on this device. */
export function readStored<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function writeStored(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage disabled: the preference lasts for this page only.
  }
}

/**
 * Day input (yyyy-mm-dd) to epoch ms at local midnight; `exclusiveEnd` gives
 * the next midnight, for the lists' exclusive upper bounds.
 */
export function dayToEpoch(day: string, exclusiveEnd = false): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + (exclusiveEnd ? 1 : 0)).getTime();
}

export function epochToDay(epoch: number | undefined, exclusiveEnd = false): string {
  if (epoch === undefined) return '';
  const date = new Date(epoch - (exclusiveEnd ? 1 : 0));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Saves text as a file through the browser (the desktop window behaves the same). */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
