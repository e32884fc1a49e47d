/**
 * Views and SQL (docs/api.md): the view list, a view's page with filters and paging, and read-only
 * SQL for batch analytics. Reads go to the view store; a per-user scope (`read:<app>/<view>@<user>`)
 * forces `where.key = <user>` whatever the client asks.
 */

import type { FastifyInstance } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import { checkReadOnlySql } from '../views/sql-guard.ts';
import type { ColumnType, ViewQuery } from '../views/view-store.ts';
import { principalOf } from './auth.ts';
import type { ServerContext } from './context.ts';
import { canReadApp, canReadSomething, isAdmin, viewAccess } from './scopes.ts';

/** Converts a query-string value to the column's type (unknown columns stay text; the store rejects them). */
export function typedValue(text: string, type: ColumnType | undefined): string | number | boolean {
  if ((type === 'bigint' || type === 'double') && text.trim() !== '' && Number.isFinite(Number(text)))
    return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

const int = (v: unknown, name: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v) || n < min || n > max)
    throw new StreamsightError('SS_ERR_INVALID_QUERY', `${name} must be an integer in ${min}..${max}`);
  return n;
};

export function registerViewRoutes(fastify: FastifyInstance, ctx: ServerContext): void {
  /** The app's declared view, or 404. */
  const declared = (app: string, view: string) => {
    const a = ctx.appsByName.get(app);
    if (!a?.app.views.has(view))
      throw new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `no view ${app}/${view}`, {
        details: { app, view },
      });
  };

  fastify.get(
    '/api/v1/views',
    { config: { access: (s) => canReadSomething(s) || 'read:<app>/<view>' } },
    async (request) => {
      const scopes = principalOf(request).scopes;
      const views = await ctx.store().listViews();
      return { views: views.filter((v) => viewAccess(scopes, v.app, v.name).kind !== 'none') };
    },
  );

  fastify.get<{ Params: { app: string; view: string }; Querystring: Record<string, string | string[]> }>(
    '/api/v1/views/:app/:view',
    {
      config: {
        access: (scopes, req) => {
          const { app, view } = req.params as { app: string; view: string };
          return viewAccess(scopes, app, view).kind !== 'none' || `read:${app}/${view}`;
        },
      },
    },
    async (request) => {
      const { app, view } = request.params;
      declared(app, view);
      const access = viewAccess(principalOf(request).scopes, app, view);
      const store = ctx.store();
      const info = (await store.listViews(app)).find((v) => v.name === view);
      const types = new Map<string, ColumnType>(info?.columns.map((c) => [c.name, c.type]) ?? []);
      const q = request.query;
      const query: ViewQuery = { where: {} };
      for (const [name, raw] of Object.entries(q)) {
        const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
        if (name.startsWith('where.')) {
          const column = name.slice(6);
          query.where![column] = typedValue(value, types.get(column));
        } else if (name === 'from' || name === 'to') query[name] = int(value, name, -(2 ** 52), 2 ** 52);
        else if (name === 'limit') query.limit = int(value, name, 1, 10_000);
        else if (name === 'offset') query.offset = int(value, name, 0, 2 ** 52);
        else if (name === 'orderBy') query.orderBy = value;
        else if (name === 'desc') query.desc = value === 'true' || value === '1';
        else if (name !== 'key')
          throw new StreamsightError(
            'SS_ERR_INVALID_QUERY',
            `unknown query parameter ${JSON.stringify(name)}`,
          );
      }
      if (access.kind === 'user') query.where!.key = typedValue(access.user, types.get('key'));
      if (!info) {
        // Declared but not written yet: an empty page rather than an error, so dashboards just wait.
        return { columns: [], rows: [], total: 0 };
      }
      return store.read(app, view, query);
    },
  );

  fastify.post<{ Body: { sql: string; params?: (string | number | boolean | null)[]; app?: string } }>(
    '/api/v1/query',
    {
      config: { access: 'any' },
      schema: {
        body: {
          type: 'object',
          required: ['sql'],
          additionalProperties: false,
          properties: {
            sql: { type: 'string', minLength: 1, maxLength: 100_000 },
            params: {
              type: 'array',
              maxItems: 1000,
              items: {
                anyOf: [
                  { type: 'string', maxLength: 100_000 },
                  { type: 'number' },
                  { type: 'boolean' },
                  { type: 'null' },
                ],
              },
            },
            app: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const { sql, params = [], app } = request.body;
      const p = principalOf(request);
      // The body names the app, so the scope is checked here rather than before parsing.
      const allowed = app === undefined ? isAdmin(p.scopes) : canReadApp(p.scopes, app);
      if (!allowed)
        throw new StreamsightError(
          'SS_ERR_FORBIDDEN',
          `${p.kind} ${p.name} lacks scope ${app === undefined ? 'admin' : `read:${app}/*`}`,
        );
      if (app !== undefined) ctx.app(app);
      // First gate here (cheap, before touching the store); the store applies its own layers again.
      checkReadOnlySql(sql);
      const store = ctx.store();
      const timeoutMs = ctx.limits.queryTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        // A backstop a little after the store's own cancellation, should a store not honour it.
        timer = setTimeout(
          () => reject(new StreamsightError('SS_ERR_QUERY_TIMEOUT', `the query ran past ${timeoutMs} ms`)),
          timeoutMs + 1000,
        );
      });
      try {
        return await Promise.race([
          store.query(sql, { params, app, maxRows: ctx.limits.queryMaxRows, timeoutMs }),
          deadline,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
