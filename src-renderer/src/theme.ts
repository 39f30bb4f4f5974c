/** The Mantine theme and colour-scheme store every page of the app uses (the app, the upgrade window). */
import { createTheme, localStorageColorSchemeManager } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  fontFamily:
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif',
});

export const colorSchemeManager = localStorageColorSchemeManager({ key: 'harbor.colorScheme' });
