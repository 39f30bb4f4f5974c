/**
 * "Merge with…": find the other record, choose per field which value to keep,
 * then merge. The other record's history, notes, tags (and a company's
 * contacts) move to the one kept here.
 */
import { Alert, Button, Group, Modal, Radio, Select, Stack, Table, Text } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Company, Contact, RecordKind } from '../../../../src-shared/contract/customers';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { errorMessage } from '../../i18n';
import { contactName } from './columns';
import { fieldLabel, useValueFormatter } from './Timeline';

const FIELDS: Record<RecordKind, string[]> = {
  contact: ['familyName', 'givenName', 'title', 'companyId', 'phones', 'emails', 'ims', 'province', 'city', 'address', 'birthday', 'source', 'categoryId', 'ownerId', 'preferredChannel', 'preferredLanguage', 'preferences', 'notes'],
  company: ['name', 'industry', 'province', 'city', 'address', 'website', 'phone', 'size', 'source', 'level', 'categoryId', 'ownerId', 'notes'],
};

type AnyRecord = Contact | Company;
const valueOf = (record: AnyRecord, field: string): unknown => (record as unknown as Record<string, unknown>)[field];
const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
const nameOf = (kind: RecordKind, r: AnyRecord) => (kind === 'contact' ? contactName(r as Contact) : (r as Company).name);

export function MergeModal({ kind, record, onClose }: { kind: RecordKind; record: AnyRecord; onClose(): void }) {
  const { t } = useTranslation();
  const narrow = useMediaQuery('(max-width: 36em)') ?? false;
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 200);
  const [otherId, setOtherId] = useState<string | null>(null);
  const [choice, setChoice] = useState<Record<string, 'keep' | 'merge'>>({});
  const hits = useApiQuery('customers.search', { q, limit: 20 }, { enabled: q.length > 0 });
  const options = (kind === 'contact' ? hits.data?.contacts : hits.data?.companies)
    ?.filter((h) => h.id !== record.id)
    .map((h) => ({ value: h.id, label: h.subtitle ? `${h.title} · ${h.subtitle}` : h.title }));
  const other = useApiQuery(kind === 'contact' ? 'contacts.get' : 'companies.get', { id: otherId ?? '' }, { enabled: Boolean(otherId) });
  const format = useValueFormatter(kind);
  const merge = useApiMutation('customers.merge', {
    onSuccess: () => {
      notifications.show({ color: 'teal', message: t('customers.merge.done') });
      onClose();
    },
  });

  const otherRecord = otherId ? (other.data as AnyRecord | undefined) : undefined;
  const rows = otherRecord
    ? FIELDS[kind].filter((f) => JSON.stringify(valueOf(record, f) ?? null) !== JSON.stringify(valueOf(otherRecord, f) ?? null))
    : [];
  const picked = (field: string) => choice[field] ?? (isEmpty(valueOf(record, field)) && otherRecord && !isEmpty(valueOf(otherRecord, field)) ? 'merge' : 'keep');
  const show = (r: AnyRecord, field: string) => (field === 'companyId' ? ((r as Contact).companyName ?? '—') : format(field, valueOf(r, field)));

  return (
    <Modal opened onClose={onClose} title={t('customers.merge.title', { name: nameOf(kind, record) })} size="xl" fullScreen={narrow}>
      <Stack>
        <Select
          label={t('customers.merge.pick')}
          placeholder={t('customers.merge.pickHint')}
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          filter={({ options: all }) => all}
          data={options ?? []}
          value={otherId}
          onChange={(id) => {
            setOtherId(id);
            setChoice({});
          }}
          nothingFoundMessage={q ? t('customers.merge.nothing') : undefined}
          comboboxProps={{ withinPortal: true }}
          data-autofocus
        />
        {otherRecord && (
          <>
            <Text size="sm" c="dimmed">
              {t('customers.merge.explain', { keep: nameOf(kind, record), other: nameOf(kind, otherRecord) })}
            </Text>
            {rows.length === 0 ? (
              <Text size="sm">{t('customers.merge.same')}</Text>
            ) : (
              <Table.ScrollContainer minWidth={480}>
                <Table verticalSpacing="xs" data-testid="merge-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w="22%">{t('customers.merge.field')}</Table.Th>
                      <Table.Th>{nameOf(kind, record)}</Table.Th>
                      <Table.Th>{nameOf(kind, otherRecord)}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((field) => {
                      const pick = (side: 'keep' | 'merge') => setChoice((c) => ({ ...c, [field]: side }));
                      return (
                        <Table.Tr key={field}>
                          <Table.Td fw={500}>{fieldLabel(t, field)}</Table.Td>
                          <Table.Td>
                            <Radio
                              name={`merge-${field}`}
                              checked={picked(field) === 'keep'}
                              onChange={() => pick('keep')}
                              label={show(record, field)}
                              aria-label={`${fieldLabel(t, field)}: ${nameOf(kind, record)}`}
                            />
                          </Table.Td>
                          <Table.Td>
                            <Radio
                              name={`merge-${field}`}
                              checked={picked(field) === 'merge'}
                              onChange={() => pick('merge')}
                              label={show(otherRecord, field)}
                              aria-label={`${fieldLabel(t, field)}: ${nameOf(kind, otherRecord)}`}
                            />
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            <Alert color="blue" variant="light">
              {t('customers.merge.warning', { other: nameOf(kind, otherRecord) })}
            </Alert>
          </>
        )}
        {merge.error && <Alert color="red">{errorMessage(t, merge.error.error)}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('ui.common.cancel')}
          </Button>
          <Button
            disabled={!otherRecord}
            loading={merge.isPending}
            onClick={() =>
              otherRecord &&
              merge.mutate({ kind, keepId: record.id, mergeId: otherRecord.id, takeFromMerged: rows.filter((f) => picked(f) === 'merge') })
            }
          >
            {t('customers.merge.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
