/** Everything that happened to a record: created, field changes (who, when, old → new), notes, merges. */
import { Badge, Group, Text, Timeline as MantineTimeline, Skeleton } from '@mantine/core';
import { IconArrowMerge, IconEdit, IconNote, IconPlus, IconRestore, IconTrash } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { RecordKind, TimelineEvent } from '../../../../src-shared/contract/customers';
import { useApiQuery } from '../../api/hooks';
import { formatDateTime } from '../../format';
import { useCategories, useOwners } from './lookups';

const ENUM_GROUPS: Record<string, string> = {
  source: 'sources',
  size: 'sizes',
  level: 'levels',
  preferredChannel: 'channels',
};

const ICONS = { created: IconPlus, changed: IconEdit, deleted: IconTrash, restored: IconRestore, note: IconNote, merged: IconArrowMerge };

function CompanyName({ id }: { id: string }) {
  const company = useApiQuery('companies.get', { id }, { retry: false, staleTime: 60_000 });
  return <>{company.data?.name ?? '—'}</>;
}

export function useValueFormatter(kind: RecordKind) {
  const { t } = useTranslation();
  const owners = useOwners();
  const categories = useCategories(kind);
  return (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return '—';
    if (Array.isArray(value)) {
      if (value.length === 0) return '—';
      return value
        .map((item: Record<string, unknown>) => String(item.number ?? item.address ?? item.handle ?? JSON.stringify(item)))
        .join(', ');
    }
    if (field === 'ownerId') return owners.find((o) => o.value === value)?.label ?? '—';
    if (field === 'categoryId') return categories.data?.find((c) => c.id === value)?.name ?? '—';
    if (field === 'companyId' && typeof value === 'string') return <CompanyName id={value} />;
    if (ENUM_GROUPS[field]) return t(`customers.${ENUM_GROUPS[field]}.${String(value)}`, { defaultValue: String(value) });
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };
}

export function fieldLabel(t: TFunction, field: string): string {
  return t(`customers.fields.${field}`, { defaultValue: field });
}

export function RecordTimeline({ kind, id }: { kind: RecordKind; id: string }) {
  const { t } = useTranslation();
  const events = useApiQuery('customers.timeline', { kind, id, limit: 200 });
  const format = useValueFormatter(kind);
  if (!events.data) return <Skeleton h={120} />;
  if (events.data.length === 0) return <Text c="dimmed">{t('customers.timeline.empty')}</Text>;

  const title = (e: TimelineEvent) => {
    const who = e.actor?.displayName ?? t('customers.timeline.someone');
    switch (e.kind) {
      case 'changed':
        return t('customers.timeline.changed', { who, field: fieldLabel(t, e.field ?? '') });
      case 'merged':
        return t('customers.timeline.merged', { who, name: e.text ?? '' });
      default:
        return t(`customers.timeline.${e.kind}`, { who });
    }
  };

  return (
    <MantineTimeline bulletSize={24} lineWidth={2} data-testid="timeline">
      {events.data.map((e, i) => {
        const EventIcon = ICONS[e.kind];
        const fromMerged = e.text && e.kind !== 'note' && e.kind !== 'merged';
        return (
          <MantineTimeline.Item key={`${e.at}-${i}`} bullet={<EventIcon size={13} />} title={title(e)}>
            {e.kind === 'changed' && (
              <Text size="sm" style={{ wordBreak: 'break-word' }}>
                <Text span c="dimmed" td="line-through">
                  {format(e.field ?? '', e.from)}
                </Text>
                {' → '}
                <Text span fw={500}>
                  {format(e.field ?? '', e.to)}
                </Text>
              </Text>
            )}
            {e.kind === 'note' && (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {e.text}
              </Text>
            )}
            <Group gap={6} mt={2}>
              <Text size="xs" c="dimmed">
                {formatDateTime(e.at)}
              </Text>
              {fromMerged && (
                <Badge size="xs" variant="light" color="gray">
                  {t('customers.timeline.fromMerged', { name: e.text })}
                </Badge>
              )}
            </Group>
          </MantineTimeline.Item>
        );
      })}
    </MantineTimeline>
  );
}
