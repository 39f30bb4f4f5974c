/** The list filters beyond free text: owner, tags, category, region, industry, dates. */
import { Button, Group, Paper, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ListFilter, RecordKind } from '../../../../src-shared/contract/customers';
import { TagSelect, useCategories, useOwners } from './lookups';
import { dayToEpoch, epochToDay } from './model';

/** How many filters (besides free text) are set. */
export function activeFilterCount(filter: ListFilter): number {
  return Object.entries(filter).filter(([key, value]) => key !== 'q' && value !== undefined && !(Array.isArray(value) && value.length === 0)).length;
}

const NO_OWNER = '__none__';

export function FilterPanel({ kind, filter, onChange }: { kind: RecordKind; filter: ListFilter; onChange(next: ListFilter): void }) {
  const { t } = useTranslation();
  const owners = useOwners();
  const categories = useCategories(kind);
  const set = <K extends keyof ListFilter>(key: K, value: ListFilter[K] | undefined) => {
    const next = { ...filter };
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  const text = (key: 'province' | 'city' | 'industry') => (
    <TextInput
      label={t(`customers.fields.${key}`)}
      value={filter[key] ?? ''}
      onChange={(e) => set(key, e.currentTarget.value.trim() || undefined)}
    />
  );
  const date = (key: 'createdFrom' | 'createdTo' | 'updatedFrom' | 'updatedTo') => {
    const end = key.endsWith('To');
    return (
      <TextInput
        type="date"
        label={t(`customers.filters.${key}`)}
        value={epochToDay(filter[key], end)}
        onChange={(e) => set(key, dayToEpoch(e.currentTarget.value, end))}
      />
    );
  };

  return (
    <Paper withBorder p="sm" data-testid="filter-panel">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
        <Select
          label={t('customers.fields.ownerId')}
          clearable
          data={[{ value: NO_OWNER, label: t('customers.filters.noOwner') }, ...owners]}
          value={filter.ownerId === null ? NO_OWNER : (filter.ownerId ?? null)}
          onChange={(value) => set('ownerId', value === NO_OWNER ? null : (value ?? undefined))}
          comboboxProps={{ withinPortal: true }}
        />
        <TagSelect value={filter.tagIds ?? []} onChange={(ids) => set('tagIds', ids)} />
        <Select
          label={t('customers.fields.categoryId')}
          clearable
          data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={filter.categoryId ?? null}
          onChange={(value) => set('categoryId', value ?? undefined)}
          nothingFoundMessage={t('customers.list.noCategories')}
        />
        {text('industry')}
        {text('province')}
        {text('city')}
        {date('createdFrom')}
        {date('createdTo')}
        {date('updatedFrom')}
        {date('updatedTo')}
      </SimpleGrid>
      <Group justify="flex-end" mt="sm">
        <Button variant="subtle" size="compact-sm" onClick={() => onChange(filter.q ? { q: filter.q } : {})}>
          {t('customers.filters.clear')}
        </Button>
      </Group>
    </Paper>
  );
}
