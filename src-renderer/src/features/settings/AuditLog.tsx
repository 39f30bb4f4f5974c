import { Alert, Badge, Button, Group, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconShieldCheck } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../../src-shared/contract';
import type { ApiCallError } from '../../api/client';
import { call } from '../../api/client';
import { useApiMutation } from '../../api/hooks';
import { formatDateTime, formatNumber } from '../../format';
import { errorMessage } from '../../i18n';

const PAGE = 100;
const OUTCOME_COLORS = { ok: 'teal', denied: 'orange', failed: 'red' } as const;

export function AuditLog() {
  const { t } = useTranslation();
  const entries = useInfiniteQuery<AuditEntry[], ApiCallError>({
    queryKey: ['audit.list', 'pages'],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      call('audit.list', pageParam === undefined ? { limit: PAGE } : { limit: PAGE, beforeSeq: pageParam as number }),
    getNextPageParam: (last) => (last.length === PAGE ? last[last.length - 1]?.seq : undefined),
  });
  const verify = useApiMutation('audit.verify');
  const rows = entries.data?.pages.flat() ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={560}>
          {t('ui.audit.intro')}
        </Text>
        <Button
          variant="light"
          leftSection={<IconShieldCheck size={16} />}
          loading={verify.isPending}
          onClick={() => verify.mutate({})}
          data-testid="audit-verify"
        >
          {t('ui.audit.verify')}
        </Button>
      </Group>
      {verify.data && (
        <Alert color={verify.data.ok ? 'teal' : 'red'} data-testid="audit-verify-result">
          {verify.data.ok
            ? t('ui.audit.intact', { count: verify.data.checked, formatted: formatNumber(verify.data.checked) })
            : t('ui.audit.broken', { seq: verify.data.firstBrokenSeq ?? '?' })}
        </Alert>
      )}
      {verify.isError && <Alert color="red">{errorMessage(t, verify.error.error)}</Alert>}
      {entries.isError && <Alert color="red">{errorMessage(t, entries.error.error)}</Alert>}
      {entries.isPending ? (
        <Skeleton h={240} />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped verticalSpacing="xs" fz="sm" data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>{t('ui.audit.when')}</Table.Th>
                <Table.Th>{t('ui.audit.who')}</Table.Th>
                <Table.Th>{t('ui.audit.action')}</Table.Th>
                <Table.Th>{t('ui.audit.outcome')}</Table.Th>
                <Table.Th>{t('ui.audit.target')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((entry) => (
                <Table.Tr key={entry.seq}>
                  <Table.Td c="dimmed">{entry.seq}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.at)}</Table.Td>
                  <Table.Td>{entry.username ?? '—'}</Table.Td>
                  <Table.Td ff="monospace">{entry.action}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={OUTCOME_COLORS[entry.outcome]}>
                      {t(`ui.audit.outcomes.${entry.outcome}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td c="dimmed" ff="monospace" fz="xs">
                    {entry.target ?? ''}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {entries.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()}>
            {t('ui.audit.more')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
