/** Create, edit and reset-password dialogs for user accounts. */
import { Alert, Button, Group, Modal, PasswordInput, Select, Stack, Switch, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, PASSWORD_MIN, type Language, type User } from '../../../../src-shared/contract';
import { ROLES, type Role } from '../../../../src-shared/permissions';
import { LANGUAGE_NAMES } from '../../components/PreferenceControls';
import { PasswordStrength } from '../../components/PasswordStrength';
import { useFormMutation } from '../../forms';

function useRoleOptions() {
  const { t } = useTranslation();
  return ROLES.map((role) => ({ value: role, label: t(`ui.roles.${role}`) }));
}

function FormButtons({ onCancel, loading }: { onCancel: () => void; loading: boolean }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" mt="xs">
      <Button variant="default" onClick={onCancel}>
        {t('ui.common.cancel')}
      </Button>
      <Button type="submit" loading={loading}>
        {t('ui.common.save')}
      </Button>
    </Group>
  );
}

export function CreateUserDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const roles = useRoleOptions();
  const form = useForm({
    initialValues: { displayName: '', username: '', password: '', role: 'sales_rep' as Role, language: '' as Language | '' },
    validate: {
      displayName: (v) => (v.trim() ? null : t('validation.required')),
      username: (v) => (v.trim().length >= 3 ? null : t('validation.too_small_string', { minimum: 3 })),
      password: (v) => (v.length >= PASSWORD_MIN ? null : t('validation.too_small_string', { minimum: PASSWORD_MIN })),
    },
  });
  const create = useFormMutation('users.create', form, (user) => {
    notifications.show({ color: 'teal', message: t('ui.users.created', { name: user.displayName }) });
    form.reset();
    onClose();
  });
  const close = () => {
    form.reset();
    create.setFormError(null);
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={t('ui.users.new')} centered>
      <form
        onSubmit={form.onSubmit((v) => {
          create.submit({
            displayName: v.displayName.trim(),
            username: v.username.trim().toLowerCase(),
            password: v.password,
            role: v.role,
            language: v.language || null,
          });
        })}
      >
        <Stack>
          {create.formError && <Alert color="red">{create.formError}</Alert>}
          <TextInput label={t('ui.users.name')} data-autofocus {...form.getInputProps('displayName')} />
          <TextInput label={t('ui.users.username')} description={t('ui.setup.usernameHint')} autoCapitalize="none" {...form.getInputProps('username')} />
          <PasswordInput label={t('ui.users.initialPassword')} autoComplete="new-password" {...form.getInputProps('password')} />
          <PasswordStrength password={form.values.password} />
          <Select label={t('ui.users.role')} data={roles} allowDeselect={false} {...form.getInputProps('role')} />
          <Select
            label={t('ui.users.language')}
            placeholder={t('ui.users.languageDefault')}
            data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
            clearable
            value={form.values.language || null}
            onChange={(value) => form.setFieldValue('language', (value ?? '') as Language | '')}
          />
          <FormButtons onCancel={close} loading={create.pending} />
        </Stack>
      </form>
    </Modal>
  );
}

export function EditUserDialog({ user, onClose, isSelf }: { user: User; onClose: () => void; isSelf: boolean }) {
  const { t } = useTranslation();
  const roles = useRoleOptions();
  const form = useForm({
    initialValues: { displayName: user.displayName, role: user.role, active: user.active },
    validate: { displayName: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const update = useFormMutation('users.update', form, () => {
    notifications.show({ color: 'teal', message: t('ui.common.saved') });
    onClose();
  });
  return (
    <Modal opened onClose={onClose} title={t('ui.users.edit', { name: user.displayName })} centered>
      <form
        onSubmit={form.onSubmit((v) => {
          update.submit({ id: user.id, displayName: v.displayName.trim(), role: v.role, active: v.active });
        })}
      >
        <Stack>
          {update.formError && <Alert color="red">{update.formError}</Alert>}
          <TextInput label={t('ui.users.name')} {...form.getInputProps('displayName')} />
          <Select label={t('ui.users.role')} data={roles} allowDeselect={false} {...form.getInputProps('role')} />
          <Switch
            label={t('ui.users.active')}
            description={isSelf ? t('ui.users.selfActiveHint') : t('ui.users.activeHint')}
            disabled={isSelf}
            {...form.getInputProps('active', { type: 'checkbox' })}
          />
          <FormButtons onCancel={onClose} loading={update.pending} />
        </Stack>
      </form>
    </Modal>
  );
}

export function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { password: '', confirm: '' },
    validate: {
      password: (v) => (v.length >= PASSWORD_MIN ? null : t('validation.too_small_string', { minimum: PASSWORD_MIN })),
      confirm: (v, values) => (v === values.password ? null : t('validation.password_mismatch')),
    },
  });
  const reset = useFormMutation('users.resetPassword', form, () => {
    notifications.show({ color: 'teal', message: t('ui.users.passwordReset', { name: user.displayName }) });
    onClose();
  });
  return (
    <Modal opened onClose={onClose} title={t('ui.users.resetPassword', { name: user.displayName })} centered>
      <form
        onSubmit={form.onSubmit((v) => {
          reset.submit({ id: user.id, password: v.password });
        })}
      >
        <Stack>
          <Alert color="blue" variant="light">
            {t('ui.users.resetHint')}
          </Alert>
          {reset.formError && <Alert color="red">{reset.formError}</Alert>}
          <PasswordInput label={t('ui.password.new')} autoComplete="new-password" data-autofocus {...form.getInputProps('password')} />
          <PasswordStrength password={form.values.password} />
          <PasswordInput label={t('ui.password.confirm')} autoComplete="new-password" {...form.getInputProps('confirm')} />
          <FormButtons onCancel={onClose} loading={reset.pending} />
        </Stack>
      </form>
    </Modal>
  );
}
