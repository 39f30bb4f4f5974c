/**
 * A folder path field; in the desktop app it also opens the OS folder dialog
 * ("Choose…"). In a browser the path is typed: the dialog would open on the
 * computer running Harbor, not in front of the person using the page.
 */
import { Button, Group, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Language } from '../../../../src-shared/contract';
import { call, transportKind } from '../../api/client';

export function FolderInput(props: {
  label: string;
  description?: string;
  value: string;
  onChange: (value: string) => void;
  purpose: 'target' | 'backup';
  disabled?: boolean;
  onError: (error: unknown) => void;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const choose = async () => {
    try {
      const current = props.value.trim();
      const picked = await call('backup.pickFolder', { purpose: props.purpose, language: i18n.language as Language, ...(current ? { current } : {}) });
      if (picked.path) props.onChange(picked.path);
    } catch (error) {
      props.onError(error);
    }
  };
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <TextInput
        style={{ flex: 1 }}
        label={props.label}
        description={props.description}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        disabled={props.disabled}
        data-testid={props.testId}
      />
      {transportKind() === 'ipc' && (
        <Button variant="default" onClick={() => void choose()} disabled={props.disabled}>
          {t('backup.choose')}
        </Button>
      )}
    </Group>
  );
}
