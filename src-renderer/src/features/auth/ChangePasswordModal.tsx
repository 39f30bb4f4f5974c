import { Alert, Button, Group, Modal, PasswordInput, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '../../../../src-shared/contract';
import { PasswordStrength } from '../../components/PasswordStrength';
import { useFormMutation } from '../../forms';

export function ChangePasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { currentPassword: '', newPassword: '', confirm: '' },
    validate: {
      currentPassword: (v) => (v ? null : t('validation.required')),
      newPassword: (v) => (v.length >= PASSWORD_MIN ? null : t('validation.too_small_string', { minimum: PASSWORD_MIN })),
      confirm: (v, values) => (v === values.newPassword ? null : t('validation.password_mismatch')),
    },
  });
  const change = useFormMutation('auth.changePassword', form, () => {
    notifications.show({ color: 'teal', message: t('ui.password.changed') });
    form.reset();
    onClose();
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('ui.password.changeTitle')} centered>
      <form
        onSubmit={form.onSubmit(({ currentPassword, newPassword }) => {
          change.submit({ currentPassword, newPassword });
        })}
      >
        <Stack>
          {change.formError && <Alert color="red">{change.formError}</Alert>}
          <PasswordInput label={t('ui.password.current')} autoComplete="current-password" data-autofocus {...form.getInputProps('currentPassword')} />
          <PasswordInput label={t('ui.password.new')} autoComplete="new-password" {...form.getInputProps('newPassword')} />
          <PasswordStrength password={form.values.newPassword} />
          <PasswordInput label={t('ui.password.confirm')} autoComplete="new-password" {...form.getInputProps('confirm')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('ui.common.cancel')}
            </Button>
            <Button type="submit" loading={change.pending}>
              {t('ui.common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
