/** Values that lost a concurrent edit on another desktop; one click brings one back. */
import { Alert, Badge, Button, Code, Group, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import type { SyncConflict } from '../../../../src-shared/contract';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { formatDateTime } from '../../format';
import { errorMessage } from '../../i18n';

function Value({ conflict, value }: { conflict: SyncConflict; value: unknown }) {
  const { t } = useTranslation();
  if (conflict.hidden) return <Text size="sm" c="dimmed">{t('sync.conflicts.hidden')}</Text>;
  if (value === null || value === undefined || value === '') return <Text size="sm" c="dimmed">{t('sync.conflicts.empty')}</Text>;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} maw={280}>
      {text.length > 300 ? `${text.slice(0, 300)}…` : text}
    </Code>
  );
}

export function ConflictsView() {
  const { t } = useTranslation();
  const list = useApiQuery('sync.conflicts.list', {});
  const onError = (error: { error: Parameters<typeof errorMessage>[1] }) => notifications.show({ color: 'red', message: errorMessage(t, error.error) });
  const restore = useApiMutation('sync.conflicts.restore', {
    onSuccess: () => notifications.show({ color: 'teal', message: t('sync.conflicts.restored') }),
    onError,
  });
  const dismiss = useApiMutation('sync.conflicts.dismiss', { onError });

  return (
    <Stack gap="sm" data-testid="sync-conflicts">
      <Title order={4}>{t('sync.conflicts.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('sync.conflicts.intro')}
      </Text>
      {list.isError && <Alert color="red">{errorMessage(t, list.error.error)}</Alert>}
      {!list.data && !list.isError && <Skeleton h={120} />}
      {list.data?.length === 0 && <Text size="sm">{t('sync.conflicts.none')}</Text>}
      {list.data && list.data.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table verticalSpacing="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('sync.conflicts.record')}</Table.Th>
                <Table.Th>{t('sync.conflicts.field')}</Table.Th>
                <Table.Th>{t('sync.conflicts.kept')}</Table.Th>
                <Table.Th>{t('sync.conflicts.lost')}</Table.Th>
                <Table.Th>{t('sync.conflicts.when')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((c) => (
                <Table.Tr key={c.id} data-testid="sync-conflict-row">
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {t(`sync.tables.${c.table}`, { defaultValue: c.table })}
                    </Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {c.rowId.slice(-12)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Code>{c.column}</Code>
                  </Table.Td>
                  <Table.Td>
                    {c.kind === 'purged' ? <Badge color="red" variant="light">{t('sync.conflicts.purged')}</Badge> : <Value conflict={c} value={c.wonValue} />}
                  </Table.Td>
                  <Table.Td>
                    <Value conflict={c} value={c.lostValue} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(c.lostAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap" justify="flex-end">
                      {c.restorable && (
                        <Button size="xs" onClick={() => restore.mutate({ id: c.id })} loading={restore.isPending && restore.variables?.id === c.id}>
                          {t('sync.conflicts.restore')}
                        </Button>
                      )}
                      <Button size="xs" variant="default" onClick={() => dismiss.mutate({ id: c.id })}>
                        {t('sync.conflicts.dismiss')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
