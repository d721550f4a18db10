import { useCallback, useEffect, useEffectEvent, useState, useSyncExternalStore } from 'react';
import { GraphError, toGraphError } from './graph';

export interface Loaded<T> {
  data: T | undefined;
  error: GraphError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads data for `key` (again when the key changes or on reload()); a stale answer is dropped. */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const run = useEffectEvent(() => load());
  const [nonce, setNonce] = useState(0);
  const [result, setResult] = useState<{ key: string; nonce: number; data?: T; error?: GraphError } | null>(null);
  useEffect(() => {
    let live = true;
    run().then(
      (data) => { if (live) setResult({ key, nonce, data }); },
      (err: unknown) => { if (live) setResult({ key, nonce, error: toGraphError(err) }); },
    );
    return () => { live = false; };
  }, [key, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const current = result && result.key === key ? result : null;
  return {
    data: current?.data,
    error: current?.error,
    loading: !result || result.key !== key || result.nonce !== nonce,
    reload,
  };
}

export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback((listener: () => void) => {
    const mql = window.matchMedia(query);
    mql.addEventListener('change', listener);
    return () => mql.removeEventListener('change', listener);
  }, [query]);
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches, () => false);
}

/** Below this width the left navigation collapses behind a menu button. */
export const NARROW = '(max-width: 767px)';
