import { useCallback, useEffect, useRef, useState } from 'react';
import { graphRequest, toGraphError, type GraphError } from '../graph';

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

interface PagedState<T> {
  /** the URL (and reload count) these pages belong to */
  key: string;
  items: T[];
  next?: string;
  error?: GraphError;
  loadingMore: boolean;
  moreError?: GraphError;
}

export interface PagedList<T> {
  items: T[];
  /** the first page is on its way (for a new URL or a reload) */
  loading: boolean;
  /** the first page failed */
  error: GraphError | undefined;
  /** there is an `@odata.nextLink` */
  hasMore: boolean;
  loadingMore: boolean;
  /** the last "load more" failed (the pages so far stay) */
  moreError: GraphError | undefined;
  loadMore: () => void;
  reload: () => void;
}

/**
 * Server-side paging over a Graph collection: the first page of `url` (again when it changes or on
 * reload()), then each `@odata.nextLink` on loadMore(), appended. An answer for an older URL is
 * dropped. `url` null loads nothing.
 */
export function usePagedList<T>(url: string | null): PagedList<T> {
  const [nonce, setNonce] = useState(0);
  const key = url === null ? '' : `${nonce} ${url}`;
  const [state, setState] = useState<PagedState<T> | null>(null);
  const current = useRef('');

  useEffect(() => {
    current.current = key;
    if (url === null) return;
    let live = true;
    graphRequest<Page<T>>('GET', url).then(
      (page) => {
        if (live) setState({ key, items: Array.isArray(page.value) ? page.value : [], next: page['@odata.nextLink'], loadingMore: false });
      },
      (err: unknown) => {
        if (live) setState({ key, items: [], error: toGraphError(err), loadingMore: false });
      },
    );
    return () => { live = false; };
  }, [key, url]);

  const mine = state && state.key === key && url !== null ? state : null;
  const next = mine?.next;
  const busy = mine?.loadingMore ?? false;

  const loadMore = useCallback(() => {
    if (!next || busy) return;
    const forKey = key;
    setState((s) => (s && s.key === forKey ? { ...s, loadingMore: true, moreError: undefined } : s));
    // the nextLink is absolute: graph.ts fetches it as it is (same origin only)
    graphRequest<Page<T>>('GET', next).then(
      (page) => {
        if (current.current !== forKey) return;
        setState((s) => (s && s.key === forKey
          ? { ...s, items: [...s.items, ...(Array.isArray(page.value) ? page.value : [])], next: page['@odata.nextLink'], loadingMore: false }
          : s));
      },
      (err: unknown) => {
        if (current.current !== forKey) return;
        setState((s) => (s && s.key === forKey ? { ...s, loadingMore: false, moreError: toGraphError(err) } : s));
      },
    );
  }, [next, busy, key]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);

  return {
    items: mine?.items ?? [],
    loading: url !== null && !mine,
    error: mine?.error,
    hasMore: Boolean(next),
    loadingMore: busy,
    moreError: mine?.moreError,
    loadMore,
    reload,
  };
}
