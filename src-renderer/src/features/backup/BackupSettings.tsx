/**
 * Settings → Backup: folder, password, schedule, retention, status (last
 * success, next run, size, overdue), "Back up now" with progress and cancel,
 * the backups in the folder with verify and restore, and the safety copies.
 */
import { Alert, Button, Divider, Group, Modal, NumberInput, PasswordInput, Select, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupSchedule, BackupStatus, Retention } from '../../../../src-shared/contract';
import { call, isApiCallError } from '../../api/client';
import { useApiQuery } from '../../api/hooks';
import { formatDateTime, formatNumber } from '../../format';
import { errorMessage } from '../../i18n';
import { useSession } from '../../session';
import { failureText, formatBytes, useBackupJob } from './job';
import { JobProgressBar } from './JobProgressBar';
import { RestorePanel } from './RestorePanel';
import { FolderInput } from './FolderInput';

const DAYS = ['0', '1', '2', '3', '4', '5', '6'] as const;

function StatusPanel({ status, onChanged }: { status: BackupStatus; onChanged: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const job = useBackupJob((kind, outcome) => {
    onChanged();
    if (outcome.state === 'done' && kind === 'backup') {
      notifications.show({ color: 'teal', message: t('backup.done', { name: outcome.job?.path?.split(/[\\/]/).pop() ?? '' }) });
    } else if (outcome.state === 'done' && kind === 'verify') {
      const records = Object.entries(outcome.job?.contents?.counts ?? {}).reduce((sum, [table, n]) => (table.startsWith('local_') ? sum : sum + n), 0);
      notifications.show({ color: 'teal', message: t('backup.verified', { count: formatNumber(records) }) });
    } else if (outcome.state === 'failed') setError(errorMessage(t, outcome.error));
    else if (outcome.state === 'cancelled') notifications.show({ message: t('backup.errors.cancelled') });
  });
  const running = job.progress;

  const backUpNow = async () => {
    setError(null);
    try {
      const { jobId } = await call('backup.run', {});
      job.start(jobId, 'backup');
    } catch (e) {
      setError(failureText(t, e));
    }
  };

  return (
    <Stack gap="xs" data-testid="backup-status">
      {status.overdue && <Alert color="orange">{t('backup.overdue')}</Alert>}
      {status.lastError && !running && (
        <Alert color="red">{t('backup.lastError', { message: t(status.lastError.messageKey, status.lastError.params ?? {}) })}</Alert>
      )}
      {error && <Alert color="red">{error}</Alert>}
      <Group gap="xl">
        <div>
          <Text size="xs" c="dimmed">
            {t('backup.lastSuccess')}
          </Text>
          <Text data-testid="backup-last-success">{status.lastSuccessAt ? formatDateTime(status.lastSuccessAt) : t('backup.never')}</Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t('backup.nextRun')}
          </Text>
          <Text>{status.nextRunAt ? formatDateTime(status.nextRunAt) : '—'}</Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t('backup.size')}
          </Text>
          <Text>{status.lastBackup ? formatBytes(status.lastBackup.bytes) : '—'}</Text>
        </div>
      </Group>
      {running ? (
        <JobProgressBar progress={running} label={t(running.kind === 'verify' ? 'backup.verifying' : 'backup.running')} onCancel={job.cancel} />
      ) : (
        <Group>
          <Button onClick={() => void backUpNow()} disabled={!status.passwordSet || !status.config.targetDir}>
            {t('backup.backUpNow')}
          </Button>
        </Group>
      )}
      <BackupList status={status} onVerify={(jobId) => job.start(jobId, 'verify')} busy={running !== null} />
    </Stack>
  );
}

function BackupList({ status, onVerify, busy }: { status: BackupStatus; onVerify: (jobId: string) => void; busy: boolean }) {
  const { t } = useTranslation();
  const session = useSession();
  const list = useApiQuery('backup.list', {});
  const [restoring, setRestoring] = useState<string | null>(null);
  const [asking, setAsking] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void list.refetch();
    // Refresh when a backup finished (the status changes).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status.lastSuccessAt, status.lastAttemptAt]);

  const verify = async (path: string, withPassword?: string) => {
    setError(null);
    try {
      onVerify((await call('backup.verify', withPassword ? { path, password: withPassword } : { path })).jobId);
      setAsking(null);
    } catch (e) {
      // Made with another backup password: ask for it.
      if (isApiCallError(e) && e.error.messageKey === 'backup.errors.other_password') {
        setPassword('');
        setAsking(path);
      } else setError(failureText(t, e));
    }
  };

  return (
    <Stack gap="xs">
      <Title order={4}>{t('backup.list')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {list.isError && <Alert color="red">{errorMessage(t, list.error.error)}</Alert>}
      {list.data && list.data.backups.length === 0 && <Text c="dimmed">{t('backup.empty')}</Text>}
      {list.data && list.data.backups.length > 0 && (
        <Table striped withTableBorder data-testid="backup-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('backup.created')}</Table.Th>
              <Table.Th>{t('backup.size')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.backups.map((b) => (
              <Table.Tr key={b.path}>
                <Table.Td title={b.name}>{formatDateTime(b.createdAt)}</Table.Td>
                <Table.Td>{formatBytes(b.bytes)}</Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end">
                    <Button size="xs" variant="default" disabled={busy} onClick={() => void verify(b.path)}>
                      {t('backup.verify')}
                    </Button>
                    <Button size="xs" variant="light" color="red" disabled={busy} onClick={() => setRestoring(b.path)}>
                      {t('backup.restore')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group>
        <Button variant="subtle" onClick={() => setRestoring('')}>
          {t('backup.restoreTitle')}
        </Button>
      </Group>
      <Title order={4}>{t('backup.safetyCopies')}</Title>
      <Text size="sm" c="dimmed">
        {t('backup.safetyHint')}
      </Text>
      {list.data && list.data.safetyCopies.length === 0 && <Text c="dimmed">{t('backup.noSafetyCopies')}</Text>}
      {list.data && list.data.safetyCopies.length > 0 && (
        <Table withTableBorder data-testid="safety-copies">
          <Table.Tbody>
            {list.data.safetyCopies.map((c) => (
              <Table.Tr key={c.path}>
                <Table.Td>{formatDateTime(c.createdAt)}</Table.Td>
                <Table.Td>{formatBytes(c.bytes)}</Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {c.path}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={asking !== null} onClose={() => setAsking(null)} title={t('backup.verify')}>
        <Stack>
          <Text size="sm">{t('backup.errors.other_password')}</Text>
          <PasswordInput label={t('backup.restorePassword')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-autofocus />
          <Group>
            <Button onClick={() => asking && void verify(asking, password)} disabled={!password}>
              {t('backup.verify')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={restoring !== null} onClose={() => setRestoring(null)} title={t('backup.restoreTitle')} size="lg">
        {restoring !== null && (
          <RestorePanel
            initialPath={restoring}
            onRestored={() => {
              setRestoring(null);
              // The restored database has no sessions: sign in again.
              void session.check();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

function ConfigForm({ status, onSaved }: { status: BackupStatus; onSaved: () => void }) {
  const { t } = useTranslation();
  const [targetDir, setTargetDir] = useState(status.config.targetDir ?? '');
  const [schedule, setSchedule] = useState<BackupSchedule>(status.config.schedule);
  const [retention, setRetention] = useState<Retention>(status.config.retention);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    setError(null);
    setSaving(true);
    try {
      await call('backup.setConfig', { targetDir: targetDir.trim() || null, schedule, retention });
      notifications.show({ color: 'teal', message: t('backup.saved') });
      onSaved();
    } catch (e) {
      setError(failureText(t, e));
    } finally {
      setSaving(false);
    }
  };

  const at = 'at' in schedule ? schedule.at : '18:00';
  const setKind = (kind: BackupSchedule['kind']) => {
    if (kind === 'off') setSchedule({ kind });
    else if (kind === 'hourly') setSchedule({ kind, minute: 0 });
    else if (kind === 'daily') setSchedule({ kind, at });
    else setSchedule({ kind, day: 5, at });
  };
  const retentionField = (key: keyof Retention, min: number) => (
    <NumberInput
      key={key}
      label={t(`backup.${key}`)}
      min={min}
      max={120}
      w={120}
      value={retention[key]}
      onChange={(v) => setRetention((r) => ({ ...r, [key]: typeof v === 'number' ? v : min }))}
    />
  );

  return (
    <Stack gap="sm" maw={640}>
      {error && <Alert color="red">{error}</Alert>}
      <FolderInput
        label={t('backup.folder')}
        description={t('backup.folderHint')}
        value={targetDir}
        onChange={setTargetDir}
        purpose="target"
        onError={(e) => setError(failureText(t, e))}
        testId="backup-folder"
      />
      <Group align="flex-end">
        <Select
          label={t('backup.schedule')}
          data={(['off', 'hourly', 'daily', 'weekly'] as const).map((k) => ({ value: k, label: t(`backup.scheduleKinds.${k}`) }))}
          value={schedule.kind}
          onChange={(v) => v && setKind(v as BackupSchedule['kind'])}
          allowDeselect={false}
          w={260}
        />
        {schedule.kind === 'hourly' && (
          <NumberInput label={t('backup.minute')} min={0} max={59} w={160} value={schedule.minute} onChange={(v) => setSchedule({ kind: 'hourly', minute: typeof v === 'number' ? v : 0 })} />
        )}
        {schedule.kind === 'weekly' && (
          <Select
            label={t('backup.day')}
            data={DAYS.map((d) => ({ value: d, label: t(`backup.days.${d}`) }))}
            value={String(schedule.day)}
            onChange={(v) => v && setSchedule({ ...schedule, day: Number(v) })}
            allowDeselect={false}
            w={160}
          />
        )}
        {(schedule.kind === 'daily' || schedule.kind === 'weekly') && (
          <TextInput type="time" label={t('backup.at')} value={schedule.at} onChange={(e) => setSchedule({ ...schedule, at: e.currentTarget.value })} w={130} />
        )}
      </Group>
      <Text size="sm" fw={500}>
        {t('backup.retention')}
      </Text>
      <Group>
        {retentionField('keepLast', 1)}
        {retentionField('daily', 0)}
        {retentionField('weekly', 0)}
        {retentionField('monthly', 0)}
      </Group>
      <Group>
        <Button onClick={() => void save()} loading={saving}>
          {t('backup.save')}
        </Button>
      </Group>
    </Stack>
  );
}

function PasswordForm({ passwordSet, onSaved }: { passwordSet: boolean; onSaved: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const mismatch = repeat.length > 0 && repeat !== password;

  const save = async () => {
    setError(null);
    setSaving(true);
    try {
      await call('backup.setPassword', { password });
      setPassword('');
      setRepeat('');
      notifications.show({ color: 'teal', message: t('backup.passwordSaved') });
      onSaved();
    } catch (e) {
      setError(failureText(t, e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack gap="sm" maw={420}>
      <Text size="sm" c={passwordSet ? 'teal' : 'orange'}>
        {passwordSet ? t('backup.passwordSet') : t('backup.passwordNotSet')}
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <PasswordInput label={t('backup.password')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" data-testid="backup-password" />
      <PasswordInput
        label={t('backup.passwordConfirm')}
        value={repeat}
        onChange={(e) => setRepeat(e.currentTarget.value)}
        error={mismatch ? t('validation.password_mismatch') : null}
        autoComplete="new-password"
        data-testid="backup-password-repeat"
      />
      <Group>
        <Button onClick={() => void save()} loading={saving} disabled={password.length < 8 || repeat !== password}>
          {passwordSet ? t('backup.changePassword') : t('backup.setPassword')}
        </Button>
      </Group>
    </Stack>
  );
}

export function BackupSettings() {
  const { t } = useTranslation();
  const status = useApiQuery('backup.status', {}, { refetchInterval: 30_000 });
  if (status.isError) return <Alert color="red">{errorMessage(t, status.error.error)}</Alert>;
  if (!status.data) return <Skeleton h={320} />;
  const refresh = () => void status.refetch();
  return (
    <Stack gap="lg" data-testid="backup-settings">
      <Text size="sm" c="dimmed" maw={720}>
        {t('backup.intro')}
      </Text>
      <StatusPanel status={status.data} onChanged={refresh} />
      <Divider />
      <ConfigForm key={JSON.stringify(status.data.config)} status={status.data} onSaved={refresh} />
      <Divider />
      <PasswordForm passwordSet={status.data.passwordSet} onSaved={refresh} />
    </Stack>
  );
}
