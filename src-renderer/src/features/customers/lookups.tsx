/** Choices the Customers screens share: owners, tags, categories, enumerations, and small pickers. */
import { Badge, Group, MultiSelect, Select, type MultiSelectProps, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordKind } from '../../../../src-shared/contract/customers';
import { useApiQuery } from '../../api/hooks';
import { useSession } from '../../session';

export interface Option {
  value: string;
  label: string;
}

export function useOwners(): Option[] {
  const session = useSession();
  const users = useApiQuery('users.list', { includeInactive: false }, { enabled: session.can('users.read'), staleTime: 60_000 });
  const me = session.me?.user;
  const list = users.data?.map((u) => ({ value: u.id, label: u.displayName })) ?? [];
  if (me && !list.some((o) => o.value === me.id)) list.unshift({ value: me.id, label: me.displayName });
  return list;
}

export function useTags() {
  return useApiQuery('tags.list', {}, { staleTime: 60_000 });
}

export function useCategories(kind: RecordKind) {
  return useApiQuery('categories.list', { kind }, { staleTime: 60_000 });
}

/** Options of a closed list whose labels live under `customers.<group>.<value>`. */
export function useEnumOptions(group: string, values: readonly string[]): Option[] {
  const { t } = useTranslation();
  return values.map((value) => ({ value, label: t(`customers.${group}.${value}`, { defaultValue: value }) }));
}

export function TagBadges({ tags }: { tags: { id: string; name: string; color: string }[] }) {
  if (tags.length === 0) return null;
  return (
    <Group gap={4} wrap="nowrap">
      {tags.map((tag) => (
        <Badge key={tag.id} color={tag.color} variant="light" size="sm" style={{ flexShrink: 0 }}>
          {tag.name}
        </Badge>
      ))}
    </Group>
  );
}

export function TagSelect(props: Omit<MultiSelectProps, 'data'>) {
  const { t } = useTranslation();
  const tags = useTags();
  return (
    <MultiSelect
      label={t('customers.fields.tags')}
      searchable
      clearable
      nothingFoundMessage={t('customers.list.noTags')}
      data={(tags.data ?? []).map((tag) => ({ value: tag.id, label: tag.name }))}
      comboboxProps={{ withinPortal: true }}
      {...props}
    />
  );
}

/** Finds a company by typing part of its name. */
export function CompanyPicker({ initial, ...props }: Omit<SelectProps, 'data'> & { initial?: Option | null }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 200);
  const found = useApiQuery('companies.list', { filter: q ? { q } : {}, sort: 'name', dir: 'asc', offset: 0, limit: 20 }, { staleTime: 10_000 });
  const options: Option[] = (found.data?.rows ?? []).map((c) => ({ value: c.id, label: c.name }));
  if (initial && !options.some((o) => o.value === initial.value)) options.unshift(initial);
  return (
    <Select
      label={t('customers.fields.companyId')}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: all }) => all}
      nothingFoundMessage={t('customers.list.noCompanies')}
      data={options}
      comboboxProps={{ withinPortal: true }}
      {...props}
    />
  );
}
