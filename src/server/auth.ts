/**
 * Authentication and authorisation of every request, in one `onRequest` hook so nothing runs — not
 * even body parsing — for a request without a valid credential.
 *
 * A route declares its access in `config.access`: `'public'` (health, metrics, login, the
 * dashboard), `'any'` (any valid credential; the handler filters what it returns), or a check
 * `(scopes, request) => true | '<missing scope>'` that sees the URL parameters. Credentials: an
 * `Authorization: Bearer ss_...` key, the `ss_session` cookie, or — for the WebSocket route only,
 * since browsers cannot set headers on a WebSocket — a `?key=` query parameter.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import type { AuthStore, Principal } from './auth-store.ts';
import type { Scope } from './scopes.ts';

export const SESSION_COOKIE = 'ss_session';

export type AccessCheck = (scopes: readonly Scope[], request: FastifyRequest) => true | string;
export type Access = 'public' | 'any' | AccessCheck;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The credential's principal, or null when the request carries none (or a wrong one). */
export function authenticate(
  request: FastifyRequest,
  auth: AuthStore,
  allowQueryKey: boolean,
): Principal | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer '))
    return auth.verifyKey(header.slice(7).trim()) ?? null;
  if (allowQueryKey) {
    const key = (request.query as { key?: unknown } | undefined)?.key;
    if (typeof key === 'string') return auth.verifyKey(key) ?? null;
  }
  const session = request.cookies?.[SESSION_COOKIE];
  if (typeof session === 'string') return auth.verifySession(session) ?? null;
  return null;
}

/** The `onRequest` hook enforcing `config.access` (routes without one are treated as needing admin). */
export function accessHook(auth: AuthStore) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.principal = null;
    const access: Access | undefined = request.routeOptions.config?.access;
    // Everything outside /api (health, metrics, the dashboard's files and its SPA fallback) is public.
    if (access === 'public' || !(request.routeOptions.url ?? request.url).startsWith('/api/')) {
      // Public routes still learn who calls (GET /session, the dashboard), but never fail on it.
      request.principal = authenticate(request, auth, false);
      return;
    }
    // No route matched (404s) and routes without a declared access need a credential too.
    const principal = authenticate(request, auth, request.routeOptions.url === '/api/v1/live');
    if (!principal)
      throw new StreamsightError('SS_ERR_UNAUTHORIZED', 'a valid API key or session is required');
    request.principal = principal;
    if (access === 'any') return;
    const verdict = access
      ? access(principal.scopes, request)
      : principal.scopes.some((s) => s.kind === 'admin') || 'admin';
    if (verdict !== true)
      throw new StreamsightError(
        'SS_ERR_FORBIDDEN',
        `${principal.kind} ${principal.name} lacks scope ${verdict}`,
        {
          details: { scope: verdict },
        },
      );
  };
}

/** The principal of an authenticated request (routes behind the access hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new StreamsightError('SS_ERR_UNAUTHORIZED', 'a valid API key or session is required');
  return request.principal;
}
