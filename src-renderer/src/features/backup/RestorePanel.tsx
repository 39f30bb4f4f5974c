/**
 * Restore from a backup: pick the backup, enter its password, see what it
 * holds (date, office, counts), confirm once, follow the progress. Used in
 * Settings → Backup and on the first-run "restore from backup" screen.
 */
import { Alert, Button, Group, PasswordInput, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupContentsView } from '../../../../src-shared/contract';
import { call } from '../../api/client';
import { formatDateTime, formatNumber } from '../../format';
import { errorMessage } from '../../i18n';
import { failureText, formatBytes, useBackupJob } from './job';
import { FolderInput } from './FolderInput';
import { JobProgressBar } from './JobProgressBar';

const SHOWN_TABLES = ['users', 'companies', 'contacts', 'notes', 'tags', 'categories', 'saved_views', 'settings', 'audit_log', 'change_log'] as const;

export function RestorePanel({ initialPath = '', onRestored }: { initialPath?: string; onRestored: () => void }) {
  const { t } = useTranslation();
  const [path, setPath] = useState(initialPath);
  const [password, setPassword] = useState('');
  const [contents, setContents] = useState<BackupContentsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const job = useBackupJob((_kind, outcome) => {
    if (outcome.state === 'done') {
      notifications.show({ color: 'teal', message: t('backup.restored'), autoClose: 10_000 });
      onRestored();
    } else if (outcome.state === 'failed') setError(errorMessage(t, outcome.error));
    else setError(t('backup.errors.cancelled'));
  });

  const fail = (e: unknown) => setError(failureText(t, e));

  const inspect = async () => {
    setError(null);
    setContents(null);
    setBusy(true);
    try {
      setContents(await call('backup.inspect', { path: path.trim(), password }));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const restore = async () => {
    setError(null);
    setBusy(true);
    try {
      const { jobId } = await call('backup.restore', { path: path.trim(), password });
      job.start(jobId, 'restore');
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const running = job.progress !== null;
  // The office's own records, by kind; device-local and internal tables are not shown.
  const records = contents ? SHOWN_TABLES.filter((table) => (contents.counts[table] ?? 0) > 0).map((table) => [table, contents.counts[table]!] as const) : [];

  return (
    <Stack data-testid="restore-panel">
      {error && <Alert color="red">{error}</Alert>}
      <FolderInput
        label={t('backup.restorePath')}
        value={path}
        onChange={(value) => {
          setPath(value);
          setContents(null);
        }}
        purpose="backup"
        disabled={running}
        onError={fail}
      />
      <PasswordInput
        label={t('backup.restorePassword')}
        value={password}
        onChange={(e) => {
          setPassword(e.currentTarget.value);
          setContents(null);
        }}
        disabled={running}
      />
      {!contents && (
        <Group>
          <Button onClick={() => void inspect()} loading={busy} disabled={!path.trim() || !password}>
            {t('backup.show')}
          </Button>
        </Group>
      )}
      {contents && (
        <Stack gap="xs" data-testid="backup-contents">
          <Text fw={600}>
            {t('backup.contents', { office: contents.officeName, date: formatDateTime(contents.createdAt), version: contents.appVersion })}
          </Text>
          <Text size="sm" c="dimmed">
            {formatBytes(contents.db.bytes)}
          </Text>
          <Table withTableBorder striped maw={420}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('backup.counts')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {records.map(([table, n]) => (
                <Table.Tr key={table}>
                  <Table.Td>{t(`backup.tables.${table}`)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(n)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Alert color="orange">{t('backup.confirm')}</Alert>
          {running ? (
            <JobProgressBar progress={job.progress!} label={t('backup.restoring')} onCancel={job.cancel} />
          ) : (
            <Group>
              <Button color="red" onClick={() => void restore()} loading={busy}>
                {t('backup.confirmButton')}
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Stack>
  );
}
