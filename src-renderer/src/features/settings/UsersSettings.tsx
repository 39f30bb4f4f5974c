import { ActionIcon, Alert, Badge, Button, Group, Menu, Skeleton, Stack, Table, Text } from '@mantine/core';
import { IconDots, IconKey, IconPencil, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { User } from '../../../../src-shared/contract';
import { useApiQuery } from '../../api/hooks';
import { LANGUAGE_NAMES } from '../../components/PreferenceControls';
import { formatDate } from '../../format';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';
import { CreateUserDialog, EditUserDialog, ResetPasswordDialog } from './UserDialogs';

export function UsersSettings() {
  const { t } = useTranslation();
  const session = useSession();
  const canManage = session.can('users.manage');
  const users = useApiQuery('users.list', { includeInactive: true });
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  // `?user=<id>` (from the command palette) opens that user for editing.
  const [params, setParams] = useSearchParams();
  const editingId = params.get('user');
  const editing = canManage ? users.data?.find((u) => u.id === editingId) : undefined;
  const closeEditing = () => setParams({}, { replace: true });

  if (users.isError) return <Alert color="red">{errorMessage(t, users.error.error)}</Alert>;
  if (!users.data) return <Skeleton h={240} />;

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('ui.users.count', { count: users.data.length })}
        </Text>
        {canManage && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            {t('ui.users.new')}
          </Button>
        )}
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover verticalSpacing="sm" data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('ui.users.name')}</Table.Th>
              <Table.Th>{t('ui.users.username')}</Table.Th>
              <Table.Th>{t('ui.users.role')}</Table.Th>
              <Table.Th>{t('ui.users.language')}</Table.Th>
              <Table.Th>{t('ui.users.since')}</Table.Th>
              <Table.Th>{t('ui.users.status')}</Table.Th>
              {canManage && <Table.Th w={48} />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.data.map((user) => (
              <Table.Tr key={user.id}>
                <Table.Td fw={500}>{user.displayName}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {user.username}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={user.role === 'administrator' ? 'grape' : 'blue'}>
                    {t(`ui.roles.${user.role}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>{user.language ? LANGUAGE_NAMES[user.language] : t('ui.users.languageDefault')}</Table.Td>
                <Table.Td>{formatDate(user.createdAt)}</Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={user.active ? 'teal' : 'gray'}>
                    {user.active ? t('ui.users.activeLabel') : t('ui.users.inactiveLabel')}
                  </Badge>
                </Table.Td>
                {canManage && (
                  <Table.Td>
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon variant="subtle" color="gray" aria-label={t('ui.users.actions', { name: user.displayName })}>
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item leftSection={<IconPencil size={14} />} onClick={() => setParams({ user: user.id })}>
                          {t('ui.common.edit')}
                        </Menu.Item>
                        <Menu.Item leftSection={<IconKey size={14} />} onClick={() => setResetting(user)}>
                          {t('ui.users.resetPasswordShort')}
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {canManage && <CreateUserDialog opened={creating} onClose={() => setCreating(false)} />}
      {editing && (
        <EditUserDialog key={editing.id} user={editing} isSelf={editing.id === session.me?.user.id} onClose={closeEditing} />
      )}
      {resetting && <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />}
    </Stack>
  );
}
