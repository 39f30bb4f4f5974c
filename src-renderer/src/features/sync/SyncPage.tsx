/**
 * Sync: this desktop, paired desktops (last contact, changes not yet received),
 * pairing a new desktop by code, manual addresses, the shared folder, and the
 * conflict view. Management needs `sync.manage`; the conflicts show to anyone
 * for the records they may read.
 */
import { ActionIcon, Alert, Badge, Button, Card, Group, Menu, Modal, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots, IconLink, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput, SyncPeer } from '../../../../src-shared/contract';
import type { ApiCallError } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { formatDateTime, formatNumber } from '../../format';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';
import { ConflictsView } from './ConflictsView';
import { JoinForm } from './JoinOffice';

function useErrorToast() {
  const { t } = useTranslation();
  return (error: ApiCallError) => notifications.show({ color: 'red', message: errorMessage(t, error.error) });
}

function PairModal({ pairing, onClose }: { pairing: MethodOutput<'sync.pair.start'>; onClose: () => void }) {
  const { t } = useTranslation();
  const cancel = useApiMutation('sync.pair.cancel', { onSettled: onClose });
  const code = `${pairing.code.slice(0, 4)} ${pairing.code.slice(4)}`;
  return (
    <Modal opened onClose={onClose} title={t('sync.pair.title')} centered>
      <Stack>
        <Text size="sm">{t('sync.pair.steps')}</Text>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            {t('sync.pair.code')}
          </Text>
          <Text fz={36} fw={700} ff="monospace" data-testid="pairing-code" style={{ letterSpacing: 4 }}>
            {code}
          </Text>
          <Text size="xs" c="dimmed">
            {t('sync.pair.address')}: <b data-testid="pairing-address">{pairing.addresses.join(', ') || '—'}</b> · {t('sync.join.port')} <b data-testid="pairing-port">{pairing.port}</b>
          </Text>
          <Text size="xs" c="dimmed">
            {t('sync.pair.expires', { when: formatDateTime(pairing.expiresAt) })}
          </Text>
        </Card>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => cancel.mutate({})}>
            {t('sync.pair.cancel')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function AddressModal({ peer, onClose }: { peer: SyncPeer; onClose: () => void }) {
  const { t } = useTranslation();
  const [address, setAddress] = useState(peer.address ?? '');
  const [error, setError] = useState<string | null>(null);
  const save = useApiMutation('sync.peer.setAddress', {
    onSuccess: onClose,
    onError: (e) => setError(e.error.fields?.length ? t('validation.invalid_format') : errorMessage(t, e.error)),
  });
  return (
    <Modal opened onClose={onClose} title={t('sync.peer.setAddress')} centered>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate({ deviceId: peer.deviceId, address });
        }}
      >
        <Stack>
          <TextInput
            label={t('sync.peer.addressLabel')}
            description={t('sync.peer.addressHint')}
            value={address}
            onChange={(e) => setAddress(e.currentTarget.value)}
            error={error}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {t('sync.peer.setAddress')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PeersTable() {
  const { t } = useTranslation();
  const peers = useApiQuery('sync.peers', {}, { refetchInterval: 5000 });
  const [editing, setEditing] = useState<SyncPeer | null>(null);
  const toast = useErrorToast();
  const unpair = useApiMutation('sync.unpair', { onError: toast });
  if (peers.isError) return <Alert color="red">{errorMessage(t, peers.error.error)}</Alert>;
  if (!peers.data) return <Skeleton h={80} />;
  if (peers.data.length === 0) return <Text size="sm" c="dimmed">{t('sync.noPeers')}</Text>;
  return (
    <>
      <Table.ScrollContainer minWidth={680}>
        <Table verticalSpacing="sm" data-testid="sync-peers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('sync.peer.name')}</Table.Th>
              <Table.Th>{t('sync.peer.address')}</Table.Th>
              <Table.Th>{t('sync.peer.lastContact')}</Table.Th>
              <Table.Th>{t('sync.peer.pending')}</Table.Th>
              <Table.Th>{t('sync.peer.problem')}</Table.Th>
              <Table.Th w={48} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {peers.data.map((peer) => (
              <Table.Tr key={peer.deviceId}>
                <Table.Td fw={500}>{peer.name}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" c={peer.address ? undefined : 'dimmed'}>
                    {peer.address ?? t('sync.peer.unknown')}
                  </Text>
                </Table.Td>
                <Table.Td>{peer.lastContactAt ? formatDateTime(peer.lastContactAt) : t('sync.never')}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={peer.pending > 0 ? 'blue' : 'teal'}>
                    {formatNumber(peer.pending)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {peer.lastError && (
                    <Text size="xs" c="red">
                      {errorMessage(t, { code: 'CONFLICT', messageKey: peer.lastError, params: { peer: peer.schemaVersion ?? '?', local: '?' } })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={peer.name}>
                        <IconDots size={16} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item leftSection={<IconLink size={14} />} onClick={() => setEditing(peer)}>
                        {t('sync.peer.setAddress')}
                      </Menu.Item>
                      <Menu.Item
                        color="red"
                        leftSection={<IconTrash size={14} />}
                        onClick={() => {
                          if (window.confirm(t('sync.peer.removeConfirm', { name: peer.name }))) {
                            unpair.mutate(
                              { deviceId: peer.deviceId },
                              { onSuccess: () => notifications.show({ message: t('sync.peer.removed', { name: peer.name }) }) },
                            );
                          }
                        }}
                      >
                        {t('sync.peer.remove')}
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {editing && <AddressModal peer={editing} onClose={() => setEditing(null)} />}
    </>
  );
}

function FolderCard({ folder }: { folder: string | null }) {
  const { t } = useTranslation();
  const [path, setPath] = useState(folder ?? '');
  const toast = useErrorToast();
  const save = useApiMutation('sync.folder.set', {
    onSuccess: () => notifications.show({ color: 'teal', message: t('sync.folder.saved') }),
    onError: toast,
  });
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={5}>{t('sync.folder.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('sync.folder.hint')}
        </Text>
        <Group align="flex-end">
          <TextInput label={t('sync.folder.label')} value={path} onChange={(e) => setPath(e.currentTarget.value)} style={{ flex: 1 }} />
          <Button onClick={() => save.mutate({ path: path.trim() || null })} disabled={!path.trim()} loading={save.isPending}>
            {t('sync.folder.save')}
          </Button>
          {folder && (
            <Button variant="default" onClick={() => save.mutate({ path: null }, { onSuccess: () => setPath('') })}>
              {t('sync.folder.clear')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/** A desktop holding the office's data that no longer syncs with it (removed, or left by a restore): join again. */
function RejoinCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const rejoin = useApiMutation('sync.rejoin', {
    onSuccess: (result) => {
      notifications.show({ color: 'teal', message: t('sync.rejoin.done', { peer: result.peerName }) });
      void queryClient.invalidateQueries();
    },
  });
  return (
    <Card withBorder data-testid="sync-rejoin">
      <Stack>
        <Title order={5}>{t('sync.rejoin.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('sync.rejoin.intro')}
        </Text>
        <JoinForm testId="rejoin-form" submitLabel={t('sync.rejoin.submit')} pending={rejoin.isPending} error={rejoin.error} onSubmit={(target) => rejoin.mutate(target)} />
      </Stack>
    </Card>
  );
}

export function SyncSettings() {
  const { t } = useTranslation();
  const status = useApiQuery('sync.status', {}, { refetchInterval: 3000 });
  const [pairing, setPairing] = useState<MethodOutput<'sync.pair.start'> | null>(null);
  const toast = useErrorToast();
  const pair = useApiMutation('sync.pair.start', { onSuccess: setPairing, onError: toast });
  const now = useApiMutation('sync.now', {
    onSuccess: () => notifications.show({ message: t('sync.syncStarted') }),
    onError: toast,
  });
  if (status.isError) return <Alert color="red">{errorMessage(t, status.error.error)}</Alert>;
  if (!status.data) return <Skeleton h={160} />;
  const s = status.data;
  return (
    <Stack data-testid="sync-settings">
      <Text size="sm" c="dimmed">
        {t('sync.intro')}
      </Text>
      <Card withBorder>
        <Group justify="space-between" align="flex-start">
          <Stack gap={4}>
            <Title order={5}>{t('sync.thisDevice')}</Title>
            <Text size="sm">
              {t('sync.deviceName')}: <b>{s.deviceName}</b>
            </Text>
            <Text size="xs" c="dimmed" ff="monospace">
              {t('sync.deviceId')}: {s.deviceId}
            </Text>
            {s.port && (
              <Text size="xs" c="dimmed">
                {t('sync.listening', { port: s.port })}
              </Text>
            )}
            <Group gap="xs">
              <Badge data-testid="sync-state" color={s.state === 'error' ? 'red' : s.state === 'idle' ? 'teal' : 'gray'} variant="light">
                {t(`sync.state.${s.state}`)}
              </Badge>
              <Text size="xs" c="dimmed">
                {t('sync.lastSync', { when: s.lastSyncAt ? formatDateTime(s.lastSyncAt) : t('sync.never') })}
              </Text>
            </Group>
            {s.lastError && (
              <Alert color="red" p="xs">
                {errorMessage(t, { code: 'CONFLICT', ...s.lastError })}
              </Alert>
            )}
          </Stack>
          <Group>
            {s.enabled && (
              <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => now.mutate({})} loading={s.state === 'syncing'}>
                {t('sync.syncNow')}
              </Button>
            )}
            {!s.rejoinable && (
              <Button onClick={() => pair.mutate({})} loading={pair.isPending} data-testid="pair-start">
                {t('sync.pair.button')}
              </Button>
            )}
          </Group>
        </Group>
        {!s.enabled && (
          <Text size="sm" mt="sm">
            {t('sync.notEnabled')}
          </Text>
        )}
      </Card>
      {s.rejoinable && <RejoinCard />}
      <Title order={4}>{t('sync.peers')}</Title>
      <PeersTable />
      {s.enabled && <FolderCard folder={s.folder} />}
      {pairing && <PairModal pairing={pairing} onClose={() => setPairing(null)} />}
    </Stack>
  );
}

/** `/sync`: management for those allowed, the conflict view for everyone. */
export function SyncPage() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <Stack gap="lg" maw={1100}>
      <Title order={2}>{t('sync.title')}</Title>
      {session.can('sync.manage') && <SyncSettings />}
      <ConflictsView />
    </Stack>
  );
}
