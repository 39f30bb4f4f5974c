/** Settings: office-wide settings, user accounts, the audit log; each tab only for those allowed. */
import { Stack, Tabs, Title } from '@mantine/core';
import { IconAdjustments, IconDatabase, IconListCheck, IconRefresh, IconUsers, type Icon } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams } from 'react-router';
import type { Permission } from '../../../../src-shared/permissions';
import { useSession } from '../../session';
import { AuditLog } from './AuditLog';
import { GeneralSettings } from './GeneralSettings';
import { UsersSettings } from './UsersSettings';
import { BackupSettings } from '../backup/BackupSettings';
import { SyncSettings } from '../sync/SyncPage';

/**
 * The settings tabs. An area with its own settings (backup, sync, customers)
 * adds one entry: `{ id: 'backup', labelKey: 'backup.settingsTab', icon: IconDatabase,
 * permission: 'backup.manage', element: <BackupSettings /> }`; it shows at `/settings/<id>`.
 */
export interface SettingsTab {
  id: string;
  labelKey: string;
  icon: Icon;
  permission: Permission;
  element: ReactNode;
}

export const settingsTabs: SettingsTab[] = [
  { id: 'general', labelKey: 'ui.settings.general', icon: IconAdjustments, permission: 'settings.read', element: <GeneralSettings /> },
  { id: 'users', labelKey: 'ui.settings.users', icon: IconUsers, permission: 'users.read', element: <UsersSettings /> },
  { id: 'audit', labelKey: 'ui.settings.audit', icon: IconListCheck, permission: 'audit.read', element: <AuditLog /> },
  { id: 'backup', labelKey: 'backup.title', icon: IconDatabase, permission: 'backup.manage', element: <BackupSettings /> },
  { id: 'sync', labelKey: 'sync.title', icon: IconRefresh, permission: 'sync.manage', element: <SyncSettings /> },
];

export function SettingsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const tabId = useParams()['*']?.split('/')[0] ?? '';
  const tabs = settingsTabs.filter((tab) => session.can(tab.permission));
  const current = tabs.find((tab) => tab.id === tabId);
  if (!current) return tabs[0] ? <Navigate to={`/settings/${tabs[0].id}`} replace /> : null;

  return (
    <Stack gap="md" maw={1100}>
      <Title order={2}>{t('ui.nav.settings')}</Title>
      <Tabs value={current.id} onChange={(value) => value && navigate(`/settings/${value}`)} keepMounted={false}>
        <Tabs.List>
          {tabs.map((tab) => {
            const TabIcon = tab.icon;
            return (
              <Tabs.Tab key={tab.id} value={tab.id} leftSection={<TabIcon size={16} />}>
                {t(tab.labelKey)}
              </Tabs.Tab>
            );
          })}
        </Tabs.List>
        {tabs.map((tab) => (
          <Tabs.Panel key={tab.id} value={tab.id} pt="md">
            {tab.element}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
