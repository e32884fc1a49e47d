/**
 * The Streamsight server (Fastify 5): ingest, topics, pipelines, views, SQL, live channels, auth,
 * metrics, health and the dashboard. The HTTP and WebSocket contract is docs/api.md.
 *
 * Request flow: the `onRequest` access hook authenticates (bearer key, session cookie) and checks the
 * route's scope before the body is read; the per-credential rate limit runs next; then the body is
 * parsed under the route's size limit; errors of every stage leave through one handler that answers
 * `{ error: { code, message, details } }` with an `SS_ERR_*` code.
 */

import { chmod, rm, writeFile } from 'node:fs/promises';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAppRoutes } from './app-routes.ts';
import { accessHook } from './auth.ts';
import { ServerContext, type ServerOptions } from './context.ts';
import { DEFAULT_DASHBOARD_DIR, registerDashboard } from './dashboard.ts';
import { errorBody, handleError } from './http-errors.ts';
import { LiveHub, registerLiveRoute } from './live.ts';
import { registerOpsRoutes } from './metrics.ts';
import { registerTopicRoutes } from './topic-routes.ts';
import { registerViewRoutes } from './view-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    streamsight: { ctx: ServerContext; hub: LiveHub; routes: Array<{ method: string; url: string }> };
  }
}

/**
 * Builds the server (not listening yet: use `listen`, `inject`, or `startServer`).
 *
 * @example
 * const auth = openAuthStore({ path: '.streamsight/auth' });
 * const server = await createServer({ log, apps: [running], viewStore, materializers: { nexmark: m }, authStore: auth });
 * const res = await server.inject({ method: 'GET', url: '/healthz' });
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const ctx = new ServerContext(options);
  const logger = options.logger ?? false;
  const fastify = Fastify({
    ...(typeof logger === 'object' ? { loggerInstance: logger } : { logger }),
    bodyLimit: ctx.limits.bodyBytes,
    // Keys and sessions are per request; a proxy in front is not assumed.
    trustProxy: false,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  const hub = new LiveHub(ctx);
  const routes: Array<{ method: string; url: string }> = [];
  fastify.decorate('streamsight', { ctx, hub, routes });
  fastify.decorateRequest('principal', null);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD' && route.url.startsWith('/')) routes.push({ method, url: route.url });
  });
  fastify.setErrorHandler(handleError);
  await fastify.register(fastifyCookie);
  fastify.addHook('onRequest', accessHook(ctx.auth));
  await fastify.register(fastifyRateLimit, {
    global: false,
    keyGenerator: (req) => (req.principal ? `${req.principal.kind}:${req.principal.id}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, context) => {
      const err = new StreamsightError(
        'SS_ERR_RATE_LIMITED',
        `rate limit of ${context.max} requests per ${context.after} exceeded`,
        {
          retriable: true,
        },
      );
      return Object.assign(errorBody(err), { statusCode: 429 });
    },
  });
  await fastify.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await fastify.register(async (api) => {
    registerAccountRoutes(api, ctx);
    registerTopicRoutes(api, ctx);
    registerAppRoutes(api, ctx);
    registerViewRoutes(api, ctx);
    registerLiveRoute(api, hub, ctx.auth);
    registerOpsRoutes(api, ctx, hub);
  });
  // A refused WebSocket upgrade (401, 404...) is answered over the raw socket, which the HTTP server
  // no longer tracks: end it, or it lingers (and holds `close()`) until the client gives up.
  fastify.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade && reply.statusCode !== 101 && !request.raw.socket.destroyed)
      request.raw.socket.end();
  });
  await registerDashboard(fastify, options.staticDir ?? DEFAULT_DASHBOARD_DIR);
  fastify.addHook('preClose', async () => {
    hub.closeAll();
    // A client that does not answer the close handshake must not hold the shutdown for ws's 30 s.
    await new Promise((r) => setTimeout(r, fastify.websocketServer.clients.size > 0 ? 200 : 0));
    for (const socket of fastify.websocketServer.clients) socket.terminate();
  });
  fastify.addHook('onClose', async () => {
    await ctx.stopSampling();
  });
  await ctx.startSampling();
  return fastify;
}

export interface StartServerOptions extends ServerOptions {
  /** Port (default 4800; 0 picks a free one). */
  port?: number;
  /** Interface (default 127.0.0.1: loopback only). */
  host?: string;
  /**
   * Write `{ url, key }` here (mode 0600) once listening, and remove it on close: how local tools
   * (`streamsight query`, tests) find the server. The key is a generated admin key, replaced at
   * every start.
   */
  infoFile?: string;
}

export interface StartedServer {
  fastify: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The generated admin key (dev mode or with `infoFile`). */
  adminKey: string | undefined;
  /** Stops listening, closes live channels, removes the info file. Idempotent. */
  close(): Promise<void>;
}

/** The name of the admin key `startServer` generates (and replaces at each start). */
export const LOCAL_ADMIN_KEY_NAME = 'local-admin';

/**
 * Creates the server and listens on loopback.
 *
 * @example
 * const server = await startServer({ log, apps, viewStore, authStore, dev: true, port: 0 });
 * console.log(`dashboard: ${server.url}  admin key: ${server.adminKey}`);
 * process.on('SIGTERM', () => server.close());
 */
export async function startServer(options: StartServerOptions): Promise<StartedServer> {
  const port = options.port ?? 4800;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `port must be an integer in 0..65535, got ${port}`);
  const host = options.host ?? '127.0.0.1';
  let adminKey: string | undefined;
  if (options.dev || options.infoFile) {
    await options.authStore.deleteKeysNamed(LOCAL_ADMIN_KEY_NAME);
    adminKey = (await options.authStore.createKey(LOCAL_ADMIN_KEY_NAME, ['admin'])).key;
  }
  const fastify = await createServer(options);
  try {
    await fastify.listen({ port, host });
  } catch (cause) {
    await fastify.close();
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `cannot listen on ${host}:${port}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const address = fastify.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  if (options.infoFile) {
    await writeFile(options.infoFile, `${JSON.stringify({ url, key: adminKey, pid: process.pid })}\n`, {
      mode: 0o600,
    });
    await chmod(options.infoFile, 0o600); // an existing file keeps its mode on write
  }
  let closing: Promise<void> | undefined;
  return {
    fastify,
    url,
    port: actual,
    adminKey,
    close() {
      closing ??= (async () => {
        if (options.infoFile) await rm(options.infoFile, { force: true });
        await fastify.close();
      })();
      return closing;
    },
  };
}
