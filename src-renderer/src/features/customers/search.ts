/**
 * Palette search over companies and contacts: one `customers.search` call per
 * query, shown as two groups.
 */
import type { MethodOutput } from '../../../../src-shared/contract';
import { call } from '../../api/client';
import type { SearchHit, SearchProvider } from '../../app/search';
import { recordPath } from './model';

type Found = MethodOutput<'customers.search'>;

let last: { q: string; result: Promise<Found> } | null = null;

function search(q: string): Promise<Found> {
  if (last?.q !== q) last = { q, result: call('customers.search', { q, limit: 8 }) };
  const mine = last;
  mine.result.catch(() => {
    if (last === mine) last = null;
  });
  return mine.result;
}

const toHits = (hits: Found['contacts']): SearchHit[] =>
  hits.map((h) => ({ id: h.id, label: h.title, description: h.subtitle ?? undefined, path: recordPath(h.kind, h.id) }));

export const customerSearchProviders: SearchProvider[] = [
  { id: 'contacts', groupKey: 'customers.nav.contacts', permission: 'customers.read', minLength: 1, search: async (q) => toHits((await search(q)).contacts) },
  { id: 'companies', groupKey: 'customers.nav.companies', permission: 'customers.read', minLength: 1, search: async (q) => toHits((await search(q)).companies) },
];
