/**
 * Signing in and out. At start the dashboard asks `GET /session` (a cookie session) and, failing
 * that, checks a stored API key against `GET /apps`, which every credential may read.
 */

import { apiKey, setApiKey, setAuthState } from './auth.ts';
import { ApiError, api } from './client.ts';
import { live } from './live.ts';

export async function checkSession(): Promise<void> {
  try {
    const s = await api<{ user: string | null; scopes: string[] }>('/session', { quiet401: true });
    setAuthState({
      status: 'signed-in',
      via: apiKey() ? 'key' : 'session',
      user: s.user ?? undefined,
      scopes: s.scopes,
    });
    live.restart();
    return;
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 404)) {
      setAuthState({ status: 'signed-out', reason: (err as Error).message });
      return;
    }
  }
  if (!apiKey()) {
    setAuthState({ status: 'signed-out' });
    return;
  }
  try {
    await api('/apps', { quiet401: true });
    setAuthState({ status: 'signed-in', via: 'key' });
    live.restart();
  } catch (err) {
    const reason =
      err instanceof ApiError && err.status === 401 ? 'the API key was refused' : (err as Error).message;
    setAuthState({ status: 'signed-out', reason });
  }
}

export async function signInWithKey(key: string): Promise<void> {
  setApiKey(key.trim());
  await checkSession();
}

export async function signInWithPassword(username: string, password: string): Promise<void> {
  setApiKey(null);
  try {
    await api('/session', { method: 'POST', body: { username, password }, quiet401: true });
  } catch (err) {
    setAuthState({ status: 'signed-out', reason: (err as Error).message });
    return;
  }
  await checkSession();
}

export async function signOut(): Promise<void> {
  const hadKey = apiKey() !== null;
  setApiKey(null);
  if (!hadKey) await api('/session', { method: 'DELETE', quiet401: true }).catch(() => undefined);
  live.stop();
  setAuthState({ status: 'signed-out' });
}
