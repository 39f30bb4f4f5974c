/** A password field's strength meter: length and variety, shown as a bar and a word. */
import { Group, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '../../../src-shared/contract';

export type Strength = 0 | 1 | 2 | 3 | 4;

export function passwordStrength(password: string): Strength {
  if (password.length < PASSWORD_MIN) return password.length === 0 ? 0 : 1;
  let score = 1;
  if (password.length >= 12) score += 1;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes >= 3) score += 1;
  if (classes === 4 || (classes >= 3 && password.length >= 16)) score += 1;
  // Repeats and runs of one character weaken any password.
  if (/(.)\1{3,}/.test(password) || new Set(password).size < 5) score = Math.min(score, 2);
  return Math.min(score, 4) as Strength;
}

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
