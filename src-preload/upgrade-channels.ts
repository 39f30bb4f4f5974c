/**
 * The two IPC channels of the upgrade window (src-preload/upgrade.ts). A file
 * of their own: the two preloads are bundled separately and a sandboxed
 * preload cannot load a chunk they would share.
 */
export const UPGRADE_PROGRESS_CHANNEL = 'harbor:upgrade-progress';
export const UPGRADE_CANCEL_CHANNEL = 'harbor:upgrade-cancel';
