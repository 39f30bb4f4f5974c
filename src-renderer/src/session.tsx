/**
 * Who is signed in, and whether the session is locked. Any call answered
 * with UNAUTHENTICATED returns to the sign-in screen; SESSION_LOCKED shows the
 * lock screen. The idle timer locks the session after the office's idle time
 * without keyboard, mouse or touch input.
 */
import { useMantineColorScheme } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Language, MethodOutput, Session } from '../../src-shared/contract';
import type { Permission } from '../../src-shared/permissions';
import { call, onApiError, subscribe } from './api/client';
import { useLiveInvalidation } from './api/hooks';
import { applyLanguage, deviceLanguage, rememberDeviceLanguage } from './i18n';

export type Me = MethodOutput<'auth.me'>;
type Theme = Me['user']['theme'];

export type SessionState =
  | { phase: 'checking' }
  | { phase: 'anonymous'; expired: boolean }
  | { phase: 'active'; me: Me };

interface SessionApi {
  state: SessionState;
  /** The signed-in user's session, or null. */
  me: Me | null;
  locked: boolean;
  can(permission: Permission): boolean;
  check(): Promise<void>;
  signedIn(session: Session): void;
  logout(): Promise<void>;
  lock(): Promise<void>;
  unlock(password: string): Promise<void>;
  /** Reloads the session (after the user's or the office's settings changed). */
  refresh(): Promise<void>;
  setLanguage(language: Language): void;
  setTheme(theme: Theme): void;
}

const SessionContext = createContext<SessionApi | null>(null);

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;
const IDLE_CHECK_MS = 5_000;

export function SessionProvider({ defaultLanguage, children }: { defaultLanguage: Language; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ phase: 'checking' });
  const queryClient = useQueryClient();
  const { setColorScheme } = useMantineColorScheme();
  const me = state.phase === 'active' ? state.me : null;
  const locked = me?.locked ?? false;

  const adopt = useCallback(
    (next: Me) => {
      setState({ phase: 'active', me: next });
      applyLanguage(next.user.language ?? defaultLanguage);
      setColorScheme(next.user.theme);
    },
    [defaultLanguage, setColorScheme],
  );

  const signOutLocally = useCallback(
    (expired: boolean) => {
      setState({ phase: 'anonymous', expired });
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'system.status' });
      applyLanguage(deviceLanguage() ?? defaultLanguage);
    },
    [defaultLanguage, queryClient],
  );

  const setLocked = useCallback((value: boolean) => {
    setState((current) =>
      current.phase === 'active' && current.me.locked !== value
        ? { phase: 'active', me: { ...current.me, locked: value } }
        : current,
    );
  }, []);

  const check = useCallback(async () => {
    try {
      adopt(await call('auth.me', {}));
    } catch {
      signOutLocally(false);
    }
  }, [adopt, signOutLocally]);

  // Before sign-in the office default applies, unless this device chose a language.
  useEffect(() => {
    if (state.phase !== 'active') applyLanguage(deviceLanguage() ?? defaultLanguage);
  }, [defaultLanguage, state.phase]);

  // The latest phase for the error listener, which must not re-subscribe on every change.
  const phase = useRef(state.phase);
  useEffect(() => {
    phase.current = state.phase;
  }, [state.phase]);
  useEffect(
    () =>
      onApiError((failure) => {
        if (failure.code === 'UNAUTHENTICATED' && phase.current === 'active') signOutLocally(true);
        else if (failure.code === 'SESSION_LOCKED') setLocked(true);
      }),
    [setLocked, signOutLocally],
  );

  const active = state.phase === 'active';
  useEffect(() => {
    if (!active) return;
    return subscribe('session.locked', () => setLocked(true));
  }, [active, setLocked]);
  useLiveInvalidation(active && !locked);

  // The idle lock.
  const idleMinutes = me?.idleLockMinutes ?? 0;
  const lastActivity = useRef(0);
  const lockingRef = useRef(false);
  useEffect(() => {
    if (!active || locked || idleMinutes <= 0) return;
    lastActivity.current = Date.now();
    const touch = () => {
      lastActivity.current = Date.now();
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, touch, { passive: true, capture: true });
    const timer = window.setInterval(() => {
      if (lockingRef.current || Date.now() - lastActivity.current < idleMinutes * 60_000) return;
      lockingRef.current = true;
      setLocked(true);
      call('auth.lock', {})
        .catch(() => undefined)
        .finally(() => {
          lockingRef.current = false;
        });
    }, IDLE_CHECK_MS);
    return () => {
      window.clearInterval(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, touch, { capture: true });
    };
  }, [active, locked, idleMinutes, setLocked]);

  const api = useMemo<SessionApi>(
    () => ({
      state,
      me,
      locked,
      can: (permission) => Boolean(me?.permissions.includes(permission)),
      check,
      signedIn(session) {
        const { token: _token, ...rest } = session;
        adopt({ ...rest, locked: false });
      },
      async logout() {
        await call('auth.logout', {}).catch(() => undefined);
        signOutLocally(false);
      },
      async lock() {
        setLocked(true);
        await call('auth.lock', {}).catch(() => undefined);
      },
      async unlock(password) {
        await call('auth.unlock', { password });
        setLocked(false);
        void queryClient.invalidateQueries();
      },
      async refresh() {
        try {
          adopt(await call('auth.me', {}));
        } catch {
          // UNAUTHENTICATED and SESSION_LOCKED are handled by the error listener.
        }
      },
      setLanguage(language) {
        applyLanguage(language);
        if (!me) {
          rememberDeviceLanguage(language);
          return;
        }
        setState({ phase: 'active', me: { ...me, user: { ...me.user, language } } });
        void call('auth.setPreferences', { language }).catch(() => undefined);
      },
      setTheme(theme) {
        setColorScheme(theme);
        if (!me) return;
        setState({ phase: 'active', me: { ...me, user: { ...me.user, theme } } });
        void call('auth.setPreferences', { theme }).catch(() => undefined);
      },
    }),
    [state, me, locked, check, adopt, signOutLocally, setLocked, queryClient, setColorScheme],
  );

  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession outside SessionProvider');
  return api;
}
