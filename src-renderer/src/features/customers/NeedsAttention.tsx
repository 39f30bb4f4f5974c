/** My contacts nobody has touched for the office's stale-contact period. Mountable on Home as a card. */
import { Anchor, Card, Group, Skeleton, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconClockExclamation } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useApiQuery } from '../../api/hooks';
import { formatDate } from '../../format';
import { useSession } from '../../session';
import { contactName } from './columns';
import { recordPath } from './model';

export function NeedsAttention({ limit = 50 }: { limit?: number }) {
  const { t } = useTranslation();
  const session = useSession();
  const stale = useApiQuery('customers.needsAttention', { limit }, { enabled: session.can('customers.read') });
  if (!session.can('customers.read')) return null;
  return (
    <Card withBorder padding="lg" radius="md" data-testid="needs-attention">
      <Group gap="sm" mb="xs" wrap="nowrap">
        <ThemeIcon variant="light" color="orange" size="lg" radius="md">
          <IconClockExclamation size={20} />
        </ThemeIcon>
        <div>
          <Text fw={600}>{t('customers.attention.title')}</Text>
          {stale.data && (
            <Text size="xs" c="dimmed">
              {t('customers.attention.subtitle', { count: stale.data.days })}
            </Text>
          )}
        </div>
      </Group>
      {!stale.data ? (
        <Skeleton h={60} />
      ) : stale.data.rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('customers.attention.none')}
        </Text>
      ) : (
        <Stack gap={6}>
          {stale.data.rows.map((c) => (
            <Group key={c.id} justify="space-between" wrap="nowrap" gap="xs">
              <Anchor component={Link} to={recordPath('contact', c.id)} size="sm" truncate>
                {contactName(c)}
                {c.companyName ? ` · ${c.companyName}` : ''}
              </Anchor>
              <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                {t('customers.attention.since', { date: formatDate(c.updatedAt) })}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}
