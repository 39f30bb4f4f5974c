/** Language and theme switches, usable before and after sign-in. */
import { ActionIcon, Menu, Tooltip, useMantineColorScheme } from '@mantine/core';
import { IconCheck, IconDeviceDesktop, IconLanguage, IconMoon, IconSun } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../../../src-shared/contract';
import { currentLanguage } from '../i18n';
import { useSession } from '../session';

/** Each language is named in itself, so anyone can find theirs. */
export const LANGUAGE_NAMES: Record<Language, string> = { 'zh-CN': '简体中文', en: 'English' };

export function LanguageMenu({ onChange }: { onChange?: (language: Language) => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const active = currentLanguage();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={t('ui.shell.language')}>
          <ActionIcon variant="default" size="lg" aria-label={t('ui.shell.language')} data-testid="language-menu">
            <IconLanguage size={18} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {LANGUAGES.map((language) => (
          <Menu.Item
            key={language}
            lang={language}
            rightSection={language === active ? <IconCheck size={14} /> : null}
            onClick={() => (onChange ? onChange(language) : session.setLanguage(language))}
          >
            {LANGUAGE_NAMES[language]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

const THEME_ICONS = { light: IconSun, dark: IconMoon, auto: IconDeviceDesktop } as const;

export function ThemeMenu() {
  const { t } = useTranslation();
  const session = useSession();
  const { colorScheme } = useMantineColorScheme();
  const CurrentIcon = THEME_ICONS[colorScheme];
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={t('ui.shell.theme')}>
          <ActionIcon variant="default" size="lg" aria-label={t('ui.shell.theme')} data-testid="theme-menu">
            <CurrentIcon size={18} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {(['light', 'dark', 'auto'] as const).map((theme) => {
          const ItemIcon = THEME_ICONS[theme];
          return (
            <Menu.Item
              key={theme}
              leftSection={<ItemIcon size={14} />}
              rightSection={theme === colorScheme ? <IconCheck size={14} /> : null}
              onClick={() => session.setTheme(theme)}
            >
              {t(`ui.theme.${theme}`)}
            </Menu.Item>
          );
        })}
      </Menu.Dropdown>
    </Menu>
  );
}
