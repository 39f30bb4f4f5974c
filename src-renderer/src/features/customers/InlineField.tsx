/**
 * A field on a record's page that turns into an input when clicked: Enter
 * saves, Escape cancels; a translated error stays under the input.
 */
import { Box, Group, Select, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconPencil } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Option } from './lookups';

interface Props {
  label: string;
  /** The stored value ('' for none). */
  value: string;
  /** What is shown when not editing (defaults to the value). */
  display?: ReactNode;
  options?: Option[];
  type?: 'text' | 'date';
  readOnly?: boolean;
  /** Saves; resolves to an error message to show, or null when saved. */
  onSave(value: string): Promise<string | null>;
}

export function InlineField({ label, value, display, options, type = 'text', readOnly, onSave }: Props) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const start = () => {
    if (readOnly) return;
    setDraft(value);
    setError(null);
    setEditing(true);
  };
  const cancel = () => {
    setEditing(false);
    setError(null);
  };
  const commit = async (next: string) => {
    if (next === value) return cancel();
    setPending(true);
    const problem = await onSave(next);
    setPending(false);
    if (problem) setError(problem);
    else setEditing(false);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void commit(draft);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      cancel();
    }
  };

  const shown = display ?? (value || null);
  return (
    <Box>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {editing ? (
        options ? (
          <Select
            aria-label={label}
            data={options}
            value={draft || null}
            clearable
            autoFocus
            defaultDropdownOpened
            error={error}
            disabled={pending}
            onChange={(next) => {
              setDraft(next ?? '');
              void commit(next ?? '');
            }}
            onKeyDown={onKeyDown}
            onBlur={() => !pending && !error && cancel()}
            comboboxProps={{ withinPortal: true }}
          />
        ) : (
          <TextInput
            aria-label={label}
            type={type}
            value={draft}
            autoFocus
            error={error}
            disabled={pending}
            onChange={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={onKeyDown}
            description={t('customers.detail.inlineHint')}
          />
        )
      ) : (
        <UnstyledButton
          onClick={start}
          aria-label={readOnly ? undefined : t('customers.detail.editField', { field: label })}
          disabled={readOnly}
          className="harbor-inline-field"
          style={{ display: 'block', width: '100%', borderRadius: 4, minHeight: 26, cursor: readOnly ? 'default' : 'text' }}
        >
          <Group gap={6} wrap="nowrap">
            <Text size="sm" style={{ wordBreak: 'break-word' }} c={shown ? undefined : 'dimmed'}>
              {shown ?? '—'}
            </Text>
            {!readOnly && <IconPencil size={12} className="harbor-inline-pencil" opacity={0.4} />}
          </Group>
        </UnstyledButton>
      )}
    </Box>
  );
}
