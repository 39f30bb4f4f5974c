import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { JobProgress } from './job';

/** The progress of a running job, with its cancel button. */
export function JobProgressBar({ progress, label, onCancel }: { progress: JobProgress; label: string; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4} data-testid="backup-progress">
      <Text size="sm">{label}</Text>
      <Progress value={(100 * progress.done) / Math.max(1, progress.total)} animated aria-label={label} />
      <Group>
        <Button variant="default" onClick={onCancel}>
          {t('backup.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}
