/**
 * Exposes `window.harbor`: one typed invoke and one event subscription.
 * No raw ipcRenderer, no Node APIs reach the page. The session token stays in
 * the main process, kept per window.
 */
import { contextBridge, ipcRenderer, type ContextBridge, type IpcRenderer, type IpcRendererEvent } from 'electron';
import type { EventMap, EventName, HarborBridge } from '../src-shared/contract';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels';

type AnyListener = (payload: EventMap[EventName]) => void;

export function createBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on'>): HarborBridge {
  // One IPC listener for the whole page, fanned out to the subscribers.
  const listeners = new Map<string, Set<AnyListener>>();
  ipc.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
    if (typeof name !== 'string') return;
    for (const listener of [...(listeners.get(name) ?? [])]) {
      try {
        listener(payload as EventMap[EventName]);
      } catch (error) {
        console.error('[harbor] event listener failed:', error);
      }
    }
  });

  return {
    invoke: (method, input) => {
      if (typeof method !== 'string') return Promise.reject(new TypeError('harbor.invoke: method must be a string'));
      return ipc.invoke(INVOKE_CHANNEL, method, input);
    },
    on(event, listener) {
      if (typeof event !== 'string' || typeof listener !== 'function') {
        throw new TypeError('harbor.on: expected an event name and a listener function');
      }
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as AnyListener;
      set.add(entry);
      return () => {
        listeners.get(event)?.delete(entry);
      };
    },
  };
}

export function exposeHarbor(bridge: Pick<ContextBridge, 'exposeInMainWorld'>, ipc: Pick<IpcRenderer, 'invoke' | 'on'>): void {
  bridge.exposeInMainWorld('harbor', createBridge(ipc));
}

exposeHarbor(contextBridge, ipcRenderer);
