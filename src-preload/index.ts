/**
 * Exposes `window.harbor`: one typed invoke and one event subscription.
 * No raw ipcRenderer, no Node APIs reach the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventName, HarborBridge } from '../src-shared/contract';

export const INVOKE_CHANNEL = 'harbor:invoke';
export const EVENT_CHANNEL = 'harbor:event';

const bridge: HarborBridge = {
  invoke: (method, input) => ipcRenderer.invoke(INVOKE_CHANNEL, method, input),
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, name: EventName, payload: unknown) => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('harbor', bridge);
