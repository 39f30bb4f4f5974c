import { Alert, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { AuthLayout } from '../../components/AuthLayout';
import { LanguageMenu } from '../../components/PreferenceControls';
import { useFormMutation } from '../../forms';
import { useSession } from '../../session';

export function LoginScreen({ officeName, expired }: { officeName: string | null; expired: boolean }) {
  const { t } = useTranslation();
  const session = useSession();
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (v) => (v.trim() ? null : t('validation.required')),
      password: (v) => (v ? null : t('validation.required')),
    },
  });
  // Wrong credentials and account locks are about the pair, so they show above the form.
  const login = useFormMutation('auth.login', form, (value) => session.signedIn(value));
  const formError = login.formError;

  return (
    <AuthLayout corner={<LanguageMenu />}>
      <form
        onSubmit={form.onSubmit((values) => {
          form.setFieldValue('password', '');
          login.submit({ username: values.username.trim().toLowerCase(), password: values.password });
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
          <Button type="submit" loading={login.pending} fullWidth mt="xs">
            {t('ui.login.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
