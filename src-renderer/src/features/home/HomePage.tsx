/** Welcome and what to do next; later modules add their own summaries here. */
import { Anchor, Button, Card, Group, Kbd, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { spotlight } from '@mantine/spotlight';
import { IconSearch, IconSettings, IconUsersPlus, type Icon } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Permission } from '../../../../src-shared/permissions';
import { useApiQuery } from '../../api/hooks';
import { useModKey } from '../../app/keys';
import { formatDate, formatNumber } from '../../format';
import { useSession } from '../../session';
import { NeedsAttention } from '../customers/NeedsAttention';

interface NextStep {
  id: string;
  icon: Icon;
  titleKey: string;
  bodyKey: string;
  permission?: Permission;
  action: ReactNode;
}

export function HomePage() {
  const { t } = useTranslation();
  const session = useSession();
  const canSeeUsers = session.can('users.read');
  const users = useApiQuery('users.list', { includeInactive: false }, { enabled: canSeeUsers });
  const [today] = useState(() => formatDate(Date.now()));
  const modKey = useModKey();
  const me = session.me;
  if (!me) return null;

  const steps: NextStep[] = [
    {
      id: 'team',
      icon: IconUsersPlus,
      titleKey: 'ui.home.teamTitle',
      bodyKey: 'ui.home.teamBody',
      permission: 'users.manage',
      action: (
        <Anchor component={Link} to="/settings/users" size="sm">
          {t('ui.home.teamAction')}
        </Anchor>
      ),
    },
    {
      id: 'settings',
      icon: IconSettings,
      titleKey: 'ui.home.settingsTitle',
      bodyKey: 'ui.home.settingsBody',
      permission: 'settings.manage',
      action: (
        <Anchor component={Link} to="/settings/general" size="sm">
          {t('ui.home.settingsAction')}
        </Anchor>
      ),
    },
    {
      id: 'search',
      icon: IconSearch,
      titleKey: 'ui.home.searchTitle',
      bodyKey: 'ui.home.searchBody',
      action: (
        <Button variant="light" size="compact-sm" style={{ alignSelf: 'flex-start' }} leftSection={<IconSearch size={14} />} onClick={spotlight.open}>
          <Kbd size="xs">{modKey}</Kbd>&nbsp;+&nbsp;<Kbd size="xs">K</Kbd>
        </Button>
      ),
    },
  ];

  return (
    <Stack gap="lg" maw={1100}>
      <div>
        <Title order={2} data-testid="home-title">
          {t('ui.home.welcome', { name: me.user.displayName })}
        </Title>
        <Text c="dimmed">{t('ui.home.today', { date: today })}</Text>
      </div>
      {users.data && (
        <Text size="sm" data-testid="home-team-count">
          {t('ui.home.teamCount', { count: users.data.length, formatted: formatNumber(users.data.length) })}
        </Text>
      )}
      {session.can('customers.read') && <NeedsAttention limit={8} />}
      <Title order={4}>{t('ui.home.nextSteps')}</Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {steps
          .filter((s) => !s.permission || session.can(s.permission))
          .map((s) => {
            const StepIcon = s.icon;
            return (
              <Card key={s.id} withBorder padding="lg" radius="md">
                <Group gap="sm" mb="xs" wrap="nowrap">
                  <ThemeIcon variant="light" size="lg" radius="md">
                    <StepIcon size={20} />
                  </ThemeIcon>
                  <Text fw={600}>{t(s.titleKey)}</Text>
                </Group>
                <Text size="sm" c="dimmed" mb="sm">
                  {t(s.bodyKey)}
                </Text>
                {s.action}
              </Card>
            );
          })}
      </SimpleGrid>
      <Text size="sm" c="dimmed">
        {t('ui.home.modulesNote')}
      </Text>
    </Stack>
  );
}
