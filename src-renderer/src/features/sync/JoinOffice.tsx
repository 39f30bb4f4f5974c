/** First run on a new desktop: join an existing office with the code shown on one of its desktops. */
import { Alert, Anchor, Button, Loader, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { ApiCallError } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../api/hooks';
import { AuthLayout } from '../../components/AuthLayout';
import { errorMessage, fieldMessage } from '../../i18n';

const DEFAULT_PORT = 47820;

export interface JoinTarget {
  host: string;
  port: number;
  code: string;
  deviceName: string;
}

/** What joining an office asks (the other desktop's address and port, its code, this desktop's name). */
export function JoinForm({
  submitLabel,
  pending,
  error,
  onSubmit,
  testId,
}: {
  submitLabel: string;
  pending: boolean;
  error: ApiCallError | null;
  onSubmit: (target: JoinTarget) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const [host, setHost] = useState('');
  const [port, setPort] = useState<number | string>(DEFAULT_PORT);
  const [code, setCode] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const fieldError = (path: string) => {
    const f = error?.error.fields?.find((x) => x.path === path);
    return f ? fieldMessage(t, f) : undefined;
  };
  return (
    <form
      data-testid={testId}
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit({ host: host.trim(), port: Number(port), code: code.trim(), deviceName: deviceName.trim() });
      }}
    >
      <Stack>
        {error && !error.error.fields?.length && <Alert color="red">{errorMessage(t, error.error)}</Alert>}
        <TextInput label={t('sync.join.host')} placeholder="192.168.1.20" value={host} onChange={(e) => setHost(e.currentTarget.value)} error={fieldError('host')} required />
        <NumberInput label={t('sync.join.port')} value={port} onChange={setPort} min={1} max={65535} hideControls error={fieldError('port')} required />
        <TextInput
          label={t('sync.join.code')}
          placeholder="1234 5678"
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={fieldError('code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          required
        />
        <TextInput label={t('sync.join.deviceName')} value={deviceName} onChange={(e) => setDeviceName(e.currentTarget.value)} error={fieldError('deviceName')} required />
        <Button type="submit" loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}

export function JoinOffice() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const join = useApiMutation('sync.join');
  const joined = join.data;
  // Once joined, wait for the office's users to arrive, then go to sign-in.
  const status = useApiQuery('system.status', {}, { enabled: Boolean(joined), refetchInterval: joined ? 1000 : false });
  useEffect(() => {
    if (joined && status.data?.setUp) {
      void queryClient.invalidateQueries();
      void navigate('/', { replace: true });
    }
  }, [joined, status.data?.setUp, navigate, queryClient]);

  return (
    <AuthLayout below={<Anchor ta="center" size="sm" onClick={() => void navigate('/')}>{t('sync.join.back')}</Anchor>}>
      <Stack data-testid="join-office">
        <Title order={3}>{t('sync.join.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('sync.join.intro')}
        </Text>
        {joined ? (
          <Alert color="teal" icon={<Loader size={16} />}>
            {t('sync.join.done', { peer: joined.peerName })}
          </Alert>
        ) : (
          <JoinForm testId="join-form" submitLabel={t('sync.join.submit')} pending={join.isPending} error={join.error} onSubmit={(target) => join.mutate(target)} />
        )}
      </Stack>
    </AuthLayout>
  );
}

/** The link under the first-run setup wizard. */
export function JoinOfficeLink() {
  const { t } = useTranslation();
  return (
    <Anchor href="#/join" size="sm" ta="center" data-testid="join-office-link">
      {t('sync.join.link')}
    </Anchor>
  );
}
