/**
 * `api()`: fetch for the `/api/v1` routes with the credential attached, JSON in and out, and the
 * API's error body (`{ error: { code, message, details } }`) turned into an `ApiError`. A 401
 * anywhere means the credential is gone or wrong, so it flips the app to the sign-in screen.
 */

import { apiKey, authState, setAuthState } from './auth.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not sign out on 401 (the sign-in check itself). */
  quiet401?: boolean;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'SS_ERR_NETWORK', 'the server cannot be reached');
  }
  const text = await res.text();
  let body: any;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = body?.error ?? {};
    const error = new ApiError(
      res.status,
      e.code ?? `HTTP_${res.status}`,
      e.message ?? res.statusText,
      e.details,
    );
    if (res.status === 401 && !options.quiet401 && authState().status === 'signed-in') {
      setAuthState({ status: 'signed-out', reason: error.message });
    }
    throw error;
  }
  return body as T;
}

/** Encodes one path segment (topic and view names may hold dots and dashes). */
export const seg = encodeURIComponent;
