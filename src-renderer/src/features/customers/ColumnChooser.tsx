/** Show, hide and reorder list columns; the choice is kept per user on this device. */
import { ActionIcon, Button, Checkbox, Group, Popover, Stack, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconColumns } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

interface ColumnInfo {
  id: string;
  labelKey: string;
  fixed?: boolean;
}

/** Visible columns in order, then the hidden ones. */
export function orderedColumns<C extends ColumnInfo>(all: C[], visible: string[]): C[] {
  const known = visible.filter((id) => all.some((c) => c.id === id));
  const fixed = all.filter((c) => c.fixed).map((c) => c.id);
  const ids = [...fixed, ...known.filter((id) => !fixed.includes(id))];
  return ids.map((id) => all.find((c) => c.id === id)!);
}

export function ColumnChooser({ all, visible, onChange }: { all: ColumnInfo[]; visible: string[]; onChange(next: string[]): void }) {
  const { t } = useTranslation();
  const shown = orderedColumns(all, visible).map((c) => c.id);
  const order = [...shown, ...all.map((c) => c.id).filter((id) => !shown.includes(id))];
  const move = (id: string, step: -1 | 1) => {
    const i = shown.indexOf(id);
    const j = i + step;
    if (i < 0 || j < 0 || j >= shown.length || all.find((c) => c.id === shown[j])?.fixed) return;
    const next = [...shown];
    [next[i], next[j]] = [next[j]!, next[i]!];
    onChange(next);
  };
  return (
    <Popover position="bottom-end" withinPortal shadow="md">
      <Popover.Target>
        <Button variant="default" leftSection={<IconColumns size={16} />}>
          {t('customers.list.columns')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={4} miw={220}>
          <Text size="xs" c="dimmed">
            {t('customers.list.columnsHint')}
          </Text>
          {order.map((id) => {
            const column = all.find((c) => c.id === id)!;
            const on = shown.includes(id);
            const label = t(column.labelKey);
            return (
              <Group key={id} justify="space-between" wrap="nowrap" gap="xs">
                <Checkbox
                  label={label}
                  checked={on}
                  disabled={column.fixed}
                  onChange={() => onChange(on ? shown.filter((x) => x !== id) : [...shown, id])}
                />
                {on && !column.fixed && (
                  <Group gap={2} wrap="nowrap">
                    <ActionIcon size="sm" variant="subtle" aria-label={t('customers.list.moveUp', { name: label })} onClick={() => move(id, -1)}>
                      <IconArrowUp size={14} />
                    </ActionIcon>
                    <ActionIcon size="sm" variant="subtle" aria-label={t('customers.list.moveDown', { name: label })} onClick={() => move(id, 1)}>
                      <IconArrowDown size={14} />
                    </ActionIcon>
                  </Group>
                )}
              </Group>
            );
          })}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
