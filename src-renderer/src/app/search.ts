/**
 * The search registry behind the command palette (Ctrl/Cmd+K). Navigation
 * entries come from `modules.tsx`; a feature that wants its records found
 * adds one provider here:
 *
 *   { id: 'customers', groupKey: 'customers.title', permission: 'customers.read', minLength: 1,
 *     search: async (q) => (await call('customers.search', { q, limit: 8 })).map((c) => ({
 *       id: c.id, label: c.name, description: c.city, path: `/customers/${c.id}` })) }
 *
 * Providers run in parallel, each with the (debounced) query; a provider that
 * fails only hides its own group.
 */
import type { Permission } from '../../../src-shared/permissions';
import { call } from '../api/client';
import { customerSearchProviders } from '../features/customers/search';

export interface SearchHit {
  id: string;
  label: string;
  description?: string;
  /** Route opened when the hit is chosen. */
  path: string;
}

export interface SearchProvider {
  id: string;
  /** i18n key of the group title in the palette. */
  groupKey: string;
  permission?: Permission;
  /** Shortest query the provider answers (CJK names are often 2 characters). */
  minLength?: number;
  search(query: string): Promise<SearchHit[]>;
}

export const searchProviders: SearchProvider[] = [
  ...customerSearchProviders,
  {
    id: 'users',
    groupKey: 'ui.palette.users',
    permission: 'users.read',
    minLength: 1,
    async search(query) {
      const needle = query.toLowerCase();
      const users = await call('users.list', { includeInactive: true });
      return users
        .filter((u) => u.displayName.toLowerCase().includes(needle) || u.username.includes(needle))
        .slice(0, 8)
        .map((u) => ({ id: u.id, label: u.displayName, description: u.username, path: `/settings/users?user=${u.id}` }));
    },
  },
];
