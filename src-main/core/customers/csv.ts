/** CSV export: RFC 4180 quoting, UTF-8 with a BOM so Excel opens Chinese text correctly, headers in the user's language. */
import type { Company, Contact, RecordKind } from '../../../src-shared/contract/customers';
import type { Language } from '../../../src-shared/contract';
import { resources } from '../../../src-shared/i18n';
import { displayName } from './repo';

function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Cells starting with = + - @ would run as formulas in spreadsheet apps.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function toCsv(kind: 'company', rows: Company[], language: Language): string;
export function toCsv(kind: 'contact', rows: Contact[], language: Language): string;
export function toCsv(kind: RecordKind, rows: (Company | Contact)[], language: Language): string {
  const h = resources[language].translation.csv;
  let header: string[];
  let lines: unknown[][];
  if (kind === 'company') {
    header = [h.name, h.industry, h.province, h.city, h.address, h.phone, h.website, h.level, h.owner, h.tags, h.createdAt, h.updatedAt];
    lines = (rows as Company[]).map((c) => [
      c.name,
      c.industry,
      c.province,
      c.city,
      c.address,
      c.phone,
      c.website,
      c.level,
      c.owner?.displayName,
      c.tags.map((t) => t.name).join('; '),
      date(c.createdAt),
      date(c.updatedAt),
    ]);
  } else {
    header = [h.name, h.familyName, h.givenName, h.title, h.company, h.phone, h.email, h.province, h.city, h.owner, h.tags, h.createdAt, h.updatedAt];
    lines = (rows as Contact[]).map((c) => [
      displayName(c.familyName, c.givenName),
      c.familyName,
      c.givenName,
      c.title,
      c.companyName,
      c.phones.map((p) => p.number).join('; '),
      c.emails.map((e) => e.address).join('; '),
      c.province,
      c.city,
      c.owner?.displayName,
      c.tags.map((t) => t.name).join('; '),
      date(c.createdAt),
      date(c.updatedAt),
    ]);
  }
  return `\uFEFF${[header, ...lines].map((line) => line.map(cell).join(',')).join('\r\n')}\r\n`;
}
