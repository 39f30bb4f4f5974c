/** The signed-in frame: header, sidebar from the module registry, command palette, routes. */
import {
  Alert,
  AppShell,
  Avatar,
  Burger,
  Button,
  Group,
  Kbd,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
  ActionIcon,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { spotlight } from '@mantine/spotlight';
import { IconAlertTriangle, IconChevronDown, IconKey, IconLock, IconLogout, IconSearch } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import type { MethodOutput } from '../../../src-shared/contract';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LanguageMenu, ThemeMenu } from '../components/PreferenceControls';
import { ChangePasswordModal } from '../features/auth/ChangePasswordModal';
import { useSession } from '../session';
import { CommandPalette } from './CommandPalette';
import { useModKey } from './keys';
import { modules } from './modules';
import { SyncIndicator } from '../features/sync/SyncIndicator';

type Status = MethodOutput<'system.status'>;

function isActive(path: string, pathname: string): boolean {
  return path === '/' ? pathname === '/' : pathname === path || pathname.startsWith(`${path}/`);
}

export function Shell({ status }: { status: Status }) {
  const { t } = useTranslation();
  const session = useSession();
  const { pathname } = useLocation();
  const [navOpened, nav] = useDisclosure(false);
  const [passwordOpened, passwordModal] = useDisclosure(false);
  const modKey = useModKey();
  const me = session.me;
  if (!me) return null;
  const visible = modules.filter((m) => !m.permission || session.can(m.permission));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !navOpened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger opened={navOpened} onClick={nav.toggle} hiddenFrom="sm" size="sm" aria-label={t('ui.shell.menu')} />
            <Text fw={700} size="lg" c="blue.7" style={{ whiteSpace: 'nowrap' }}>
              {t('app.name')}
            </Text>
            <Text size="sm" c="dimmed" truncate visibleFrom="xs" data-testid="office-name">
              {status.officeName}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Button
              variant="default"
              leftSection={<IconSearch size={16} />}
              rightSection={<Kbd size="xs">{modKey} K</Kbd>}
              onClick={spotlight.open}
              visibleFrom="sm"
              data-testid="open-palette"
            >
              {t('ui.shell.search')}
            </Button>
            <ActionIcon variant="default" size="lg" onClick={spotlight.open} hiddenFrom="sm" aria-label={t('ui.shell.search')}>
              <IconSearch size={18} />
            </ActionIcon>
            <SyncIndicator />
            <LanguageMenu />
            <ThemeMenu />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label={t('ui.shell.userMenu')} data-testid="user-menu">
                  <Group gap={6} wrap="nowrap">
                    <Avatar size={32} radius="xl" color="blue">
                      {me.user.displayName.slice(0, 1).toUpperCase()}
                    </Avatar>
                    <Text size="sm" fw={500} visibleFrom="md" truncate maw={140}>
                      {me.user.displayName}
                    </Text>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {me.user.displayName} · {t(`ui.roles.${me.user.role}`)}
                </Menu.Label>
                <Menu.Item leftSection={<IconKey size={14} />} onClick={passwordModal.open}>
                  {t('ui.password.changeTitle')}
                </Menu.Item>
                <Menu.Item leftSection={<IconLock size={14} />} onClick={() => void session.lock()}>
                  {t('ui.shell.lockNow')}
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item leftSection={<IconLogout size={14} />} color="red" onClick={() => void session.logout()}>
                  {t('ui.shell.logout')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          {visible
            .filter((m) => m.nav !== false)
            .map((m) => {
              const ModuleIcon = m.icon;
              return (
                <NavLink
                  key={m.path}
                  component={Link}
                  to={m.path}
                  label={t(m.labelKey)}
                  leftSection={<ModuleIcon size={18} stroke={1.5} />}
                  active={isActive(m.path, pathname)}
                  onClick={nav.close}
                  style={{ borderRadius: 'var(--mantine-radius-sm)' }}
                />
              );
            })}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="xs">
            {t('app.name')} {status.appVersion}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        {status.keyProtection === 'weak' && session.can('settings.manage') && (
          <Alert color="orange" icon={<IconAlertTriangle size={18} />} mb="md" title={t('ui.shell.weakKeyTitle')} data-testid="weak-key-banner">
            {t('ui.shell.weakKeyBody')}
          </Alert>
        )}
        <ErrorBoundary resetKey={pathname}>
          <Routes>
            {visible.map((m) => (
              <Route key={m.path} path={m.path === '/' ? '/' : `${m.path}/*`} element={m.element} />
            ))}
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </ErrorBoundary>
      </AppShell.Main>
      <CommandPalette />
      <ChangePasswordModal opened={passwordOpened} onClose={passwordModal.close} />
    </AppShell>
  );
}
