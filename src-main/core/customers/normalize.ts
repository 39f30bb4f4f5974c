/** Input normalisation for customer records: names, phone numbers (libphonenumber-js), emails. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { FieldError } from '../../../src-shared/errors';
import { HarborError } from '../../../src-shared/errors';

/** Lowercased, without spaces: the sort key and prefix-search key of a name. */
export function nameKey(...parts: (string | null | undefined)[]): string {
  return parts
    .map((p) => p ?? '')
    .join('')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, '');
}

export const DEFAULT_COUNTRY: CountryCode = 'CN';

/** E.164 for a valid number, or null. */
export function normalizePhone(raw: string, country: CountryCode = DEFAULT_COUNTRY): string | null {
  const parsed = parsePhoneNumberFromString(raw.normalize('NFKC'), country);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** Digits only: what partial phone searches compare. */
export function phoneDigits(raw: string): string {
  return raw.replace(/\D+/g, '');
}

export function collectPhoneErrors(
  phones: { label: string; number: string }[] | undefined,
  path: string,
  errors: FieldError[],
): { label: string; number: string }[] | undefined {
  if (!phones) return undefined;
  return phones.map((p, i) => {
    const e164 = normalizePhone(p.number);
    if (!e164) errors.push({ path: `${path}.${i}.number`, messageKey: 'validation.invalid_phone' });
    return { label: p.label, number: e164 ?? p.number };
  });
}

export function throwIfErrors(errors: FieldError[]): void {
  if (errors.length > 0) throw new HarborError('VALIDATION_ERROR', 'errors.VALIDATION_ERROR', undefined, errors);
}

/** A company phone may be a landline with an extension: valid numbers become E.164, others are refused. */
export function normalizeCompanyPhone(raw: string | null | undefined, errors: FieldError[]): string | null | undefined {
  if (raw === undefined || raw === null || raw === '') return raw === '' ? null : raw;
  const e164 = normalizePhone(raw);
  if (!e164) errors.push({ path: 'phone', messageKey: 'validation.invalid_phone' });
  return e164 ?? raw;
}

export function normalizeWebsite(raw: string | null | undefined, errors: FieldError[]): string | null | undefined {
  if (raw === undefined || raw === null || raw === '') return raw === '' ? null : raw;
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  try {
    const url = new URL(withScheme);
    if (!['http:', 'https:'].includes(url.protocol) || !url.hostname.includes('.')) throw new Error('bad');
    return url.toString().replace(/\/$/, '');
  } catch {
    errors.push({ path: 'website', messageKey: 'validation.invalid_url' });
    return raw;
  }
}
