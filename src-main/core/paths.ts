import { homedir } from 'node:os';
import { join } from 'node:path';

/** The office database's file name in the data folder. */
export const DB_FILE = 'harbor.db';

/**
 * The default data folder, the same one Electron's `app.getPath('userData')`
 * gives the desktop app, so both modes open the same office.
 */
export function defaultDataDir(productName = 'Harbor', env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.HARBOR_DATA_DIR) return env.HARBOR_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), productName);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', productName);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), productName);
}
