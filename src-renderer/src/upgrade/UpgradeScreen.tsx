import { Box, Button, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UpgradeBridge, UpgradeStatus } from '../../../src-shared/contract';
import { formatNumber } from '../format';

/** "Upgrading your data": a bar with its percent, what is happening, and Cancel (which quits Harbor). */
export function UpgradeScreen({ bridge }: { bridge: UpgradeBridge | undefined }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<UpgradeStatus>({ stage: 'copy', percent: 0 });
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => bridge?.onProgress(setStatus), [bridge]);
  useEffect(() => {
    document.title = t('ui.upgrade.title');
  }, [t]);

  const cancel = () => {
    setCancelling(true);
    bridge?.cancel().catch(() => setCancelling(false));
  };
  return (
    <Box className="harbor-auth-bg" p="lg">
      <Stack gap="sm" maw={440} mx="auto">
        <Title order={3}>{t('ui.upgrade.title')}</Title>
        <Text size="sm">{t('ui.upgrade.body')}</Text>
        <Group justify="space-between" mt="xs">
          <Text size="sm" c="dimmed">
            {cancelling ? t('ui.upgrade.cancelling') : t(status.stage === 'copy' ? 'ui.upgrade.copying' : 'ui.upgrade.migrating')}
          </Text>
          <Text size="sm" fw={600} data-testid="upgrade-percent">
            {formatNumber(status.percent / 100, { style: 'percent' })}
          </Text>
        </Group>
        <Progress value={status.percent} animated={!cancelling} aria-label={t('ui.upgrade.progress')} />
        <Group justify="space-between" align="flex-start" wrap="nowrap" mt="xs">
          <Text size="xs" c="dimmed">
            {t('ui.upgrade.cancelHint')}
          </Text>
          <Button variant="default" onClick={cancel} loading={cancelling} disabled={!bridge} style={{ flexShrink: 0 }}>
            {t('ui.upgrade.cancel')}
          </Button>
        </Group>
      </Stack>
    </Box>
  );
}
