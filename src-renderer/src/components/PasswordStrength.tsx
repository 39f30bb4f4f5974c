/** A password field's strength meter: length and variety, shown as a bar and a word. */
import { Group, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '../../../src-shared/contract';
import { passwordStrength } from './password-strength';

const COLORS = ['gray', 'red', 'orange', 'yellow', 'teal'] as const;
const LABELS = ['empty', 'weak', 'fair', 'good', 'strong'] as const;

export function PasswordStrength({ password }: { password: string }) {
  const { t } = useTranslation();
  const strength = passwordStrength(password);
  return (
    <Stack gap={4} data-testid="password-strength" data-strength={strength}>
      <Group gap={4} grow>
        {[1, 2, 3, 4].map((step) => (
          <Progress key={step} size={6} value={strength >= step ? 100 : 0} color={COLORS[strength]} aria-hidden />
        ))}
      </Group>
      <Text size="xs" c="dimmed">
        {strength === 0
          ? t('ui.password.hint', { min: PASSWORD_MIN })
          : t('ui.password.strength', { level: t(`ui.password.${LABELS[strength]}`) })}
      </Text>
    </Stack>
  );
}
