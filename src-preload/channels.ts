/** The two IPC channels between the preload and the main process; nothing else crosses. */
export const INVOKE_CHANNEL = 'harbor:invoke';
export const EVENT_CHANNEL = 'harbor:event';
