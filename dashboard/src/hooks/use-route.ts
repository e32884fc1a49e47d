import { useSyncExternalStore } from 'react';

/**
 * A tiny history router: the dashboard has a handful of fixed routes, so a path string and
 * `navigate` are all it needs. The server answers every non-API path with index.html.
 */

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function useRoute(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname + location.search,
  );
  const url = new URL(href, location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** Path segments after `prefix`, decoded (`/topics/a%2Fb` → ['a/b']). */
export function segments(path: string, prefix: string): string[] {
  return path
    .slice(prefix.length)
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
}
