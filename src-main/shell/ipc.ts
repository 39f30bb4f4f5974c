/**
 * The Electron transport: one `ipcMain.handle` channel into the dispatcher and
 * one channel for core events back to the windows.
 *
 * - Only the main frame of one of our windows showing the app may call; any
 *   other sender (an iframe, a foreign page, a window we did not create) is
 *   refused before the core sees anything.
 * - The session token lives here, per webContents: captured from the result
 *   of `auth.login` / `system.setup`, dropped on `auth.logout`, on
 *   UNAUTHENTICATED and when the page goes away. The page never holds it, so
 *   script running in the page cannot carry it off to the HTTP API.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventMap, EventName, MethodName } from '../../src-shared/contract';
import { HarborError, type Result } from '../../src-shared/errors';
import type { Core } from '../core';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../src-preload/channels';

/** Every core event, forwarded to signed-in windows (a missing name is a type error). */
const FORWARDED_EVENTS: Record<EventName, true> = {
  'data.changed': true,
  'session.locked': true,
  'job.progress': true,
};

/** Methods whose result is a fresh session for the caller. */
const SESSION_STARTERS: ReadonlySet<string> = new Set<MethodName>(['auth.login', 'system.setup']);

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** True for the main frame of a window in `owns`, showing an app URL. */
export function isTrustedSender(
  event: IpcMainInvokeEvent,
  owns: (wc: WebContents) => boolean,
  isAppUrl: (url: string) => boolean,
): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  const main = event.sender.mainFrame;
  if (frame.routingId !== main.routingId || frame.processId !== main.processId) return false;
  if (!owns(event.sender)) return false;
  return isAppUrl(frame.url);
}

export interface IpcBinding {
  /** Windows holding a session right now. */
  signedInCount(): number;
  /** Stops listening; resolves when calls already under way (such as logouts of closed windows) are done. */
  dispose(): Promise<void>;
}

function hasToken(value: unknown): value is { token: string } {
  return typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'string';
}

function failure(error: HarborError): Result<never> {
  return { ok: false, error: error.toApiError() };
}

export function bindIpc(core: Pick<Core, 'dispatcher' | 'events'>, trusted: SenderCheck): IpcBinding {
  /** Session per webContents, keyed by its id. */
  const sessions = new Map<number, { wc: WebContents; token: string }>();
  const watched = new Set<number>();
  const pending = new Set<Promise<unknown>>();
  let disposed = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => undefined);
    return promise;
  };

  /** Ends a session nobody can reach any more (its page is gone, or it was replaced). */
  const endSession = (token: string) => {
    void track(core.dispatcher.call('auth.logout', {}, { token, origin: 'ipc' })).catch(() => undefined);
  };

  const remember = (wc: WebContents, token: string) => {
    if (wc.isDestroyed()) {
      endSession(token);
      return;
    }
    const previous = sessions.get(wc.id)?.token;
    // Signing in again (perhaps as someone else) replaces the window's session.
    if (previous !== undefined && previous !== token) endSession(previous);
    sessions.set(wc.id, { wc, token });
    if (watched.has(wc.id)) return;
    watched.add(wc.id);
    const id = wc.id;
    wc.once('destroyed', () => {
      watched.delete(id);
      const held = sessions.get(id);
      sessions.delete(id);
      if (held && !disposed) endSession(held.token);
    });
  };

  ipcMain.handle(INVOKE_CHANNEL, async (event, method: unknown, input: unknown) => {
    if (disposed) throw new Error('Harbor is shutting down');
    if (!trusted(event)) {
      console.warn('[harbor] refused an IPC call from an untrusted frame');
      throw new Error('Refused: this page may not call Harbor');
    }
    if (typeof method !== 'string' || method.length === 0 || method.length > 200) {
      return failure(new HarborError('UNKNOWN_METHOD'));
    }
    const wc = event.sender;
    const token = sessions.get(wc.id)?.token ?? null;
    const result = await track(core.dispatcher.call(method, input, { token, origin: 'ipc' }));
    if (result.ok) {
      if (SESSION_STARTERS.has(method) && hasToken(result.value)) {
        remember(wc, result.value.token);
        return { ok: true, value: { ...result.value, token: '' } };
      }
      if (method === 'auth.logout') sessions.delete(wc.id);
    } else if (result.error.code === 'UNAUTHENTICATED') {
      sessions.delete(wc.id);
    }
    return result;
  });

  const forward = <E extends EventName>(name: E, payload: EventMap[E]) => {
    for (const { wc } of sessions.values()) {
      if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, name, payload);
    }
  };
  const unsubscribe = (Object.keys(FORWARDED_EVENTS) as EventName[]).map((name) =>
    core.events.on(name, (payload) => forward(name, payload)),
  );

  return {
    signedInCount: () => sessions.size,
    async dispose() {
      if (disposed) return;
      disposed = true;
      ipcMain.removeHandler(INVOKE_CHANNEL);
      unsubscribe.forEach((off) => off());
      await Promise.allSettled([...pending]);
      sessions.clear();
    },
  };
}
