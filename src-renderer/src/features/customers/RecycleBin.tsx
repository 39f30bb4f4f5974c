/** Records deleted in the last 30 days: restore, or (with the permission) remove for good after asking once. */
import { Alert, Button, Group, Modal, SegmentedControl, Skeleton, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconRestore, IconTrashX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordKind } from '../../../../src-shared/contract/customers';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { formatDateTime } from '../../format';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';
import { showError } from './BulkBar';

interface Binned {
  kind: RecordKind;
  id: string;
  name: string;
}

export function RecycleBin() {
  const { t } = useTranslation();
  const session = useSession();
  const [kind, setKind] = useState<'all' | RecordKind>('all');
  const bin = useApiQuery('customers.recycleBin', { ...(kind === 'all' ? {} : { kind }), limit: 500 });
  const [purging, setPurging] = useState<Binned | null>(null);
  const restore = useApiMutation('customers.restore', {
    onSuccess: () => notifications.show({ color: 'teal', message: t('customers.bin.restored') }),
    onError: (e) => showError(t, e),
  });
  const purge = useApiMutation('customers.purge', { onSuccess: () => setPurging(null) });
  const canDelete = session.can('customers.delete');
  const canPurge = session.can('customers.purge');

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('customers.bin.intro')}
        </Text>
        <SegmentedControl
          size="xs"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          data={[
            { value: 'all', label: t('customers.bin.all') },
            { value: 'contact', label: t('customers.nav.contacts') },
            { value: 'company', label: t('customers.nav.companies') },
          ]}
        />
      </Group>
      {bin.isError && <Alert color="red">{errorMessage(t, bin.error.error)}</Alert>}
      {!bin.data ? (
        <Skeleton h={160} />
      ) : bin.data.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl" data-testid="bin-empty">
          {t('customers.bin.empty')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table highlightOnHover verticalSpacing="xs" data-testid="recycle-bin">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('customers.fields.name')}</Table.Th>
                <Table.Th>{t('customers.bin.kind')}</Table.Th>
                <Table.Th>{t('customers.bin.deletedAt')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {bin.data.map((row) => (
                <Table.Tr key={row.id}>
                  <Table.Td fw={500}>{row.name}</Table.Td>
                  <Table.Td>{t(`customers.kinds.${row.kind}`)}</Table.Td>
                  <Table.Td>{formatDateTime(row.deletedAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      {canDelete && (
                        <Button
                          size="compact-sm"
                          variant="light"
                          leftSection={<IconRestore size={14} />}
                          aria-label={t('customers.bin.restoreName', { name: row.name })}
                          onClick={() => restore.mutate({ kind: row.kind, ids: [row.id] })}
                        >
                          {t('customers.bin.restore')}
                        </Button>
                      )}
                      {canPurge && (
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          leftSection={<IconTrashX size={14} />}
                          aria-label={t('customers.bin.purgeName', { name: row.name })}
                          onClick={() => setPurging(row)}
                        >
                          {t('customers.bin.purge')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {purging && (
        <Modal opened onClose={() => setPurging(null)} title={t('customers.bin.purgeTitle')}>
          <Stack>
            <Text size="sm">{t('customers.bin.purgeBody', { name: purging.name })}</Text>
            {purge.error && <Alert color="red">{errorMessage(t, purge.error.error)}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPurging(null)}>
                {t('ui.common.cancel')}
              </Button>
              <Button color="red" loading={purge.isPending} onClick={() => purge.mutate({ kind: purging.kind, ids: [purging.id] })}>
                {t('customers.bin.purgeConfirm')}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}
