// The signed-in user. GET /me on start; POST /auth/login and /auth/logout; any 401 signs out
// (the app then shows the sign-in page, and comes back to the same address after it).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onUnauthenticated, setCsrfToken } from './api.ts';
import type { Me } from './types.ts';

type State = { kind: 'loading' } | { kind: 'signedOut'; expired: boolean } | { kind: 'signedIn'; me: Me };

interface Session {
  state: State;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const adopt = useCallback((me: Me) => {
    setCsrfToken(me.csrfToken);
    setState({ kind: 'signedIn', me });
  }, []);

  useEffect(() => {
    let live = true;
    api
      .get<Me>('/me')
      .then((me) => live && adopt(me))
      .catch(() => live && setState({ kind: 'signedOut', expired: false }));
    const off = onUnauthenticated(() => {
      setCsrfToken(null);
      setState((s) => ({ kind: 'signedOut', expired: s.kind === 'signedIn' }));
    });
    return () => {
      live = false;
      off();
    };
  }, [adopt]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const { user } = await api.post<{ user: Me }>('/auth/login', { username, password });
      adopt(typeof user?.csrfToken === 'string' ? user : await api.get<Me>('/me'));
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      setCsrfToken(null);
      setState({ kind: 'signedOut', expired: false });
    }
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user (only inside the signed-in part of the app). */
export function useMe(): Me {
  const { state } = useSession();
  if (state.kind !== 'signedIn') throw new Error('useMe while not signed in');
  return state.me;
}
