/** Covers the app while the session is locked; the work underneath stays as it was. */
import { Alert, Anchor, Avatar, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconLock } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageMenu } from '../../components/PreferenceControls';
import { applyApiError } from '../../forms';
import { useSession } from '../../session';

export function LockScreen() {
  const { t } = useTranslation();
  const session = useSession();
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { password: '' },
    validate: { password: (v) => (v ? null : t('validation.required')) },
  });
  const me = session.me;
  if (!me) return null;

  return (
    <Box
      pos="fixed"
      inset={0}
      style={{ zIndex: 1000, background: 'light-dark(var(--mantine-color-gray-1), var(--mantine-color-dark-8))' }}
      data-testid="lock-screen"
    >
      <Group justify="flex-end" p="md">
        <LanguageMenu />
      </Group>
      <Center px="sm">
        <Paper withBorder shadow="sm" radius="md" p="xl" w="100%" maw={400}>
          <form
            onSubmit={form.onSubmit(async ({ password }) => {
              setFormError(null);
              setBusy(true);
              try {
                await session.unlock(password);
                form.reset();
              } catch (error) {
                form.setFieldValue('password', '');
                setFormError(applyApiError(form, error, t));
              } finally {
                setBusy(false);
              }
            })}
          >
            <Stack align="stretch">
              <Stack align="center" gap={6}>
                <Avatar size={56} radius="xl" color="blue">
                  <IconLock size={28} />
                </Avatar>
                <Title order={3}>{t('ui.lock.title')}</Title>
                <Text size="sm" c="dimmed" ta="center">
                  {t('ui.lock.body', { name: me.user.displayName })}
                </Text>
              </Stack>
              {formError && <Alert color="red">{formError}</Alert>}
              <PasswordInput
                label={t('ui.login.password')}
                autoComplete="current-password"
                autoFocus
                data-autofocus
                {...form.getInputProps('password')}
              />
              <Button type="submit" loading={busy}>
                {t('ui.lock.unlock')}
              </Button>
              <Anchor component="button" type="button" size="sm" ta="center" onClick={() => void session.logout()}>
                {t('ui.lock.signOut')}
              </Anchor>
            </Stack>
          </form>
        </Paper>
      </Center>
    </Box>
  );
}
