/**
 * Hash routing (`/#/overview`, `/#/apps/<id>/credentials`, …): the server serves only `/` and
 * `/assets/*`, so every page of the portal lives after the `#`.
 */
import { useSyncExternalStore } from 'react';

export const DEFAULT_ROUTE = '/overview';

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

const getHash = (): string => window.location.hash;

/** The route's path segments, decoded (`#/apps/123` → ['apps', '123']); `#` or nothing → the overview. */
export function parseRoute(hash: string): string[] {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const segments = path.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return segments.length > 0 ? segments : parseRoute(`#${DEFAULT_ROUTE}`);
}

export function useRoute(): string[] {
  const hash = useSyncExternalStore(subscribe, getHash, getHash);
  return parseRoute(hash);
}

/** `#/a/b` for the path segments, each encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function navigate(to: string): void {
  const target = to.startsWith('#') ? to : `#${to.startsWith('/') ? to : `/${to}`}`;
  if (window.location.hash !== target) window.location.hash = target;
}
