/** Tags and categories: create, rename, recolor, delete (for users allowed to manage them). */
import { ActionIcon, Alert, Badge, Button, Card, ColorSwatch, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TAG_COLORS, type RecordKind } from '../../../../src-shared/contract/customers';
import { isApiCallError } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { errorMessage, fieldMessage } from '../../i18n';
import { useSession } from '../../session';
import { formatNumber } from '../../format';

type TagColor = (typeof TAG_COLORS)[number];

interface Editing {
  id?: string;
  name: string;
  color: TagColor;
  kind?: RecordKind;
}

function ColorSelect({ value, onChange }: { value: TagColor; onChange(color: TagColor): void }) {
  const { t } = useTranslation();
  return (
    <Select
      label={t('customers.tags.color')}
      value={value}
      allowDeselect={false}
      onChange={(v) => v && onChange(v as TagColor)}
      data={TAG_COLORS.map((c) => ({ value: c, label: t(`customers.colors.${c}`) }))}
      leftSection={<ColorSwatch color={`var(--mantine-color-${value}-6)`} size={14} />}
      renderOption={({ option }) => (
        <Group gap="xs">
          <ColorSwatch color={`var(--mantine-color-${option.value}-6)`} size={14} />
          {option.label}
        </Group>
      )}
    />
  );
}

function EditModal({ editing, onClose }: { editing: Editing; onClose(): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(editing.name);
  const [color, setColor] = useState<TagColor>(editing.color);
  const saveTag = useApiMutation('tags.save', { onSuccess: onClose });
  const saveCategory = useApiMutation('categories.save', { onSuccess: onClose });
  const error = saveTag.error ?? saveCategory.error;
  const nameError = error && isApiCallError(error) ? error.error.fields?.find((f) => f.path === 'name') : undefined;
  const submit = () => {
    if (editing.kind) saveCategory.mutate({ id: editing.id, kind: editing.kind, name, color, sort: 0 });
    else saveTag.mutate({ id: editing.id, name, color });
  };
  const what = editing.kind ? t('customers.tags.category') : t('customers.tags.tag');
  return (
    <Modal opened onClose={onClose} title={editing.id ? t('customers.tags.editTitle', { what }) : t('customers.tags.newTitle', { what })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <TextInput label={t('customers.tags.name')} required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError ? fieldMessage(t, nameError) : undefined} />
          <ColorSelect value={color} onChange={setColor} />
          {error && !nameError && <Alert color="red">{errorMessage(t, error.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('ui.common.cancel')}
            </Button>
            <Button type="submit" loading={saveTag.isPending || saveCategory.isPending}>
              {t('ui.common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Row({ name, color, count, onEdit, onDelete }: { name: string; color: string; count?: number; onEdit?(): void; onDelete?(): void }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap">
      <Group gap="xs" wrap="nowrap">
        <Badge color={color} variant="light">
          {name}
        </Badge>
        {count !== undefined && (
          <Text size="xs" c="dimmed">
            {t('customers.tags.used', { count, formatted: formatNumber(count) })}
          </Text>
        )}
      </Group>
      {onEdit && onDelete && (
        <Group gap={2} wrap="nowrap">
          <ActionIcon variant="subtle" aria-label={t('customers.tags.editName', { name })} onClick={onEdit}>
            <IconPencil size={14} />
          </ActionIcon>
          <ActionIcon variant="subtle" color="red" aria-label={t('customers.tags.deleteName', { name })} onClick={onDelete}>
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      )}
    </Group>
  );
}

export function TagsAdmin() {
  const { t } = useTranslation();
  const session = useSession();
  const canManage = session.can('customers.manageTags');
  const tags = useApiQuery('tags.list', {});
  const categories = useApiQuery('categories.list', {});
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string; category: boolean } | null>(null);
  const deleteTag = useApiMutation('tags.delete', { onSuccess: () => setDeleting(null) });
  const deleteCategory = useApiMutation('categories.delete', { onSuccess: () => setDeleting(null) });

  const section = (title: string, onNew: () => void, children: React.ReactNode) => (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>{title}</Title>
        {canManage && (
          <Button size="compact-sm" variant="light" leftSection={<IconPlus size={14} />} onClick={onNew}>
            {t('customers.tags.new')}
          </Button>
        )}
      </Group>
      <Stack gap="xs">{children}</Stack>
    </Card>
  );

  return (
    <Stack gap="md" maw={900}>
      {!canManage && <Alert color="gray">{t('customers.tags.readOnly')}</Alert>}
      {section(
        t('customers.tags.tags'),
        () => setEditing({ name: '', color: 'blue' }),
        (tags.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('customers.tags.noTags')}
          </Text>
        ) : (
          tags.data?.map((tag) => (
            <Row
              key={tag.id}
              name={tag.name}
              color={tag.color}
              count={tag.count}
              onEdit={canManage ? () => setEditing({ id: tag.id, name: tag.name, color: tag.color as TagColor }) : undefined}
              onDelete={canManage ? () => setDeleting({ id: tag.id, name: tag.name, category: false }) : undefined}
            />
          ))
        ),
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {(['contact', 'company'] as const).map((kind) => (
          <div key={kind}>
            {section(
              t(`customers.tags.categories_${kind}`),
              () => setEditing({ name: '', color: 'gray', kind }),
              (categories.data ?? []).filter((c) => c.kind === kind).length === 0 ? (
                <Text size="sm" c="dimmed">
                  {t('customers.tags.noCategories')}
                </Text>
              ) : (
                categories.data
                  ?.filter((c) => c.kind === kind)
                  .map((c) => (
                    <Row
                      key={c.id}
                      name={c.name}
                      color={c.color}
                      onEdit={canManage ? () => setEditing({ id: c.id, name: c.name, color: c.color as TagColor, kind }) : undefined}
                      onDelete={canManage ? () => setDeleting({ id: c.id, name: c.name, category: true }) : undefined}
                    />
                  ))
              ),
            )}
          </div>
        ))}
      </SimpleGrid>
      {editing && <EditModal editing={editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <Modal opened onClose={() => setDeleting(null)} title={t('customers.tags.deleteTitle', { name: deleting.name })}>
          <Stack>
            <Text size="sm">{deleting.category ? t('customers.tags.deleteCategoryBody') : t('customers.tags.deleteTagBody')}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>
                {t('ui.common.cancel')}
              </Button>
              <Button
                color="red"
                loading={deleteTag.isPending || deleteCategory.isPending}
                onClick={() => (deleting.category ? deleteCategory.mutate({ id: deleting.id }) : deleteTag.mutate({ id: deleting.id }))}
              >
                {t('customers.tags.delete')}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}
