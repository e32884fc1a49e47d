/**
 * Sessions (web UI login) and the admin routes for API keys and users (docs/api.md).
 */

import type { FastifyInstance } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import { principalOf, SESSION_COOKIE } from './auth.ts';
import type { ServerContext } from './context.ts';
import { httpError } from './http-errors.ts';
import { formatScope } from './scopes.ts';

const credentials = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const scopes = { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 500 } } as const;

export function registerAccountRoutes(fastify: FastifyInstance, ctx: ServerContext): void {
  const secureCookie = (req: { protocol: string }) => req.protocol === 'https';

  fastify.post<{ Body: { username: string; password: string } }>(
    '/api/v1/session',
    { config: { access: 'public' }, schema: { body: credentials } },
    async (request, reply) => {
      const { username, password } = request.body;
      const opened = await ctx.auth.login(username, password);
      if (!opened) throw new StreamsightError('SS_ERR_UNAUTHORIZED', 'wrong username or password');
      reply.setCookie(SESSION_COOKIE, opened.session, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookie(request),
        expires: new Date(opened.expiresAt),
      });
      const principal = ctx.auth.verifySession(opened.session)!;
      return { user: username, scopes: principal.scopes.map(formatScope) };
    },
  );

  fastify.get('/api/v1/session', { config: { access: 'public' } }, async (request) => {
    const p = request.principal;
    if (!p) throw new StreamsightError('SS_ERR_UNAUTHORIZED', 'no session');
    return { user: p.name, kind: p.kind, scopes: p.scopes.map(formatScope) };
  });

  fastify.delete('/api/v1/session', { config: { access: 'public' } }, async (request, reply) => {
    const session = request.cookies[SESSION_COOKIE];
    if (session) await ctx.auth.logout(session);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  fastify.post<{ Body: { name: string; scopes: string[] } }>(
    '/api/v1/keys',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'scopes'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, scopes },
        },
      },
    },
    async (request, reply) => {
      const created = await ctx.auth.createKey(request.body.name, request.body.scopes);
      request.log.info({ key: created.id, by: principalOf(request).id }, 'API key created');
      return reply.code(201).send(created);
    },
  );

  fastify.get('/api/v1/keys', async () => ({ keys: ctx.auth.listKeys() }));

  fastify.delete<{ Params: { id: string } }>('/api/v1/keys/:id', async (request, reply) => {
    if (!(await ctx.auth.deleteKey(request.params.id)))
      throw httpError('SS_ERR_INVALID_ARGUMENT', 404, `no key ${request.params.id}`);
    return reply.code(204).send();
  });

  fastify.post<{ Body: { username: string; password: string; scopes: string[] } }>(
    '/api/v1/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password', 'scopes'],
          additionalProperties: false,
          properties: { ...credentials.properties, scopes },
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const created = await ctx.auth.createUser(username, password, request.body.scopes);
      return reply.code(201).send(created);
    },
  );
}
