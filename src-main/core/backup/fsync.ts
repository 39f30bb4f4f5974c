import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';

/**
 * Flushes a file or a folder to disk. A folder is flushed after a rename in
 * it, so the new name survives a power cut. Some file systems (and Windows
 * folders) cannot flush a folder: the rename is still atomic, so that is ignored.
 */
export function fsyncPath(path: string): void {
  let fd: number;
  try {
    // Windows flushes only handles opened for writing; folders open read-only.
    fd = openSync(path, statSync(path).isDirectory() ? 'r' : 'r+');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // See above.
  } finally {
    closeSync(fd);
  }
}
