/** A contact's or company's page: fields (inline edit), tags, related records, notes and the timeline. */
import { Alert, Anchor, Badge, Button, Card, Group, Menu, SimpleGrid, Skeleton, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconArrowLeft, IconArrowMerge, IconDots, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import {
  CHANNELS,
  COMPANY_LEVELS,
  COMPANY_SIZES,
  SOURCES,
  type Company,
  type Contact,
  type RecordKind,
} from '../../../../src-shared/contract/customers';
import { call, isApiCallError } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { formatDateTime } from '../../format';
import { errorMessage, fieldMessage } from '../../i18n';
import { useSession } from '../../session';
import { useDeleteWithUndo } from './BulkBar';
import { contactName } from './columns';
import { InlineField } from './InlineField';
import { TagSelect, useCategories, useEnumOptions, useOwners, type Option } from './lookups';
import { MergeModal } from './MergeModal';
import { kindPath, recordPath } from './model';
import { RecordFormModal } from './RecordForm';
import { fieldLabel, RecordTimeline } from './Timeline';

type AnyRecord = Contact | Company;

/** Saves one field; returns the message to show under the input, or null. Saving the same value again after a duplicate warning saves anyway. */
function useFieldSaver(kind: RecordKind, id: string) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const warned = useRef<string | null>(null);
  return async (field: string, value: unknown): Promise<string | null> => {
    const attempt = JSON.stringify([field, value]);
    const force = warned.current === attempt;
    try {
      const input = { id, force, [field]: value } as never;
      const result = kind === 'contact' ? await call('contacts.update', input) : await call('companies.update', input);
      if (!result.saved) {
        warned.current = attempt;
        return t('customers.duplicates.inline', { names: result.duplicates.map((d) => d.name).join(', ') });
      }
      warned.current = null;
      void queryClient.invalidateQueries();
      return null;
    } catch (error) {
      if (!isApiCallError(error)) return t('errors.INTERNAL');
      const own = error.error.fields?.find((f) => f.path === field || f.path.startsWith(`${field}.`));
      return own ? fieldMessage(t, own) : errorMessage(t, error.error);
    }
  };
}

interface FieldSpec {
  field: string;
  options?: Option[];
  type?: 'date';
  /** Required text: never sent as null. */
  required?: boolean;
  display?: ReactNode;
}

function FieldGrid({ kind, record, specs, canWrite }: { kind: RecordKind; record: AnyRecord; specs: FieldSpec[]; canWrite: boolean }) {
  const { t } = useTranslation();
  const save = useFieldSaver(kind, record.id);
  const values = record as unknown as Record<string, unknown>;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md" verticalSpacing="sm">
      {specs.map((spec) => {
        const value = values[spec.field];
        const text = value === null || value === undefined ? '' : String(value);
        const optionLabel = spec.options?.find((o) => o.value === text)?.label;
        return (
          <InlineField
            key={`${spec.field}:${text}`}
            label={fieldLabel(t, spec.field)}
            value={text}
            options={spec.options}
            type={spec.type}
            display={spec.display ?? optionLabel}
            readOnly={!canWrite}
            onSave={(next) => save(spec.field, spec.required ? next.trim() : next.trim() === '' ? null : next.trim())}
          />
        );
      })}
    </SimpleGrid>
  );
}

function ListValues({ label, values }: { label: string; values: string[] }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {values.length === 0 ? (
        <Text size="sm" c="dimmed">
          —
        </Text>
      ) : (
        values.map((v, i) => (
          <Text key={`${v}-${i}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
            {v}
          </Text>
        ))
      )}
    </div>
  );
}

function useSpecs(kind: RecordKind, record: AnyRecord): FieldSpec[] {
  const owners = useOwners();
  const categories = useCategories(kind);
  const sources = useEnumOptions('sources', SOURCES);
  const channels = useEnumOptions('channels', CHANNELS);
  const sizes = useEnumOptions('sizes', COMPANY_SIZES);
  const levels = useEnumOptions('levels', COMPANY_LEVELS);
  const categoryOptions = (categories.data ?? []).map((c) => ({ value: c.id, label: c.name }));
  const owner = { field: 'ownerId', options: owners, display: record.owner?.displayName };
  const category = { field: 'categoryId', options: categoryOptions };
  if (kind === 'company') {
    return [
      { field: 'name', required: true },
      { field: 'industry' },
      { field: 'phone' },
      { field: 'website' },
      { field: 'province' },
      { field: 'city' },
      { field: 'address' },
      { field: 'size', options: sizes },
      { field: 'level', options: levels },
      { field: 'source', options: sources },
      category,
      owner,
      { field: 'notes' },
    ];
  }
  const contactSpecs: FieldSpec[] = [
    { field: 'familyName', required: true },
    { field: 'givenName', required: true },
    { field: 'title' },
    { field: 'province' },
    { field: 'city' },
    { field: 'address' },
    { field: 'birthday', type: 'date' },
    { field: 'source', options: sources },
    category,
    owner,
    { field: 'preferredChannel', options: channels },
    {
      field: 'preferredLanguage',
      options: [
        { value: 'zh-CN', label: '简体中文' },
        { value: 'en', label: 'English' },
      ],
    },
    { field: 'preferences' },
    { field: 'notes' },
  ];
  return contactSpecs;
}

function NoteBox({ kind, id }: { kind: RecordKind; id: string }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const add = useApiMutation('customers.addNote', { onSuccess: () => setBody('') });
  return (
    <Stack gap="xs">
      <Textarea
        label={t('customers.detail.addNote')}
        placeholder={t('customers.detail.notePlaceholder')}
        autosize
        minRows={2}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        error={add.error ? errorMessage(t, add.error.error) : undefined}
      />
      <Group justify="flex-end">
        <Button size="compact-sm" disabled={!body.trim()} loading={add.isPending} onClick={() => add.mutate({ kind, id, body })}>
          {t('customers.detail.saveNote')}
        </Button>
      </Group>
    </Stack>
  );
}

function CompanyContacts({ company }: { company: Company }) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [adding, setAdding] = useState(false);
  const contacts = useApiQuery('contacts.list', { filter: { companyId: company.id }, sort: 'name', dir: 'asc', offset: 0, limit: 100 });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{t('customers.detail.contacts', { count: company.contactCount })}</Text>
        {session.can('customers.write') && (
          <Button size="compact-sm" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setAdding(true)}>
            {t('customers.list.new_contact')}
          </Button>
        )}
      </Group>
      {contacts.data?.rows.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('customers.detail.noContacts')}
        </Text>
      )}
      <Stack gap={6}>
        {contacts.data?.rows.map((c) => (
          <Group key={c.id} justify="space-between" wrap="nowrap">
            <Anchor component={Link} to={recordPath('contact', c.id)} size="sm">
              {contactName(c)}
            </Anchor>
            <Text size="xs" c="dimmed" truncate>
              {[c.title, c.phones[0]?.number].filter(Boolean).join(' · ')}
            </Text>
          </Group>
        ))}
      </Stack>
      {adding && <RecordFormModal kind="contact" companyId={company.id} onClose={() => setAdding(false)} onSaved={(id) => navigate(recordPath('contact', id))} />}
    </Card>
  );
}

export function DetailPage({ kind }: { kind: RecordKind }) {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const canWrite = session.can('customers.write');
  const query = useApiQuery(kind === 'contact' ? 'contacts.get' : 'companies.get', { id }, { retry: false });
  const [editing, setEditing] = useState(false);
  const [merging, setMerging] = useState(false);
  const remove = useDeleteWithUndo(kind, () => navigate(`/customers/${kindPath(kind)}`));
  const record = query.data as AnyRecord | undefined;
  const specs = useSpecs(kind, record ?? ({} as AnyRecord));
  const saveTags = useApiMutation(kind === 'contact' ? 'contacts.update' : 'companies.update');

  const back = (
    <Anchor component={Link} to={`/customers/${kindPath(kind)}`} size="sm">
      <Group gap={4}>
        <IconArrowLeft size={14} />
        {t(`customers.nav.${kindPath(kind)}`)}
      </Group>
    </Anchor>
  );
  if (query.isError) {
    return (
      <Stack maw={640}>
        {back}
        <Alert color="orange" title={t('customers.detail.goneTitle')}>
          <Text size="sm">{t('customers.detail.goneBody')}</Text>
          <Anchor component={Link} to="/customers/recycle-bin" size="sm">
            {t('customers.nav.recycleBin')}
          </Anchor>
        </Alert>
      </Stack>
    );
  }
  if (!record) return <Skeleton h={400} />;

  const name = kind === 'contact' ? contactName(record as Contact) : (record as Company).name;
  const contact = kind === 'contact' ? (record as Contact) : null;
  const company = kind === 'company' ? (record as Company) : null;

  return (
    <Stack gap="md" maw={1200}>
      {back}
      <Group justify="space-between" align="flex-start" gap="sm">
        <div style={{ minWidth: 0 }}>
          <Title order={2} data-testid="record-title" style={{ wordBreak: 'break-word' }}>
            {name}
          </Title>
          <Text size="sm" c="dimmed">
            {contact?.companyName && (
              <>
                <Anchor component={Link} to={recordPath('company', contact.companyId!)} size="sm">
                  {contact.companyName}
                </Anchor>
                {contact.title ? ` · ${contact.title}` : ''}
                {' · '}
              </>
            )}
            {t('customers.detail.updated', { when: formatDateTime(record.updatedAt) })}
          </Text>
        </div>
        <Group gap="xs">
          {canWrite && (
            <Button variant="default" leftSection={<IconPencil size={16} />} onClick={() => setEditing(true)}>
              {t('ui.common.edit')}
            </Button>
          )}
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button variant="default" px="xs" aria-label={t('customers.detail.more')}>
                <IconDots size={16} />
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {canWrite && (
                <Menu.Item leftSection={<IconArrowMerge size={14} />} onClick={() => setMerging(true)}>
                  {t('customers.merge.action')}
                </Menu.Item>
              )}
              {session.can('customers.delete') && (
                <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => remove.mutate({ kind, ids: [record.id] })}>
                  {t('customers.detail.delete')}
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <div>
          <Stack gap="md">
            <Card withBorder>
              <Stack gap="md">
                {contact && (
                  <SimpleGrid cols={{ base: 1, xs: 2, lg: 3 }}>
                    <ListValues label={t('customers.fields.phones')} values={contact.phones.map((p) => (p.label ? `${p.number} (${p.label})` : p.number))} />
                    <ListValues label={t('customers.fields.emails')} values={contact.emails.map((e) => (e.label ? `${e.address} (${e.label})` : e.address))} />
                    <ListValues label={t('customers.fields.ims')} values={contact.ims.map((m) => `${t(`customers.imKinds.${m.kind}`, { defaultValue: m.kind })}: ${m.handle}`)} />
                  </SimpleGrid>
                )}
                <FieldGrid kind={kind} record={record} specs={specs} canWrite={canWrite} />
              </Stack>
            </Card>
            <Card withBorder>
              <TagSelect
                value={record.tags.map((tag) => tag.id)}
                disabled={!canWrite}
                onChange={(tagIds) => saveTags.mutate({ id: record.id, tagIds } as never)}
                error={saveTags.error ? errorMessage(t, saveTags.error.error) : undefined}
              />
              <Group gap={4} mt="xs">
                {record.tags.map((tag) => (
                  <Badge key={tag.id} color={tag.color} variant="light">
                    {tag.name}
                  </Badge>
                ))}
              </Group>
            </Card>
            {company && <CompanyContacts company={company} />}
          </Stack>
        </div>
        <div>
          <Card withBorder>
            <Stack gap="md">
              {canWrite && <NoteBox kind={kind} id={record.id} />}
              <Title order={4}>{t('customers.timeline.title')}</Title>
              <RecordTimeline kind={kind} id={record.id} />
            </Stack>
          </Card>
        </div>
      </SimpleGrid>
      {editing && <RecordFormModal kind={kind} record={record} onClose={() => setEditing(false)} />}
      {merging && <MergeModal kind={kind} record={record} onClose={() => setMerging(false)} />}
    </Stack>
  );
}
