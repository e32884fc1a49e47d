/**
 * A real server over a real stack for the server tests: an embedded log in a temp folder, the shop
 * app running on it, a DuckDB view store with the materializer, an auth store, and keys for the
 * scopes the tests need.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../src/dataflow/app.ts';
import { type RunningApp, runApp } from '../../src/dataflow/runtime.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import type { Log } from '../../src/log/log.ts';
import { type AuthStore, openAuthStore } from '../../src/server/auth-store.ts';
import type { ServerOptions } from '../../src/server/context.ts';
import { createServer } from '../../src/server/server.ts';
import { openDuckDbViewStore } from '../../src/views/duckdb-view-store.ts';
import { type Materializer, materializeViews } from '../../src/views/materialize.ts';
import type { ViewStore } from '../../src/views/view-store.ts';
import shop from './fixtures/shop-app.ts';

export interface Harness {
  dir: string;
  log: Log;
  app: App;
  running: RunningApp;
  store: ViewStore;
  materializer: Materializer;
  auth: AuthStore;
  server: FastifyInstance;
  /** Bearer header values by role. */
  keys: Record<'admin' | 'produce' | 'read' | 'readOne' | 'ann' | 'wrong', string>;
  close(): Promise<void>;
}

export async function startHarness(options: { limits?: ServerOptions['limits'] } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-server-'));
  const log = await openEmbeddedLog({ path: join(dir, 'log') });
  const store = await openDuckDbViewStore({ path: join(dir, 'views.duckdb'), threads: 1 });
  const materializer = await materializeViews(shop, store, { log, flushIntervalMs: 20 });
  const running = await runApp(shop, { log });
  const auth = openAuthStore({ path: join(dir, 'auth') });
  const server = await createServer({
    log,
    apps: [running],
    viewStore: store,
    materializers: { shop: materializer },
    authStore: auth,
    staticDir: false,
    limits: options.limits,
  });
  const key = async (scopes: string[]) => `Bearer ${(await auth.createKey('test', scopes)).key}`;
  const keys = {
    admin: await key(['admin']),
    produce: await key(['produce:shop/orders', 'produce:shop/clicks']),
    read: await key(['read:shop/*']),
    readOne: await key(['read:shop/last-order']),
    ann: await key(['read:shop/last-order@ann']),
    wrong: await key(['produce:other/orders', 'read:other/*']),
  };
  return {
    dir,
    log,
    app: shop,
    running,
    store,
    materializer,
    auth,
    server,
    keys,
    async close() {
      await server.close();
      await running.stop();
      await materializer.close();
      await store.close();
      await auth.close();
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
