import { Alert, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiMutation } from '../../api/hooks';
import { AuthLayout } from '../../components/AuthLayout';
import { LanguageMenu } from '../../components/PreferenceControls';
import { applyApiError } from '../../forms';
import { useSession } from '../../session';

export function LoginScreen({ officeName, expired }: { officeName: string | null; expired: boolean }) {
  const { t } = useTranslation();
  const session = useSession();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (v) => (v.trim() ? null : t('validation.required')),
      password: (v) => (v ? null : t('validation.required')),
    },
  });
  const login = useApiMutation('auth.login', {
    onSuccess: (value) => session.signedIn(value),
    onError: (error) => {
      form.setFieldValue('password', '');
      // Wrong credentials and account locks are about the pair, so they show above the form.
      setFormError(applyApiError(form, error, t));
    },
  });

  return (
    <AuthLayout corner={<LanguageMenu />}>
      <form
        onSubmit={form.onSubmit((values) => {
          setFormError(null);
          login.mutate({ username: values.username.trim().toLowerCase(), password: values.password });
        })}
      >
        <Stack>
          <div>
            <Title order={3}>{t('ui.login.title')}</Title>
            {officeName && (
              <Text c="dimmed" size="sm" data-testid="login-office">
                {officeName}
              </Text>
            )}
          </div>
          {expired && !formError && (
            <Alert color="blue" variant="light">
              {t('ui.login.expired')}
            </Alert>
          )}
          {formError && (
            <Alert color="red" icon={<IconAlertCircle size={18} />} data-testid="login-error" role="alert">
              {formError}
            </Alert>
          )}
          <TextInput
            label={t('ui.login.username')}
            autoComplete="username"
            autoCapitalize="none"
            data-autofocus
            autoFocus
            {...form.getInputProps('username')}
          />
          <PasswordInput label={t('ui.login.password')} autoComplete="current-password" {...form.getInputProps('password')} />
          <Button type="submit" loading={login.isPending} fullWidth mt="xs">
            {t('ui.login.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
