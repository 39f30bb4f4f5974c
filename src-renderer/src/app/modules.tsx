/**
 * The module registry: every screen reachable from the sidebar and the
 * command palette. A feature adds itself with one entry here:
 *
 *   { path: '/customers', labelKey: 'customers.title', icon: IconUsers,
 *     permission: 'customers.read', element: <CustomersPage /> }
 *
 * `path` is the route (nested routes of the feature live under `path/*`),
 * `labelKey` an i18n key, `permission` hides the entry from users without it
 * (the core enforces it anyway), `keywords` extra words the palette matches.
 * Order here is the order in the sidebar.
 *
 * `publicRoutes` are screens shown without an office or a session (e.g. a
 * "restore from backup" screen at `/restore`); `setupExtras` are links or
 * panels added below the first-run setup wizard (e.g. a link to `/restore`).
 */
import type { Icon } from '@tabler/icons-react';
import { IconHome, IconRefresh, IconSettings } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Permission } from '../../../src-shared/permissions';
import { HomePage } from '../features/home/HomePage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { CustomersPage } from '../features/customers/CustomersPage';
import { IconAddressBook } from '@tabler/icons-react';
import { RestoreLink, RestorePage } from '../features/backup/RestorePage';
import { JoinOffice, JoinOfficeLink } from '../features/sync/JoinOffice';
import { SyncPage } from '../features/sync/SyncPage';

export interface AppModule {
  path: string;
  labelKey: string;
  icon: Icon;
  permission?: Permission;
  element: ReactNode;
  /** Extra words (any language) the command palette matches. */
  keywords?: string[];
  /** Shown in the sidebar; false for screens reached only by link or palette. */
  nav?: boolean;
}

export const modules: AppModule[] = [
  { path: '/', labelKey: 'ui.nav.home', icon: IconHome, element: <HomePage />, keywords: ['home', '首页'] },
  { path: '/customers', labelKey: 'customers.title', icon: IconAddressBook, permission: 'customers.read', element: <CustomersPage />, keywords: ['customers', 'contacts', 'companies', 'crm', '客户', '联系人', '公司'] },
  {
    path: '/settings',
    labelKey: 'ui.nav.settings',
    icon: IconSettings,
    permission: 'settings.read',
    element: <SettingsPage />,
    keywords: ['settings', 'users', 'audit', '设置', '用户', '审计'],
  },
  { path: '/sync', labelKey: 'sync.navLabel', icon: IconRefresh, element: <SyncPage />, keywords: ['sync', 'pair', 'conflicts', '同步', '配对', '冲突'] },
];

export interface PublicRoute {
  path: string;
  element: ReactNode;
}

/** Screens that work before setup and without signing in. */
export const publicRoutes: PublicRoute[] = [
  { path: '/restore', element: <RestorePage /> },
  { path: '/join', element: <JoinOffice /> },
];

export interface SetupExtra {
  id: string;
  /** Rendered below the setup wizard, e.g. `<Anchor href="#/restore">…</Anchor>`. */
  render: () => ReactNode;
}

/** Additions to the first-run setup screen (the "Restore from backup" link goes here). */
export const setupExtras: SetupExtra[] = [
  { id: 'backup-restore', render: () => <RestoreLink /> },
  { id: 'sync-join', render: () => <JoinOfficeLink /> },
];
