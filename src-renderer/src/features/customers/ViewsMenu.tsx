/** Saved views: pick one, save the current filter, sort and columns under a name, delete one's own. */
import { ActionIcon, Button, Group, Menu, Modal, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconBookmark, IconChevronDown, IconDeviceFloppy, IconTrash, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../../src-shared/contract';
import type { RecordKind } from '../../../../src-shared/contract/customers';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { useFormMutation } from '../../forms';
import { useSession } from '../../session';

export type SavedView = MethodOutput<'views.list'>[number];
export type ViewConfig = SavedView['config'];

interface Props {
  kind: RecordKind;
  current: SavedView | null;
  config: ViewConfig;
  onApply(view: SavedView | null): void;
}

export function ViewsMenu({ kind, current, config, onApply }: Props) {
  const { t } = useTranslation();
  const session = useSession();
  const me = session.me?.user.id;
  const views = useApiQuery('views.list', { entity: kind });
  const remove = useApiMutation('views.delete');
  const [saving, setSaving] = useState(false);
  const mayDelete = (view: SavedView) => view.ownerId === me || (view.shared && session.can('customers.manageTags'));

  return (
    <>
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <Button variant="default" leftSection={<IconBookmark size={16} />} rightSection={<IconChevronDown size={14} />}>
            {current ? current.name : t('customers.views.title')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown miw={240}>
          <Menu.Item onClick={() => onApply(null)}>{t('customers.views.all')}</Menu.Item>
          {(views.data ?? []).length > 0 && <Menu.Divider />}
          {(views.data ?? []).map((view) => (
            <Menu.Item
              key={view.id}
              onClick={() => onApply(view)}
              leftSection={view.shared ? <IconUsersGroup size={14} aria-label={t('customers.views.shared')} /> : <IconBookmark size={14} />}
              rightSection={
                mayDelete(view) ? (
                  <ActionIcon
                    component="span"
                    size="sm"
                    variant="subtle"
                    color="red"
                    aria-label={t('customers.views.delete', { name: view.name })}
                    onClick={(e) => {
                      e.stopPropagation();
                      remove.mutate({ id: view.id });
                      if (current?.id === view.id) onApply(null);
                    }}
                  >
                    <IconTrash size={14} />
                  </ActionIcon>
                ) : null
              }
            >
              {view.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconDeviceFloppy size={14} />} onClick={() => setSaving(true)}>
            {t('customers.views.save')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {saving && <SaveViewModal kind={kind} config={config} onClose={() => setSaving(false)} onSaved={onApply} />}
    </>
  );
}

function SaveViewModal({ kind, config, onClose, onSaved }: { kind: RecordKind; config: ViewConfig; onClose(): void; onSaved(view: SavedView): void }) {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { name: '', shared: false } });
  const save = useFormMutation('views.save', form, (view) => {
    onSaved(view);
    onClose();
  });
  return (
    <Modal opened onClose={onClose} title={t('customers.views.save')}>
      <form onSubmit={form.onSubmit((values) => save.submit({ entity: kind, name: values.name, shared: values.shared, config }))}>
        <Stack>
          <TextInput label={t('customers.views.name')} required data-autofocus {...form.getInputProps('name')} />
          <Switch label={t('customers.views.shareWithOffice')} {...form.getInputProps('shared', { type: 'checkbox' })} />
          <Text size="xs" c="dimmed">
            {t('customers.views.saveHint')}
          </Text>
          {save.formError && (
            <Text c="red" size="sm">
              {save.formError}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('ui.common.cancel')}
            </Button>
            <Button type="submit" loading={save.pending}>
              {t('ui.common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
