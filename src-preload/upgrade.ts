/**
 * The upgrade window's preload: exposes `window.harborUpgrade`, the progress
 * of the upgrade and a way to cancel it. Nothing else reaches the page.
 */
import { contextBridge, ipcRenderer, type ContextBridge, type IpcRenderer, type IpcRendererEvent } from 'electron';
import type { UpgradeBridge, UpgradeStatus } from '../src-shared/contract';
import { UPGRADE_CANCEL_CHANNEL, UPGRADE_PROGRESS_CHANNEL } from './upgrade-channels';

export function createUpgradeBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on'>): UpgradeBridge {
  const listeners = new Set<(status: UpgradeStatus) => void>();
  ipc.on(UPGRADE_PROGRESS_CHANNEL, (_event: IpcRendererEvent, status: UpgradeStatus) => {
    for (const listener of [...listeners]) listener(status);
  });
  return {
    onProgress(listener) {
      if (typeof listener !== 'function') throw new TypeError('harborUpgrade.onProgress: expected a listener function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    cancel: async () => {
      await ipc.invoke(UPGRADE_CANCEL_CHANNEL);
    },
  };
}

export function exposeUpgrade(bridge: Pick<ContextBridge, 'exposeInMainWorld'>, ipc: Pick<IpcRenderer, 'invoke' | 'on'>): void {
  bridge.exposeInMainWorld('harborUpgrade', createUpgradeBridge(ipc));
}

exposeUpgrade(contextBridge, ipcRenderer);
