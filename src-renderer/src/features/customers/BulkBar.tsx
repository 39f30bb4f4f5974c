/** Actions on the selected rows: tag, untag, re-assign, export, delete (with undo). */
import { Button, Group, Menu, Paper, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconTag, IconTagOff, IconTrash, IconUserShare, IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { RecordKind } from '../../../../src-shared/contract/customers';
import { call } from '../../api/client';
import { useApiMutation } from '../../api/hooks';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';
import { formatNumber } from '../../format';
import { useOwners, useTags, type Option } from './lookups';
import type { ReactNode } from 'react';
import { downloadText } from './model';
import type { ApiCallError } from '../../api/client';

export function showError(t: (key: string) => string, error: ApiCallError) {
  notifications.show({ color: 'red', message: errorMessage(t as never, error.error) });
}

/** Deletes records to the recycle bin and offers to undo it. */
export function useDeleteWithUndo(kind: RecordKind, onDone?: () => void) {
  const { t } = useTranslation();
  const restore = useApiMutation('customers.restore');
  return useApiMutation('customers.delete', {
    onSuccess: (result, input) => {
      onDone?.();
      const id = `deleted-${Date.now()}`;
      notifications.show({
        id,
        autoClose: 8_000,
        message: (
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{t('customers.bulk.deleted', { count: result.count, formatted: formatNumber(result.count) })}</Text>
            <Button
              size="compact-sm"
              variant="light"
              onClick={() => {
                notifications.hide(id);
                restore.mutate({ kind, ids: input.ids });
              }}
            >
              {t('customers.bulk.undo')}
            </Button>
          </Group>
        ),
      });
    },
    onError: (error) => showError(t, error),
  });
}

function ChoiceMenu({ icon, label, empty, choices, onPick }: { icon: ReactNode; label: string; empty?: string; choices: Option[]; onPick(value: string): void }) {
  return (
    <Menu withinPortal>
      <Menu.Target>
        <Button size="compact-sm" variant="default" leftSection={icon}>
          {label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {choices.length === 0 && empty && <Menu.Label>{empty}</Menu.Label>}
        {choices.map((choice) => (
          <Menu.Item key={choice.value} onClick={() => onPick(choice.value)}>
            {choice.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function BulkBar({ kind, ids, onClear }: { kind: RecordKind; ids: string[]; onClear(): void }) {
  const { t } = useTranslation();
  const session = useSession();
  const tags = useTags();
  const owners = useOwners();
  const done = (key: string) => (result: { count: number }) =>
    notifications.show({ color: 'teal', message: t(key, { count: result.count, formatted: formatNumber(result.count) }) });
  const update = useApiMutation('customers.bulkUpdate', { onSuccess: done('customers.bulk.updated'), onError: (e) => showError(t, e) });
  const remove = useDeleteWithUndo(kind, onClear);
  const exportCsv = async () => {
    try {
      const result = await call('customers.exportCsv', { kind, ids, filter: {} });
      downloadText(result.filename, result.csv);
    } catch (error) {
      showError(t, error as ApiCallError);
    }
  };
  const canWrite = session.can('customers.write');
  const tagChoices = (tags.data ?? []).map((tag) => ({ value: tag.id, label: tag.name }));

  return (
    <Paper withBorder p="xs" bg="var(--mantine-color-blue-light)" data-testid="bulk-bar">
      <Group gap="xs">
        <Text size="sm" fw={500}>
          {t('customers.bulk.selected', { count: ids.length, formatted: formatNumber(ids.length) })}
        </Text>
        {canWrite && (
          <ChoiceMenu
            icon={<IconTag size={14} />}
            label={t('customers.bulk.addTag')}
            empty={t('customers.list.noTags')}
            choices={tagChoices}
            onPick={(id) => update.mutate({ kind, ids, addTagIds: [id] })}
          />
        )}
        {canWrite && (
          <ChoiceMenu
            icon={<IconTagOff size={14} />}
            label={t('customers.bulk.removeTag')}
            empty={t('customers.list.noTags')}
            choices={tagChoices}
            onPick={(id) => update.mutate({ kind, ids, removeTagIds: [id] })}
          />
        )}
        {canWrite && (
          <ChoiceMenu
            icon={<IconUserShare size={14} />}
            label={t('customers.bulk.assign')}
            choices={owners}
            onPick={(id) => update.mutate({ kind, ids, ownerId: id })}
          />
        )}
        <Button size="compact-sm" variant="default" leftSection={<IconDownload size={14} />} onClick={() => void exportCsv()}>
          {t('customers.bulk.export')}
        </Button>
        {session.can('customers.delete') && (
          <Button size="compact-sm" color="red" variant="light" leftSection={<IconTrash size={14} />} loading={remove.isPending} onClick={() => remove.mutate({ kind, ids })}>
            {t('customers.bulk.delete')}
          </Button>
        )}
        <Button size="compact-sm" variant="subtle" leftSection={<IconX size={14} />} onClick={onClear}>
          {t('customers.bulk.clear')}
        </Button>
      </Group>
    </Paper>
  );
}
