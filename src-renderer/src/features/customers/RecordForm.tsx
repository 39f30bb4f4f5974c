/**
 * Create or edit a contact or company in a modal. New records start with
 * owner = me and the office's default region. Ctrl/Cmd+Enter saves. Likely
 * duplicates are shown before saving, with "Open existing" and "Save anyway".
 */
import { ActionIcon, Alert, Button, Center, Divider, Group, Loader, Modal, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { getHotkeyHandler, useMediaQuery } from '@mantine/hooks';
import { IconAlertTriangle, IconPlus, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { MethodOutput } from '../../../../src-shared/contract';
import {
  CHANNELS,
  COMPANY_LEVELS,
  COMPANY_SIZES,
  IM_KINDS,
  SOURCES,
  type Company,
  type Contact,
  type RecordKind,
} from '../../../../src-shared/contract/customers';
import { call } from '../../api/client';
import { useApiQuery } from '../../api/hooks';
import { applyApiError } from '../../forms';
import { useSession } from '../../session';
import { CompanyPicker, TagSelect, useCategories, useEnumOptions, useOwners } from './lookups';
import { orNull, recordPath } from './model';

type Duplicate = Extract<MethodOutput<'contacts.create'>, { saved: false }>['duplicates'][number];

interface ContactValues {
  familyName: string;
  givenName: string;
  title: string;
  companyId: string | null;
  phones: { label: string; number: string }[];
  emails: { label: string; address: string }[];
  ims: { kind: string; handle: string }[];
  province: string;
  city: string;
  address: string;
  birthday: string;
  source: string | null;
  categoryId: string | null;
  ownerId: string | null;
  preferredChannel: string | null;
  preferredLanguage: string | null;
  preferences: string;
  notes: string;
  tagIds: string[];
}

interface CompanyValues {
  name: string;
  industry: string;
  province: string;
  city: string;
  address: string;
  website: string;
  phone: string;
  size: string | null;
  source: string | null;
  level: string | null;
  categoryId: string | null;
  ownerId: string | null;
  notes: string;
  tagIds: string[];
}

interface Props {
  kind: RecordKind;
  /** The record to edit; absent to create. */
  record?: Contact | Company;
  /** Preset company for a new contact (from a company's page). */
  companyId?: string;
  onClose(): void;
  onSaved?(id: string): void;
}

export function RecordFormModal(props: Props) {
  const { t } = useTranslation();
  const narrow = useMediaQuery('(max-width: 36em)') ?? false;
  const settings = useApiQuery('settings.get', {}, { enabled: !props.record, staleTime: 60_000 });
  const ready = Boolean(props.record) || settings.data !== undefined || settings.isError;
  const title = t(props.record ? `customers.form.edit_${props.kind}` : `customers.form.new_${props.kind}`);
  const defaults = { province: settings.data?.defaultProvince ?? '', city: settings.data?.defaultCity ?? '' };
  return (
    <Modal opened onClose={props.onClose} title={title} size="xl" fullScreen={narrow}>
      {!ready ? (
        <Center h={200}>
          <Loader />
        </Center>
      ) : props.kind === 'contact' ? (
        <ContactForm {...props} record={props.record as Contact | undefined} defaults={defaults} />
      ) : (
        <CompanyForm {...props} record={props.record as Company | undefined} defaults={defaults} />
      )}
    </Modal>
  );
}

interface BodyProps<R> extends Omit<Props, 'record'> {
  record?: R;
  defaults: { province: string; city: string };
}

/** Saving, duplicates and error placement shared by both forms. */
function useSave<V>(kind: RecordKind, form: UseFormReturnType<V>, props: Omit<Props, 'record'> & { record?: { id: string } }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [duplicates, setDuplicates] = useState<Duplicate[]>([]);

  const save = async (input: Record<string, unknown>, force: boolean, mapPath?: (path: string) => string | null) => {
    setPending(true);
    setFormError(null);
    try {
      const id = props.record?.id;
      const body = { ...input, force } as never;
      const result =
        kind === 'contact'
          ? id
            ? await call('contacts.update', { ...(body as object), id } as never)
            : await call('contacts.create', body)
          : id
            ? await call('companies.update', { ...(body as object), id } as never)
            : await call('companies.create', body);
      if (!result.saved) {
        setDuplicates(result.duplicates);
        return;
      }
      void queryClient.invalidateQueries();
      props.onClose();
      props.onSaved?.(result.record.id);
    } catch (error) {
      setDuplicates([]);
      setFormError(applyApiError(form, error, t, mapPath));
    } finally {
      setPending(false);
    }
  };
  return { pending, formError, duplicates, setDuplicates, save };
}

function DuplicateWarning({ duplicates, onForce, onClose, pending }: { duplicates: Duplicate[]; onForce(): void; onClose(): void; pending: boolean }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const ref = useRef<HTMLDivElement>(null);
  // The warning appears below a long form: bring it into view.
  useEffect(() => {
    if (duplicates.length > 0) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [duplicates]);
  if (duplicates.length === 0) return null;
  return (
    <Alert ref={ref} color="orange" icon={<IconAlertTriangle size={18} />} title={t('customers.duplicates.title')} data-testid="duplicate-warning">
      <Stack gap="xs">
        <Text size="sm">{t('customers.duplicates.body')}</Text>
        {duplicates.map((d) => (
          <Group key={`${d.kind}:${d.id}`} justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" style={{ minWidth: 0 }} truncate>
              <b>{d.name}</b> · {t(`customers.duplicates.reason_${d.reason}`, { detail: d.detail })}
            </Text>
            <Button
              size="compact-sm"
              variant="light"
              onClick={() => {
                onClose();
                navigate(recordPath(d.kind, d.id));
              }}
            >
              {t('customers.duplicates.open')}
            </Button>
          </Group>
        ))}
        <Group justify="flex-end">
          <Button size="compact-sm" color="orange" onClick={onForce} loading={pending}>
            {t('customers.duplicates.saveAnyway')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function FormFooter({ pending, onClose, formError }: { pending: boolean; onClose(): void; formError: string | null }) {
  const { t } = useTranslation();
  return (
    <>
      {formError && <Alert color="red">{formError}</Alert>}
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {t('customers.form.saveHint')}
        </Text>
        <Group>
          <Button variant="default" onClick={onClose}>
            {t('ui.common.cancel')}
          </Button>
          <Button type="submit" loading={pending}>
            {t('ui.common.save')}
          </Button>
        </Group>
      </Group>
    </>
  );
}

function CommonSelects<V>({ form, kind }: { form: UseFormReturnType<V>; kind: RecordKind }) {
  const { t } = useTranslation();
  const owners = useOwners();
  const categories = useCategories(kind);
  const sources = useEnumOptions('sources', SOURCES);
  return (
    <>
      <Select label={t('customers.fields.ownerId')} data={owners} clearable {...form.getInputProps('ownerId')} />
      <Select label={t('customers.fields.source')} data={sources} clearable {...form.getInputProps('source')} />
      <Select
        label={t('customers.fields.categoryId')}
        data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
        clearable
        nothingFoundMessage={t('customers.list.noCategories')}
        {...form.getInputProps('categoryId')}
      />
    </>
  );
}

/** A titled list of rows (phones, emails, IM handles) with remove and add buttons. */
function RepeatedRows({
  form,
  list,
  title,
  addLabel,
  blank,
  row,
}: {
  form: UseFormReturnType<ContactValues>;
  list: 'phones' | 'emails' | 'ims';
  title: string;
  addLabel: string;
  blank: ContactValues[typeof list][number];
  row(index: number): ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Divider label={title} labelPosition="left" />
      {form.getValues()[list].map((_, i) => (
        <Group key={`${list}-${i}`} align="flex-start" wrap="nowrap" gap="xs">
          {row(i)}
          <ActionIcon variant="subtle" color="gray" mt={6} aria-label={t('customers.form.remove')} onClick={() => form.removeListItem(list, i)}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button variant="subtle" size="compact-sm" leftSection={<IconPlus size={14} />} style={{ alignSelf: 'flex-start' }} onClick={() => form.insertListItem(list, blank)}>
        {addLabel}
      </Button>
    </>
  );
}

function ContactForm(props: BodyProps<Contact>) {
  const { t } = useTranslation();
  const session = useSession();
  const r = props.record;
  const form = useForm<ContactValues>({
    initialValues: {
      familyName: r?.familyName ?? '',
      givenName: r?.givenName ?? '',
      title: r?.title ?? '',
      companyId: r?.companyId ?? props.companyId ?? null,
      phones: r ? r.phones.map((p) => ({ ...p })) : [{ label: '', number: '' }],
      emails: r ? r.emails.map((e) => ({ ...e })) : [{ label: '', address: '' }],
      ims: r ? r.ims.map((i) => ({ ...i })) : [],
      province: r ? (r.province ?? '') : props.defaults.province,
      city: r ? (r.city ?? '') : props.defaults.city,
      address: r?.address ?? '',
      birthday: r?.birthday ?? '',
      source: r?.source ?? null,
      categoryId: r?.categoryId ?? null,
      ownerId: r ? r.ownerId : (session.me?.user.id ?? null),
      preferredChannel: r?.preferredChannel ?? null,
      preferredLanguage: r?.preferredLanguage ?? null,
      preferences: r?.preferences ?? '',
      notes: r?.notes ?? '',
      tagIds: r?.tags.map((tag) => tag.id) ?? [],
    },
  });
  const state = useSave('contact', form, props);
  const channels = useEnumOptions('channels', CHANNELS);
  const imKinds = useEnumOptions('imKinds', IM_KINDS);

  const submit = (force: boolean) => {
    const v = form.getValues();
    // Empty rows are dropped; error paths point back at the row the user sees.
    const keep = <T,>(rows: T[], filled: (row: T) => boolean) => rows.map((row, i) => ({ row, i })).filter(({ row }) => filled(row));
    const phones = keep(v.phones, (p) => p.number.trim() !== '');
    const emails = keep(v.emails, (e) => e.address.trim() !== '');
    const ims = keep(v.ims, (m) => m.handle.trim() !== '');
    const remap = (path: string) => {
      const match = /^(phones|emails|ims)\.(\d+)(\..*)?$/.exec(path);
      if (!match) return path in v ? path : path === 'tagIds' ? 'tagIds' : null;
      const list = { phones, emails, ims }[match[1] as 'phones'];
      const original = list[Number(match[2])]?.i ?? 0;
      return `${match[1]}.${original}${match[3] ?? ''}`;
    };
    void state.save(
      {
        familyName: v.familyName.trim(),
        givenName: v.givenName.trim(),
        title: orNull(v.title),
        companyId: v.companyId,
        phones: phones.map(({ row }) => row),
        emails: emails.map(({ row }) => row),
        ims: ims.map(({ row }) => row),
        province: orNull(v.province),
        city: orNull(v.city),
        address: orNull(v.address),
        birthday: orNull(v.birthday),
        source: v.source,
        categoryId: v.categoryId,
        ownerId: v.ownerId,
        preferredChannel: v.preferredChannel,
        preferredLanguage: v.preferredLanguage,
        preferences: orNull(v.preferences),
        notes: orNull(v.notes),
        tagIds: v.tagIds,
      },
      force,
      remap,
    );
  };
  return (
    <form
      onSubmit={form.onSubmit(() => submit(false))}
      onKeyDown={getHotkeyHandler([['mod+Enter', () => submit(false)]])}
      onChange={() => state.duplicates.length > 0 && state.setDuplicates([])}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t('customers.fields.familyName')} data-autofocus {...form.getInputProps('familyName')} />
          <TextInput label={t('customers.fields.givenName')} {...form.getInputProps('givenName')} />
          <CompanyPicker
            initial={r?.companyId ? { value: r.companyId, label: r.companyName ?? '' } : null}
            {...form.getInputProps('companyId')}
          />
          <TextInput label={t('customers.fields.title')} {...form.getInputProps('title')} />
        </SimpleGrid>

        <RepeatedRows
          form={form}
          list="phones"
          title={t('customers.fields.phones')}
          addLabel={t('customers.form.addPhone')}
          blank={{ label: '', number: '' }}
          row={(i) => (
            <>
              <TextInput aria-label={t('customers.form.phoneLabel')} placeholder={t('customers.form.phoneLabelHint')} w={110} {...form.getInputProps(`phones.${i}.label`)} />
              <TextInput aria-label={t('customers.fields.phone')} placeholder={t('customers.fields.phone')} style={{ flex: 1 }} {...form.getInputProps(`phones.${i}.number`)} />
            </>
          )}
        />
        <RepeatedRows
          form={form}
          list="emails"
          title={t('customers.fields.emails')}
          addLabel={t('customers.form.addEmail')}
          blank={{ label: '', address: '' }}
          row={(i) => (
            <>
              <TextInput aria-label={t('customers.form.emailLabel')} placeholder={t('customers.form.phoneLabelHint')} w={110} {...form.getInputProps(`emails.${i}.label`)} />
              <TextInput aria-label={t('customers.fields.email')} placeholder={t('customers.fields.email')} style={{ flex: 1 }} {...form.getInputProps(`emails.${i}.address`)} />
            </>
          )}
        />
        <RepeatedRows
          form={form}
          list="ims"
          title={t('customers.fields.ims')}
          addLabel={t('customers.form.addIm')}
          blank={{ kind: 'wechat', handle: '' }}
          row={(i) => (
            <>
              <Select aria-label={t('customers.form.imKind')} data={imKinds} w={130} allowDeselect={false} {...form.getInputProps(`ims.${i}.kind`)} />
              <TextInput aria-label={t('customers.form.imHandle')} placeholder={t('customers.form.imHandle')} style={{ flex: 1 }} {...form.getInputProps(`ims.${i}.handle`)} />
            </>
          )}
        />

        <Divider />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label={t('customers.fields.province')} {...form.getInputProps('province')} />
          <TextInput label={t('customers.fields.city')} {...form.getInputProps('city')} />
          <TextInput type="date" label={t('customers.fields.birthday')} {...form.getInputProps('birthday')} />
        </SimpleGrid>
        <TextInput label={t('customers.fields.address')} {...form.getInputProps('address')} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <CommonSelects form={form} kind="contact" />
          <Select label={t('customers.fields.preferredChannel')} data={channels} clearable {...form.getInputProps('preferredChannel')} />
          <Select
            label={t('customers.fields.preferredLanguage')}
            data={[
              { value: 'zh-CN', label: '简体中文' },
              { value: 'en', label: 'English' },
            ]}
            clearable
            {...form.getInputProps('preferredLanguage')}
          />
        </SimpleGrid>
        <TagSelect {...form.getInputProps('tagIds')} />
        <TextInput label={t('customers.fields.preferences')} {...form.getInputProps('preferences')} />
        <Textarea label={t('customers.fields.notes')} autosize minRows={2} maxRows={6} {...form.getInputProps('notes')} />
        <DuplicateWarning duplicates={state.duplicates} onForce={() => submit(true)} onClose={props.onClose} pending={state.pending} />
        <FormFooter pending={state.pending} onClose={props.onClose} formError={state.formError} />
      </Stack>
    </form>
  );
}

function CompanyForm(props: BodyProps<Company>) {
  const { t } = useTranslation();
  const session = useSession();
  const r = props.record;
  const form = useForm<CompanyValues>({
    initialValues: {
      name: r?.name ?? '',
      industry: r?.industry ?? '',
      province: r ? (r.province ?? '') : props.defaults.province,
      city: r ? (r.city ?? '') : props.defaults.city,
      address: r?.address ?? '',
      website: r?.website ?? '',
      phone: r?.phone ?? '',
      size: r?.size ?? null,
      source: r?.source ?? null,
      level: r?.level ?? null,
      categoryId: r?.categoryId ?? null,
      ownerId: r ? r.ownerId : (session.me?.user.id ?? null),
      notes: r?.notes ?? '',
      tagIds: r?.tags.map((tag) => tag.id) ?? [],
    },
  });
  const state = useSave('company', form, props);
  const sizes = useEnumOptions('sizes', COMPANY_SIZES);
  const levels = useEnumOptions('levels', COMPANY_LEVELS);
  const submit = (force: boolean) => {
    const v = form.getValues();
    void state.save(
      {
        name: v.name.trim(),
        industry: orNull(v.industry),
        province: orNull(v.province),
        city: orNull(v.city),
        address: orNull(v.address),
        website: orNull(v.website),
        phone: orNull(v.phone),
        size: v.size,
        source: v.source,
        level: v.level,
        categoryId: v.categoryId,
        ownerId: v.ownerId,
        notes: orNull(v.notes),
        tagIds: v.tagIds,
      },
      force,
    );
  };
  return (
    <form
      onSubmit={form.onSubmit(() => submit(false))}
      onKeyDown={getHotkeyHandler([['mod+Enter', () => submit(false)]])}
      onChange={() => state.duplicates.length > 0 && state.setDuplicates([])}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t('customers.fields.companyName')} data-autofocus {...form.getInputProps('name')} />
          <TextInput label={t('customers.fields.industry')} {...form.getInputProps('industry')} />
          <TextInput label={t('customers.fields.phone')} {...form.getInputProps('phone')} />
          <TextInput label={t('customers.fields.website')} {...form.getInputProps('website')} />
          <TextInput label={t('customers.fields.province')} {...form.getInputProps('province')} />
          <TextInput label={t('customers.fields.city')} {...form.getInputProps('city')} />
        </SimpleGrid>
        <TextInput label={t('customers.fields.address')} {...form.getInputProps('address')} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select label={t('customers.fields.size')} data={sizes} clearable {...form.getInputProps('size')} />
          <Select label={t('customers.fields.level')} data={levels} clearable {...form.getInputProps('level')} />
          <CommonSelects form={form} kind="company" />
        </SimpleGrid>
        <TagSelect {...form.getInputProps('tagIds')} />
        <Textarea label={t('customers.fields.notes')} autosize minRows={2} maxRows={6} {...form.getInputProps('notes')} />
        <DuplicateWarning duplicates={state.duplicates} onForce={() => submit(true)} onClose={props.onClose} pending={state.pending} />
        <FormFooter pending={state.pending} onClose={props.onClose} formError={state.formError} />
      </Stack>
    </form>
  );
}
