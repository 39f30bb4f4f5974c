/**
 * The virtualized list of contacts or companies: rows are fetched in pages of
 * 100 as the user scrolls, sorted by a column header, filtered, with columns
 * chosen per user, saved views and bulk actions on the selection.
 */
import { Badge, Box, Button, Center, Checkbox, Group, Loader, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue, useHotkeys, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconArrowDown, IconArrowUp, IconDownload, IconFilter, IconPlus, IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQueries } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Company, Contact, ListFilter, RecordKind } from '../../../../src-shared/contract/customers';
import { call, type ApiCallError } from '../../api/client';
import { apiQueryKey } from '../../api/hooks';
import { formatNumber } from '../../format';
import { useSession } from '../../session';
import { BulkBar, showError } from './BulkBar';
import { ColumnChooser, orderedColumns } from './ColumnChooser';
import { companyColumns, companySubtitle, contactColumns, contactName, contactSubtitle, type Column, type CompanySort, type ContactSort } from './columns';
import { activeFilterCount, FilterPanel } from './FilterPanel';
import { downloadText, PAGE_SIZE, readStored, recordPath, TOTAL_CAP, writeStored } from './model';
import { RecordFormModal } from './RecordForm';
import { ViewsMenu, type SavedView, type ViewConfig } from './ViewsMenu';

type Row = Contact | Company;
type AnyColumn = Column<Row, string>;

interface KindSetup {
  method: 'contacts.list' | 'companies.list';
  columns: AnyColumn[];
  defaultColumns: string[];
  title(row: Row): string;
  subtitle(row: Row): string;
}

const SETUP: Record<RecordKind, KindSetup> = {
  contact: {
    method: 'contacts.list',
    columns: contactColumns as AnyColumn[],
    defaultColumns: ['name', 'company', 'title', 'phone', 'email', 'city', 'owner', 'tags', 'updatedAt'],
    title: (r) => contactName(r as Contact),
    subtitle: (r) => contactSubtitle(r as Contact),
  },
  company: {
    method: 'companies.list',
    columns: companyColumns as AnyColumn[],
    defaultColumns: ['name', 'industry', 'city', 'level', 'phone', 'contactCount', 'owner', 'tags', 'updatedAt'],
    title: (r) => (r as Company).name,
    subtitle: (r) => companySubtitle(r as Company),
  },
};

const CHECK_WIDTH = 44;
const ROW_HEIGHT = 40;
const CARD_HEIGHT = 64;

interface ListInput {
  filter: ListFilter;
  sort: string;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

function fetchPage(kind: RecordKind, input: ListInput): Promise<{ rows: Row[]; total: number }> {
  return kind === 'contact'
    ? call('contacts.list', { ...input, sort: input.sort as ContactSort })
    : call('companies.list', { ...input, sort: input.sort as CompanySort });
}

export function RecordList({ kind }: { kind: RecordKind }) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const setup = SETUP[kind];
  const compact = useMediaQuery('(max-width: 48em)') ?? false;
  const columnsKey = `harbor.customers.columns.${session.me?.user.id ?? ''}.${kind}`;

  const [qInput, setQInput] = useState('');
  const [q] = useDebouncedValue(qInput.trim(), 250);
  const [filter, setFilter] = useState<ListFilter>({});
  const [sort, setSort] = useState<{ field: string; dir: 'asc' | 'desc' }>({ field: 'name', dir: 'asc' });
  const [visibleColumns, setVisibleColumns] = useState<string[]>(() => readStored(columnsKey, setup.defaultColumns));
  const [view, setView] = useState<SavedView | null>(null);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [extent, setExtent] = useState({ key: '', count: 0, final: false });

  const effectiveFilter = useMemo<ListFilter>(() => (q ? { ...filter, q } : filter), [filter, q]);
  const filterKey = JSON.stringify([effectiveFilter, sort]);
  useEffect(() => setSelected(new Set()), [filterKey]);

  const chooseColumns = (next: string[]) => {
    setVisibleColumns(next);
    writeStored(columnsKey, next);
  };
  const columns = orderedColumns(setup.columns, visibleColumns);
  const tableWidth = CHECK_WIDTH + columns.reduce((sum, c) => sum + c.width, 0);

  const applyView = (next: SavedView | null) => {
    setView(next);
    const config: ViewConfig = next?.config ?? { filter: {} };
    const { q: viewQ, ...rest } = config.filter;
    setFilter(rest);
    setQInput(viewQ ?? '');
    setSort(config.sort ?? { field: 'name', dir: 'asc' });
    if (config.columns) chooseColumns(config.columns);
    setFiltersOpen(activeFilterCount(rest) > 0);
  };

  // Pages: the first always (for the total), then those the viewport shows.
  const scrollRef = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState({ start: 0, end: 0 });
  const pageIndexes = useMemo(() => {
    const first = Math.floor(range.start / PAGE_SIZE);
    const last = Math.floor(range.end / PAGE_SIZE);
    const set = new Set([0]);
    for (let p = first; p <= last; p++) set.add(p);
    return [...set];
  }, [range.start, range.end]);
  const inputFor = (page: number): ListInput => ({ filter: effectiveFilter, sort: sort.field, dir: sort.dir, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  const pages = useQueries({
    queries: pageIndexes.map((page) => ({
      queryKey: apiQueryKey(setup.method, inputFor(page) as never),
      queryFn: () => fetchPage(kind, inputFor(page)),
      placeholderData: page === 0 ? keepPreviousData : undefined,
      staleTime: 15_000,
    })),
  });
  const rowsByPage = new Map<number, Row[]>();
  pageIndexes.forEach((page, i) => {
    const data = pages[i]?.data;
    if (data) rowsByPage.set(page, data.rows);
  });
  const firstPage = pages[0];
  const total = firstPage?.data?.total ?? 0;
  const capped = total >= TOTAL_CAP;
  // Past the counted rows, the list grows a page at a time while pages come back full, and
  // ends at the first short page. The extent only grows (pages scrolled away are not held).
  const loaded = [...rowsByPage.entries()].map(([page, rows]) => ({ end: page * PAGE_SIZE + rows.length, full: rows.length === PAGE_SIZE }));
  const shortEnd = loaded.find((p) => !p.full)?.end;
  const fullEnd = Math.max(0, ...loaded.filter((p) => p.full).map((p) => p.end));
  const known = extent.key === filterKey ? extent : { count: 0, final: false };
  let count = total;
  if (capped) {
    if (known.final) count = known.count;
    else if (shortEnd !== undefined && shortEnd > TOTAL_CAP) count = shortEnd;
    else count = Math.max(total, known.count, fullEnd + PAGE_SIZE);
  }
  const final = capped && (known.final || (shortEnd !== undefined && shortEnd > TOTAL_CAP));
  useEffect(() => {
    if (!capped) return;
    setExtent((current) =>
      current.key === filterKey && current.count === count && current.final === final ? current : { key: filterKey, count, final },
    );
  }, [capped, count, final, filterKey]);
  const rowAt = (index: number) => rowsByPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  // The virtualizer is read on every render on purpose (its measurements change while scrolling).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (compact ? CARD_HEIGHT : ROW_HEIGHT),
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const startIndex = items[0]?.index ?? 0;
  const endIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    setRange((current) => (current.start === startIndex && current.end === endIndex ? current : { start: startIndex, end: endIndex }));
  }, [startIndex, endIndex]);
  // A new filter or sort starts at the top.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    virtualizer.measure();
  }, [filterKey, compact, virtualizer]);

  useHotkeys([
    ['mod+N', () => setCreating(true)],
    ['n', () => setCreating(true)],
  ]);

  const loadedRows = [...rowsByPage.values()].flat();
  const allLoadedSelected = loadedRows.length > 0 && loadedRows.every((r) => selected.has(r.id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allLoadedSelected ? new Set() : new Set(loadedRows.map((r) => r.id)));
  const headerClick = (column: AnyColumn) => {
    if (!column.sort) return;
    setSort((current) => ({ field: column.sort!, dir: current.field === column.sort && current.dir === 'asc' ? 'desc' : 'asc' }));
  };
  const exportFiltered = async () => {
    try {
      const result = await call('customers.exportCsv', { kind, filter: effectiveFilter });
      downloadText(result.filename, result.csv);
      notifications.show({ color: 'teal', message: t('customers.bulk.exported', { count: result.rows, formatted: formatNumber(result.rows) }) });
    } catch (error) {
      showError(t, error as ApiCallError);
    }
  };

  const kindLabel = t(`customers.kinds.${kind}`);
  const filtering = Boolean(q) || activeFilterCount(filter) > 0;
  const countText = capped ? t('customers.list.countCapped', { formatted: formatNumber(TOTAL_CAP - 1) }) : t(`customers.list.count_${kind}`, { count: total, formatted: formatNumber(total) });
  const viewConfig: ViewConfig = { filter: effectiveFilter, sort, columns: visibleColumns };
  let body: ReactNode;
  if (firstPage?.isError) {
    body = (
      <Text c="red" p="md">
        {t('customers.list.loadFailed')}
      </Text>
    );
  } else if (!firstPage?.data) {
    body = (
      <Center h={200}>
        <Loader />
      </Center>
    );
  } else if (total === 0) {
    body = (
      <Stack align="center" gap="xs" py={48} data-testid="list-empty">
        <Text fw={600}>{filtering ? t('customers.list.noMatchTitle') : t(`customers.list.emptyTitle_${kind}`)}</Text>
        <Text size="sm" c="dimmed" ta="center" maw={420}>
          {filtering ? t('customers.list.noMatchBody') : t(`customers.list.emptyBody_${kind}`)}
        </Text>
        {filtering ? (
          <Button variant="light" onClick={() => applyView(null)}>
            {t('customers.filters.clear')}
          </Button>
        ) : (
          session.can('customers.write') && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
              {t(`customers.list.new_${kind}`)}
            </Button>
          )
        )}
      </Stack>
    );
  }

  return (
    <Stack gap="sm">
      <Group gap="xs" wrap="wrap">
        <TextInput
          leftSection={<IconSearch size={16} />}
          placeholder={t('customers.list.searchPlaceholder')}
          aria-label={t(`customers.list.search_${kind}`)}
          value={qInput}
          onChange={(e) => setQInput(e.currentTarget.value)}
          style={compact ? { flex: '1 1 100%' } : { flex: '1 1 200px', maxWidth: 340 }}
        />
        <Button
          variant={filtersOpen ? 'light' : 'default'}
          leftSection={<IconFilter size={16} />}
          rightSection={activeFilterCount(filter) > 0 ? <Badge size="xs" circle>{activeFilterCount(filter)}</Badge> : null}
          onClick={() => setFiltersOpen((o) => !o)}
          aria-expanded={filtersOpen}
        >
          {t('customers.filters.title')}
        </Button>
        <ViewsMenu kind={kind} current={view} config={viewConfig} onApply={applyView} />
        {!compact && <ColumnChooser all={setup.columns} visible={visibleColumns} onChange={chooseColumns} />}
        <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => void exportFiltered()} visibleFrom="sm">
          {t('customers.list.export')}
        </Button>
        <Box style={{ flex: 1 }} />
        {session.can('customers.write') && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            {t(`customers.list.new_${kind}`)}
          </Button>
        )}
      </Group>
      {filtersOpen && <FilterPanel kind={kind} filter={filter} onChange={setFilter} />}
      {selected.size > 0 && <BulkBar kind={kind} ids={[...selected]} onClear={() => setSelected(new Set())} />}
      <Group justify="space-between" gap="xs">
        <Text size="sm" c="dimmed" data-testid="list-count">
          {firstPage?.data ? countText : ' '}
        </Text>
        {compact && total > 0 && (
          <Checkbox size="xs" label={t('customers.list.selectAll')} checked={allLoadedSelected} onChange={toggleAll} />
        )}
      </Group>
      {body ?? (
        <Box
          ref={scrollRef}
          role="table"
          aria-label={kindLabel}
          aria-rowcount={count}
          data-testid="record-list"
          style={{
            height: 'calc(100dvh - 300px)',
            minHeight: 320,
            overflow: 'auto',
            border: '1px solid var(--mantine-color-default-border)',
            borderRadius: 'var(--mantine-radius-md)',
            position: 'relative',
          }}
        >
          {!compact && (
            <Box
              role="row"
              style={{
                display: 'flex',
                position: 'sticky',
                top: 0,
                zIndex: 2,
                width: tableWidth,
                minWidth: '100%',
                height: ROW_HEIGHT,
                alignItems: 'center',
                background: 'var(--mantine-color-body)',
                borderBottom: '1px solid var(--mantine-color-default-border)',
              }}
            >
              <Box w={CHECK_WIDTH} pl="sm" role="columnheader">
                <Checkbox size="xs" aria-label={t('customers.list.selectAll')} checked={allLoadedSelected} onChange={toggleAll} />
              </Box>
              {columns.map((column) => {
                const active = sort.field === column.sort;
                const label = t(column.labelKey);
                return (
                  <Box key={column.id} role="columnheader" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined} w={column.width} px="xs" style={{ flexShrink: 0 }}>
                    {column.sort ? (
                      <UnstyledButton onClick={() => headerClick(column)} style={{ display: 'flex', alignItems: 'center', gap: 4 }}>
                        <Text size="sm" fw={600} truncate>
                          {label}
                        </Text>
                        {active && (sort.dir === 'asc' ? <IconArrowUp size={14} /> : <IconArrowDown size={14} />)}
                      </UnstyledButton>
                    ) : (
                      <Text size="sm" fw={600} truncate>
                        {label}
                      </Text>
                    )}
                  </Box>
                );
              })}
            </Box>
          )}
          <Box style={{ height: virtualizer.getTotalSize(), width: compact ? '100%' : tableWidth, minWidth: '100%', position: 'relative' }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              const style = {
                position: 'absolute' as const,
                top: 0,
                left: 0,
                width: '100%',
                height: item.size,
                transform: `translateY(${item.start}px)`,
                display: 'flex',
                alignItems: 'center',
                borderBottom: '1px solid var(--mantine-color-default-border)',
              };
              if (!row) {
                return (
                  <Box key={item.key} style={style} px="sm">
                    <Text size="sm" c="dimmed">
                      …
                    </Text>
                  </Box>
                );
              }
              const checkbox = (
                <Box w={CHECK_WIDTH} pl="sm" style={{ flexShrink: 0 }}>
                  <Checkbox size="xs" aria-label={t('customers.list.select', { name: setup.title(row) })} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                </Box>
              );
              if (compact) {
                return (
                  <Box key={item.key} role="row" style={style} bg={selected.has(row.id) ? 'var(--mantine-color-blue-light)' : undefined}>
                    {checkbox}
                    <UnstyledButton style={{ flex: 1, minWidth: 0 }} pr="sm" onClick={() => navigate(recordPath(kind, row.id))}>
                      <Text size="sm" fw={600} truncate>
                        {setup.title(row)}
                      </Text>
                      <Text size="xs" c="dimmed" truncate>
                        {setup.subtitle(row) || ' '}
                      </Text>
                    </UnstyledButton>
                  </Box>
                );
              }
              return (
                <Box key={item.key} role="row" style={style} bg={selected.has(row.id) ? 'var(--mantine-color-blue-light)' : undefined} className="harbor-row">
                  {checkbox}
                  {columns.map((column) => (
                    <Box key={column.id} role="cell" w={column.width} px="xs" style={{ flexShrink: 0, overflow: 'hidden' }}>
                      {column.render(row)}
                    </Box>
                  ))}
                </Box>
              );
            })}
          </Box>
        </Box>
      )}
      {creating && <RecordFormModal kind={kind} onClose={() => setCreating(false)} onSaved={(id) => navigate(recordPath(kind, id))} />}
      <Text size="xs" c="dimmed" visibleFrom="sm">
        {t(`customers.list.shortcutHint_${kind}`)}
      </Text>
    </Stack>
  );
}
