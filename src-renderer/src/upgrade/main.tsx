/**
 * The upgrade window's page (upgrade.html): the progress of the upgrade of an
 * older office database, shown by the desktop shell before the app opens,
 * with Cancel. It talks only to `window.harborUpgrade` (src-preload/upgrade.ts).
 */
import '@mantine/core/styles.css';
import '../app.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { applyLanguage, deviceLanguage, isLanguage } from '../i18n';
import { colorSchemeManager, theme } from '../theme';
import { UpgradeScreen } from './UpgradeScreen';

// The language last chosen in the app on this device, else the one the shell passes (the OS language).
const fromShell = new URLSearchParams(window.location.search).get('lang');
applyLanguage(deviceLanguage() ?? (isLanguage(fromShell) ? fromShell : 'zh-CN'));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <UpgradeScreen bridge={window.harborUpgrade} />
    </MantineProvider>
  </StrictMode>,
);
