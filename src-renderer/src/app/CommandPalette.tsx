/** Ctrl/Cmd+K: jump to any screen, and search whatever the registered providers search. */
import { Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Spotlight } from '@mantine/spotlight';
import { IconArrowRight, IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useSession } from '../session';
import { modules } from './modules';
import { searchProviders, type SearchHit } from './search';

interface HitGroup {
  id: string;
  label: string;
  hits: SearchHit[];
}

export function CommandPalette() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 200);
  const needle = query.trim().toLowerCase();

  const screens = modules
    .filter((m) => !m.permission || session.can(m.permission))
    .map((m) => ({ ...m, label: t(m.labelKey) }))
    .filter((m) => !needle || [m.label, ...(m.keywords ?? [])].some((word) => word.toLowerCase().includes(needle)));

  const providers = searchProviders.filter(
    (p) => (!p.permission || session.can(p.permission)) && debounced.length >= (p.minLength ?? 1),
  );
  const { data: groups = [] } = useQuery<HitGroup[]>({
    queryKey: ['palette', debounced, providers.map((p) => p.id)],
    enabled: providers.length > 0 && !session.locked,
    staleTime: 5_000,
    queryFn: async () => {
      const settled = await Promise.allSettled(providers.map((p) => p.search(debounced)));
      return providers.flatMap((p, i) => {
        const outcome = settled[i];
        return outcome?.status === 'fulfilled' && outcome.value.length > 0
          ? [{ id: p.id, label: t(p.groupKey), hits: outcome.value }]
          : [];
      });
    },
  });
  const shownGroups = debounced ? groups : [];

  return (
    <Spotlight.Root
      query={query}
      onQueryChange={setQuery}
      shortcut={session.locked ? null : ['mod + K']}
      disabled={session.locked}
      scrollable
      maxHeight={420}
    >
      <Spotlight.Search placeholder={t('ui.palette.placeholder')} leftSection={<IconSearch size={18} stroke={1.5} />} />
      <Spotlight.ActionsList>
        {screens.length > 0 && (
          <Spotlight.ActionsGroup label={t('ui.palette.screens')}>
            {screens.map((m) => {
              const ModuleIcon = m.icon;
              return (
                <Spotlight.Action
                  key={m.path}
                  label={m.label}
                  leftSection={<ModuleIcon size={18} stroke={1.5} />}
                  rightSection={<IconArrowRight size={14} />}
                  onClick={() => navigate(m.path)}
                />
              );
            })}
          </Spotlight.ActionsGroup>
        )}
        {shownGroups.map((group) => (
          <Spotlight.ActionsGroup key={group.id} label={group.label}>
            {group.hits.map((hit) => (
              <Spotlight.Action
                key={`${group.id}:${hit.id}`}
                label={hit.label}
                description={hit.description}
                onClick={() => navigate(hit.path)}
              />
            ))}
          </Spotlight.ActionsGroup>
        ))}
        {screens.length === 0 && shownGroups.length === 0 && (
          <Spotlight.Empty>
            <Text size="sm" c="dimmed">
              {t('ui.palette.nothing')}
            </Text>
          </Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
    </Spotlight.Root>
  );
}
