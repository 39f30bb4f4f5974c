/** Language and theme switches, usable before and after sign-in. */
import { ActionIcon, Menu, Tooltip, useMantineColorScheme } from '@mantine/core';
import { IconCheck, IconDeviceDesktop, IconLanguage, IconMoon, IconSun } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../../../src-shared/contract';
import { currentLanguage } from '../i18n';
import { useSession } from '../session';

/** Each language is named in itself, so anyone can find theirs. */
export const LANGUAGE_NAMES: Record<Language, string> = { 'zh-CN': '简体中文', en: 'English' };

/** A header icon button opening a menu of choices, the current one ticked. */
function ChoiceMenu<T extends string>({
  label,
  testId,
  icon,
  choices,
  current,
  onChoose,
}: {
  label: string;
  testId: string;
  icon: ReactNode;
  choices: { value: T; label: string; icon?: ReactNode; lang?: string }[];
  current: T;
  onChoose: (value: T) => void;
}) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={label}>
          <ActionIcon variant="default" size="lg" aria-label={label} data-testid={testId}>
            {icon}
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {choices.map((choice) => (
          <Menu.Item
            key={choice.value}
            lang={choice.lang}
            leftSection={choice.icon}
            rightSection={choice.value === current ? <IconCheck size={14} /> : null}
            onClick={() => onChoose(choice.value)}
          >
            {choice.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function LanguageMenu({ onChange }: { onChange?: (language: Language) => void }) {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <ChoiceMenu
      label={t('ui.shell.language')}
      testId="language-menu"
      icon={<IconLanguage size={18} />}
      choices={LANGUAGES.map((language) => ({ value: language, label: LANGUAGE_NAMES[language], lang: language }))}
      current={currentLanguage()}
      onChoose={(language) => (onChange ? onChange(language) : session.setLanguage(language))}
    />
  );
}

const THEME_ICONS = { light: IconSun, dark: IconMoon, auto: IconDeviceDesktop } as const;

export function ThemeMenu() {
  const { t } = useTranslation();
  const session = useSession();
  const { colorScheme } = useMantineColorScheme();
  const CurrentIcon = THEME_ICONS[colorScheme];
  return (
    <ChoiceMenu
      label={t('ui.shell.theme')}
      testId="theme-menu"
      icon={<CurrentIcon size={18} />}
      choices={(['light', 'dark', 'auto'] as const).map((theme) => {
        const ItemIcon = THEME_ICONS[theme];
        return { value: theme, label: t(`ui.theme.${theme}`), icon: <ItemIcon size={14} /> };
      })}
      current={colorScheme}
      onChoose={(theme) => session.setTheme(theme)}
    />
  );
}
