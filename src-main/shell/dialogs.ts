/**
 * The OS folder dialog behind `backup.pickFolder` (core/backup/handlers.ts),
 * parented to the app's window so it stays in front of it.
 */
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { Services } from '../core/rpc/context';
import { translate } from './i18n';

export function folderPicker(parent: () => BrowserWindow | null): NonNullable<Services['pickFolder']> {
  return async ({ purpose, current, language }) => {
    const options: OpenDialogOptions = {
      title: translate(language, purpose === 'target' ? 'backup.pickTarget' : 'backup.pickBackup'),
      properties: purpose === 'target' ? ['openDirectory', 'createDirectory'] : ['openDirectory'],
      ...(current ? { defaultPath: current } : {}),
    };
    const win = parent();
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
}
