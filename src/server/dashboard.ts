/**
 * The built dashboard (`dashboard/dist`, made by `npm run build`) at `/`, with a single-page-app
 * fallback: any GET outside `/api` that is not a file answers `index.html`, so deep links such as
 * `/apps/nexmark/overview` load the app, which then routes on the client.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import { errorBody } from './http-errors.ts';

/** The repository's `dashboard/dist`. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Streamsight</title>
<body style="font-family:system-ui;max-width:40em;margin:4em auto">
<h1>Streamsight is running</h1>
<p>The dashboard is not built yet. Run <code>npm run build</code> in the repository, then reload this page.</p>
<p>The API is up: <a href="/healthz">/healthz</a>, <a href="/metrics">/metrics</a>, <code>/api/v1/...</code> (docs/api.md).</p>`;

export async function registerDashboard(fastify: FastifyInstance, dir: string | false): Promise<void> {
  const built = dir !== false && existsSync(join(dir, 'index.html'));
  if (built) {
    await fastify.register(fastifyStatic, { root: dir, index: ['index.html'], wildcard: true });
  } else {
    fastify.get('/', { config: { access: 'public' } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
  }
  fastify.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    if (built && (request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return reply
      .code(404)
      .send(errorBody(new StreamsightError('SS_ERR_INVALID_ARGUMENT', `no route ${request.method} ${path}`)));
  });
}
