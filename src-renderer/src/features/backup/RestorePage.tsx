/** First run: restore the office from a backup instead of setting up a new one (`#/restore`). */
import { Anchor, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { AuthLayout } from '../../components/AuthLayout';
import { RestorePanel } from './RestorePanel';

export function RestorePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (
    <AuthLayout width={620}>
      <Stack>
        <Text fw={600} size="lg">
          {t('backup.firstRun')}
        </Text>
        <Text size="sm" c="dimmed">
          {t('backup.firstRunHint')}
        </Text>
        <RestorePanel
          onRestored={() => {
            void queryClient.invalidateQueries();
            void navigate('/');
          }}
        />
        <Anchor size="sm" onClick={() => void navigate('/')}>
          {t('ui.common.back')}
        </Anchor>
      </Stack>
    </AuthLayout>
  );
}

/** The link below the setup wizard. */
export function RestoreLink() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Text ta="center" size="sm">
      <Anchor onClick={() => void navigate('/restore')} data-testid="restore-link">
        {t('backup.firstRun')}
      </Anchor>
    </Text>
  );
}
