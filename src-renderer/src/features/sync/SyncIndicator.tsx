/** The header's sync indicator: synced / syncing / offline / problem; hidden while this desktop does not sync. */
import { Badge, Loader, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconCloudCheck, IconCloudOff } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { SyncStateName } from '../../../../src-shared/contract';
import { useApiQuery } from '../../api/hooks';
import { errorMessage } from '../../i18n';

const COLORS: Record<SyncStateName, string> = { off: 'gray', idle: 'teal', syncing: 'blue', offline: 'gray', error: 'red' };

export function SyncIndicator() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const status = useApiQuery('sync.status', {}, { refetchInterval: 5000, staleTime: 2000 });
  if (!status.data?.enabled) return null;
  const { state, lastError, openConflicts } = status.data;
  const icon =
    state === 'syncing' ? <Loader size={12} /> : state === 'error' ? <IconAlertTriangle size={14} /> : state === 'offline' ? <IconCloudOff size={14} /> : <IconCloudCheck size={14} />;
  const tip = [
    lastError ? errorMessage(t, { code: 'CONFLICT', ...lastError }) : t(`sync.state.${state}`),
    openConflicts > 0 ? t('sync.conflicts.open', { count: openConflicts }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Tooltip label={tip} multiline maw={320} withinPortal>
      <Badge
        component="button"
        type="button"
        variant="light"
        color={openConflicts > 0 && state === 'idle' ? 'yellow' : COLORS[state]}
        leftSection={icon}
        onClick={() => void navigate('/sync')}
        style={{ cursor: 'pointer' }}
        data-testid="sync-indicator"
        data-state={state}
        visibleFrom="xs"
      >
        {t(`sync.state.${state}`)}
      </Badge>
    </Tooltip>
  );
}
