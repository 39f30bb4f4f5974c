/**
 * The safety folder beside the database, where a restore keeps the database
 * it replaced, and the start-up check for a copy a killed restore left
 * sharing the live file. Separate from the backup service so the upgrade
 * check can run it without loading the core.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncPath } from './fsync';

export const SAFETY_DIR = 'safety-copies';

/**
 * A restore hard-links the database into the safety folder, then renames the
 * restored file over it. Killed between the two, the live database and its
 * "safety copy" are one file, and every later write would change that copy
 * too (a crash in the middle of a checkpoint would leave it torn). The
 * restore never happened, so the copy is not needed: it goes, before the
 * database is opened. Returns how many went.
 */
export function dropUnfinishedSafetyCopies(dataDir: string, dbFile: string): number {
  const dir = join(dataDir, SAFETY_DIR);
  if (!existsSync(dir) || !existsSync(dbFile)) return 0;
  // bigint: file ids on Windows do not fit a double.
  const live = statSync(dbFile, { bigint: true });
  if (live.nlink < 2n) return 0;
  let dropped = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { bigint: true });
    if (st.ino === live.ino && st.dev === live.dev) {
      rmSync(path);
      dropped++;
    }
  }
  if (dropped > 0) fsyncPath(dir);
  return dropped;
}

