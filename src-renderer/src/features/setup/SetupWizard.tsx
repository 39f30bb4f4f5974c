/**
 * First run: office, language and currency; the first administrator; sample
 * data. Switching the language switches the wizard at once. Ends signed in.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  PasswordInput,
  Select,
  SegmentedControl,
  Stack,
  Stepper,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMediaQuery } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CURRENCIES,
  LANGUAGES,
  PASSWORD_MIN,
  type Currency,
  type Language,
  type MethodOutput,
} from '../../../../src-shared/contract';
import { apiQueryKey, useApiMutation } from '../../api/hooks';
import { setupExtras } from '../../app/modules';
import { AuthLayout } from '../../components/AuthLayout';
import { LANGUAGE_NAMES } from '../../components/PreferenceControls';
import { PasswordStrength } from '../../components/PasswordStrength';
import { currencyName } from '../../format';
import { applyApiError } from '../../forms';
import { applyLanguage, currentLanguage } from '../../i18n';
import { useSession } from '../../session';

type Status = MethodOutput<'system.status'>;

interface SetupValues {
  officeName: string;
  language: Language;
  currency: Currency;
  admin: { displayName: string; username: string; password: string };
  confirmPassword: string;
  loadSampleData: boolean;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Which step shows which field, so a server-side error opens the right step. */
const STEP_OF_FIELD = (path: string): number => (path.startsWith('admin') || path === 'confirmPassword' ? 1 : 0);

export function SetupWizard({ status }: { status: Status }) {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  // On phones the step labels do not fit beside each other; the current one is shown above instead.
  const narrow = useMediaQuery('(max-width: 36em)') ?? false;
  const stepLabels = [t('ui.setup.stepOffice'), t('ui.setup.stepAdmin'), t('ui.setup.stepFinish')];
  const [formError, setFormError] = useState<string | null>(null);

  const form = useForm<SetupValues>({
    initialValues: {
      officeName: '',
      language: currentLanguage(),
      currency: status.currency,
      admin: { displayName: '', username: '', password: '' },
      confirmPassword: '',
      loadSampleData: false,
    },
    validate: (values) => {
      const required = (v: string) => (v.trim() ? null : t('validation.required'));
      if (step === 0) return { officeName: required(values.officeName) };
      const username = values.admin.username.trim().toLowerCase();
      return {
        'admin.displayName': required(values.admin.displayName),
        'admin.username':
          username.length < 3
            ? t('validation.too_small_string', { minimum: 3 })
            : USERNAME.test(username)
              ? null
              : t('validation.username_format'),
        'admin.password':
          values.admin.password.length < PASSWORD_MIN ? t('validation.too_small_string', { minimum: PASSWORD_MIN }) : null,
        confirmPassword: values.confirmPassword === values.admin.password ? null : t('validation.password_mismatch'),
      };
    },
  });

  const setup = useApiMutation('system.setup', {
    onSuccess: (value) => {
      queryClient.setQueryData(apiQueryKey('system.status', {}), {
        ...status,
        setUp: true,
        officeName: form.values.officeName.trim(),
        defaultLanguage: form.values.language,
        currency: form.values.currency,
      });
      session.signedIn(value);
    },
    onError: (error) => {
      setFormError(applyApiError(form, error, t));
      const first = error.error.fields?.[0];
      if (first) setStep(STEP_OF_FIELD(first.path));
    },
  });

  const chooseLanguage = (language: Language) => {
    form.setFieldValue('language', language);
    applyLanguage(language);
  };

  const next = () => {
    if (form.validate().hasErrors) return;
    setFormError(null);
    if (step < 2) {
      setStep(step + 1);
      return;
    }
    const v = form.values;
    setup.mutate({
      officeName: v.officeName.trim(),
      language: v.language,
      currency: v.currency,
      admin: {
        displayName: v.admin.displayName.trim(),
        username: v.admin.username.trim().toLowerCase(),
        password: v.admin.password,
      },
      loadSampleData: v.loadSampleData,
    });
  };

  const currencies = CURRENCIES.map((code) => ({ value: code, label: `${code} · ${currencyName(code)}` }));

  return (
    <AuthLayout
      width={560}
      corner={
        <SegmentedControl
          size="xs"
          value={form.values.language}
          onChange={(value) => chooseLanguage(value as Language)}
          data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
          aria-label={t('ui.shell.language')}
        />
      }
      below={setupExtras.map((extra) => (
        <Fragment key={extra.id}>{extra.render()}</Fragment>
      ))}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          next();
        }}
        data-testid="setup-wizard"
      >
        <Stack gap="lg">
          <div>
            <Text fw={600} size="lg">
              {t('ui.setup.title')}
            </Text>
            <Text size="sm" c="dimmed">
              {t('ui.setup.intro')}
            </Text>
          </div>
          {narrow && (
            <Text size="sm" fw={600} c="blue.7">
              {t('ui.setup.stepOf', { step: step + 1, total: 3, label: stepLabels[step] })}
            </Text>
          )}
          <Stepper active={step} onStepClick={(target) => target < step && setStep(target)} size="sm" allowNextStepsSelect={false}>
            <Stepper.Step label={narrow ? undefined : stepLabels[0]} aria-label={stepLabels[0]}>
              <Stack mt="md">
                <TextInput
                  label={t('ui.setup.officeName')}
                  description={t('ui.setup.officeNameHint')}
                  data-autofocus
                  autoFocus
                  {...form.getInputProps('officeName')}
                />
                <Select
                  label={t('ui.setup.language')}
                  data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
                  value={form.values.language}
                  onChange={(value) => value && chooseLanguage(value as Language)}
                  allowDeselect={false}
                  data-testid="setup-language"
                />
                <Select
                  label={t('ui.setup.currency')}
                  description={t('ui.setup.currencyHint')}
                  data={currencies}
                  searchable
                  allowDeselect={false}
                  {...form.getInputProps('currency')}
                />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={narrow ? undefined : stepLabels[1]} aria-label={stepLabels[1]}>
              <Stack mt="md">
                <Text size="sm" c="dimmed">
                  {t('ui.setup.adminIntro')}
                </Text>
                <TextInput label={t('ui.setup.adminName')} autoFocus {...form.getInputProps('admin.displayName')} />
                <TextInput
                  label={t('ui.setup.username')}
                  description={t('ui.setup.usernameHint')}
                  autoCapitalize="none"
                  autoComplete="username"
                  {...form.getInputProps('admin.username')}
                />
                <PasswordInput label={t('ui.setup.password')} autoComplete="new-password" {...form.getInputProps('admin.password')} />
                <PasswordStrength password={form.values.admin.password} />
                <PasswordInput label={t('ui.setup.confirmPassword')} autoComplete="new-password" {...form.getInputProps('confirmPassword')} />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={narrow ? undefined : stepLabels[2]} aria-label={stepLabels[2]}>
              <Stack mt="md">
                <Text size="sm">
                  {t('ui.setup.summary', {
                    office: form.values.officeName.trim(),
                    admin: form.values.admin.username.trim().toLowerCase(),
                    currency: form.values.currency,
                  })}
                </Text>
                <Checkbox
                  label={t('ui.setup.sampleData')}
                  description={t('ui.setup.sampleDataHint')}
                  {...form.getInputProps('loadSampleData', { type: 'checkbox' })}
                />
              </Stack>
            </Stepper.Step>
          </Stepper>
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <Group justify="space-between">
            <Button variant="default" onClick={() => setStep(step - 1)} disabled={step === 0 || setup.isPending}>
              {t('ui.common.back')}
            </Button>
            <Button type="submit" loading={setup.isPending}>
              {step < 2 ? t('ui.common.next') : t('ui.setup.finish')}
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthLayout>
  );
}
