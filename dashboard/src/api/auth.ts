/**
 * Who the dashboard talks to the API as: an API key (kept in sessionStorage, so it dies with the
 * tab, and sent as a Bearer header — or `?key=` on the WebSocket, which cannot carry headers) or a
 * user session (an HttpOnly cookie the browser sends by itself). A `?key=` in the page's own URL
 * (the link the dev server prints) is moved into sessionStorage and removed from the address bar.
 */

const STORAGE = 'streamsight.key';

export type AuthState =
  | { status: 'checking' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; via: 'key' | 'session'; user?: string; scopes?: string[] };

let state: AuthState = { status: 'checking' };
const listeners = new Set<() => void>();

export function authState(): AuthState {
  return state;
}

export function setAuthState(next: AuthState): void {
  state = next;
  for (const l of listeners) l();
}

export function onAuthChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(STORAGE, key);
  else sessionStorage.removeItem(STORAGE);
}

/** Moves `?key=` from the address bar into sessionStorage. */
export function adoptKeyFromUrl(): void {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (!key) return;
  setApiKey(key);
  url.searchParams.delete('key');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
