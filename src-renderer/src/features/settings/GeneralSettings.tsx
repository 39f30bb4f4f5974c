import { Alert, Button, Group, NumberInput, Select, Skeleton, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { CURRENCIES, LANGUAGES, type Settings } from '../../../../src-shared/contract';
import { useApiQuery } from '../../api/hooks';
import { LANGUAGE_NAMES } from '../../components/PreferenceControls';
import { currencyName } from '../../format';
import { useFormMutation } from '../../forms';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';

/** The settings this tab edits; other areas' settings live in their own tabs. */
type GeneralValues = Pick<Settings, 'officeName' | 'currency' | 'defaultLanguage' | 'idleLockMinutes'>;

function pickGeneral(settings: Settings): GeneralValues {
  const { officeName, currency, defaultLanguage, idleLockMinutes } = settings;
  return { officeName, currency, defaultLanguage, idleLockMinutes };
}

export function GeneralSettings() {
  const { t } = useTranslation();
  const session = useSession();
  const canManage = session.can('settings.manage');
  const settings = useApiQuery('settings.get', {});
  const form = useForm<GeneralValues>({
    initialValues: { officeName: '', currency: 'CNY', defaultLanguage: 'zh-CN', idleLockMinutes: 15 },
    validate: {
      officeName: (v) => (v.trim() ? null : t('validation.required')),
      idleLockMinutes: (v) =>
        Number.isInteger(v) && v >= 0 && v <= 480 ? null : t('ui.settings.idleRange', { min: 0, max: 480 }),
    },
  });
  const loaded = settings.data;
  useEffect(() => {
    if (loaded) {
      const values = pickGeneral(loaded);
      form.setValues(values);
      form.resetDirty(values);
    }
    // Only when the stored settings change, not on every keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  const save = useFormMutation('settings.update', form, () => {
    // The session carries the idle time: reload it before confirming, so the new time applies at once.
    void session.refresh().then(() => notifications.show({ color: 'teal', message: t('ui.common.saved') }));
  });

  if (settings.isError) return <Alert color="red">{errorMessage(t, settings.error.error)}</Alert>;
  if (!loaded) return <Skeleton h={280} />;

  return (
    <form
      onSubmit={form.onSubmit((values) => {
        save.submit({ ...values, officeName: values.officeName.trim() });
      })}
    >
      <Stack maw={520}>
        {save.formError && <Alert color="red">{save.formError}</Alert>}
        <TextInput label={t('ui.setup.officeName')} disabled={!canManage} {...form.getInputProps('officeName')} />
        <Select
          label={t('ui.setup.currency')}
          data={CURRENCIES.map((code) => ({ value: code, label: `${code} · ${currencyName(code)}` }))}
          allowDeselect={false}
          searchable
          disabled={!canManage}
          {...form.getInputProps('currency')}
        />
        <Select
          label={t('ui.settings.defaultLanguage')}
          description={t('ui.settings.defaultLanguageHint')}
          data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
          allowDeselect={false}
          disabled={!canManage}
          {...form.getInputProps('defaultLanguage')}
        />
        <NumberInput
          label={t('ui.settings.idleLock')}
          description={t('ui.settings.idleLockHint')}
          min={0}
          max={480}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="strict"
          disabled={!canManage}
          data-testid="idle-lock-minutes"
          {...form.getInputProps('idleLockMinutes')}
          onChange={(value) => form.setFieldValue('idleLockMinutes', typeof value === 'number' ? value : Number(value) || 0)}
        />
        {canManage && (
          <Group>
            <Button type="submit" loading={save.pending} disabled={!form.isDirty()}>
              {t('ui.common.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
