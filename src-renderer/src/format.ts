/** Dates, numbers and money in the user's language, through `Intl`. */
import type { Currency } from '../../src-shared/contract';
import { currentLanguage } from './i18n';

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${currentLanguage()}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.NumberFormat(currentLanguage(), options)));
  return format;
}

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${currentLanguage()}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.DateTimeFormat(currentLanguage(), options)));
  return format;
}

export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return numberFormat(options).format(value);
}

/** Money is stored as integer minor units (fen, cents); yen has none. */
export function formatMoney(minorUnits: number, currency: Currency): string {
  const format = numberFormat({ style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnits / 10 ** digits);
}

export function formatDate(epochMs: number): string {
  return dateFormat({ dateStyle: 'medium' }).format(epochMs);
}

export function formatDateTime(epochMs: number): string {
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(epochMs);
}

/** The currency's name in the current language, e.g. "人民币" / "Chinese Yuan". */
export function currencyName(currency: Currency): string {
  try {
    const names = new Intl.DisplayNames(currentLanguage(), { type: 'currency' });
    return names.of(currency) ?? currency;
  } catch {
    return currency;
  }
}
