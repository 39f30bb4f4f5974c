/** Which screen shows: public routes, first-run setup, sign-in, or the app (under the lock screen when locked). */
import { Alert, Box, Button, Center, Loader, Stack } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { matchPath, useLocation } from 'react-router';
import type { MethodOutput } from '../../../src-shared/contract';
import { useApiQuery } from '../api/hooks';
import { LockScreen } from '../features/auth/LockScreen';
import { LoginScreen } from '../features/auth/LoginScreen';
import { SetupWizard } from '../features/setup/SetupWizard';
import { errorMessage } from '../i18n';
import { SessionProvider, useSession } from '../session';
import { publicRoutes } from './modules';
import { Shell } from './Shell';

type Status = MethodOutput<'system.status'>;

function FullScreenLoader() {
  return (
    <Center mih="100dvh">
      <Loader />
    </Center>
  );
}

function SessionGate({ status }: { status: Status }) {
  const session = useSession();
  const { state } = session;
  useEffect(() => {
    if (state.phase === 'checking') void session.check();
  }, [state.phase, session]);

  if (!status.setUp && state.phase !== 'active') return <SetupWizard status={status} />;
  if (state.phase === 'checking') return <FullScreenLoader />;
  if (state.phase === 'anonymous') return <LoginScreen officeName={status.officeName} expired={state.expired} />;
  return (
    <>
      {/* Hidden, not unmounted, while locked: unsaved work survives the lock. */}
      <Box style={{ visibility: session.locked ? 'hidden' : 'visible' }} aria-hidden={session.locked}>
        <Shell status={status} />
      </Box>
      {session.locked && <LockScreen />}
    </>
  );
}

export function App() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const status = useApiQuery('system.status', {});
  const publicRoute = publicRoutes.find((route) => matchPath(route.path, pathname));
  const officeName = status.data?.officeName;
  useEffect(() => {
    document.title = officeName ? `${officeName} · ${t('app.name')}` : t('app.name');
  }, [officeName, t]);
  if (publicRoute) return publicRoute.element;

  if (status.isPending) return <FullScreenLoader />;
  if (status.isError) {
    return (
      <Center mih="100dvh" p="md">
        <Stack maw={420}>
          <Alert color="red">{errorMessage(t, status.error.error)}</Alert>
          <Button onClick={() => void status.refetch()}>{t('ui.common.retry')}</Button>
        </Stack>
      </Center>
    );
  }
  return (
    <SessionProvider defaultLanguage={status.data.defaultLanguage}>
      <SessionGate status={status.data} />
    </SessionProvider>
  );
}
