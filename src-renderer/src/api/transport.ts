/**
 * How the renderer reaches the core. In the desktop app the preload exposes
 * `window.harbor` (IPC; the main process keeps the session per window). In
 * browser mode we speak HTTP: `POST /rpc/<method>` with a Bearer token kept
 * in sessionStorage, and server-sent events from `GET /events`.
 */
import type { EventMap, EventName, HarborBridge, MethodName } from '../../../src-shared/contract';
import type { ApiError, Result } from '../../../src-shared/errors';
import { isApiError } from '../../../src-shared/errors';

export interface Transport extends HarborBridge {
  readonly kind: 'ipc' | 'http';
}

const TOKEN_KEY = 'harbor.token';
/** Methods whose output is a session carrying a fresh token. */
const SESSION_STARTERS: readonly MethodName[] = ['auth.login', 'system.setup'];
const EVENT_NAMES: readonly EventName[] = ['data.changed', 'session.locked', 'job.progress'];

const networkError: ApiError = { code: 'INTERNAL', messageKey: 'errors.network' };

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the session lasts as long as the page.
  }
}

function hasToken(value: unknown): value is { token: string } {
  return typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'string';
}

type Listener = (payload: never) => void;

export function createHttpTransport(baseUrl = ''): Transport {
  let token = readToken();
  let source: EventSource | null = null;
  const listeners = new Map<EventName, Set<Listener>>();

  const setToken = (next: string | null) => {
    if (next === token) return;
    token = next;
    writeToken(next);
    reconnect();
  };

  function reconnect(): void {
    source?.close();
    source = null;
    if (!token || typeof EventSource === 'undefined' || listeners.size === 0) return;
    const es = new EventSource(`${baseUrl}/events?token=${encodeURIComponent(token)}`);
    for (const name of EVENT_NAMES) {
      es.addEventListener(name, (event) => {
        let payload: unknown;
        try {
          payload = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const listener of listeners.get(name) ?? []) listener(payload as never);
      });
    }
    source = es;
  }

  return {
    kind: 'http',
    async invoke(method, input) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/rpc/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return { ok: false, error: networkError };
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        return { ok: false, error: networkError };
      }
      const result = body as Result<unknown>;
      if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
        return { ok: false, error: networkError };
      }
      if (!result.ok && !isApiError(result.error)) return { ok: false, error: networkError };
      if (result.ok && SESSION_STARTERS.includes(method) && hasToken(result.value)) setToken(result.value.token);
      if (method === 'auth.logout' || (!result.ok && result.error.code === 'UNAUTHENTICATED')) setToken(null);
      return result as never;
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      if (!source) reconnect();
      return () => {
        set.delete(listener as Listener);
        if (set.size === 0) listeners.delete(event);
        if (listeners.size === 0) {
          source?.close();
          source = null;
        }
      };
    },
  };
}

export function createTransport(): Transport {
  const bridge = typeof window !== 'undefined' ? window.harbor : undefined;
  if (bridge) return { kind: 'ipc', invoke: bridge.invoke.bind(bridge), on: bridge.on.bind(bridge) };
  return createHttpTransport();
}
