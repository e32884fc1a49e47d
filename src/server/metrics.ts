/**
 * Prometheus metrics (prom-client) on a registry of this server's own, so several servers in one
 * process (tests) do not share counters. Pipeline counters are read from the apps' task metrics when
 * Prometheus scrapes; they are counters, so they are advanced by the growth since the last scrape.
 */

import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ServerContext } from './context.ts';
import { recordsOut } from './context.ts';
import type { LiveHub } from './live.ts';

/**
 * A counter that follows monotonically growing external totals: at each scrape, `totals()` gives
 * (labels, total) pairs and the counter advances by each one's growth since the last scrape.
 */
function followingCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  totals: () => Iterable<[Record<string, string>, number]>,
): Counter<string> {
  const seen = new Map<string, number>();
  const counter: Counter<string> = new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of totals()) {
        const id = JSON.stringify(labels);
        const delta = total - (seen.get(id) ?? 0);
        if (delta > 0) {
          counter.inc(labels, delta);
          seen.set(id, total);
        }
      }
    },
  });
  return counter;
}

export function createMetrics(
  ctx: ServerContext,
  hub: LiveHub,
): { registry: Registry; httpRequests: Counter<string> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const perPipeline = () => {
    const out = new Map<
      string,
      { app: string; pipeline: string; in: number; out: number; lag: number; wm: number; dead: number }
    >();
    for (const a of ctx.apps) {
      for (const m of a.metrics()) {
        const id = `${a.app.name}/${m.pipeline}`;
        const e = out.get(id) ?? {
          app: a.app.name,
          pipeline: m.pipeline,
          in: 0,
          out: 0,
          lag: 0,
          wm: Number.POSITIVE_INFINITY,
          dead: 0,
        };
        e.in += m.recordsIn;
        e.out += recordsOut(m);
        e.lag += m.lag;
        e.dead += m.deadLetters;
        if (Number.isFinite(m.watermark) && !m.idle) e.wm = Math.min(e.wm, m.watermark);
        out.set(id, e);
      }
    }
    return out;
  };
  const perPipelineTotal = (field: 'in' | 'out' | 'dead') => () =>
    [...perPipeline().values()].map((e): [Record<string, string>, number] => [
      { app: e.app, pipeline: e.pipeline },
      e[field],
    ]);
  const labels = ['app', 'pipeline'];
  followingCounter(
    registry,
    'streamsight_records_in_total',
    'Records read by pipelines from their source topics',
    labels,
    perPipelineTotal('in'),
  );
  followingCounter(
    registry,
    'streamsight_records_out_total',
    'Records emitted by pipelines (to topics, views, sinks and repartitions)',
    labels,
    perPipelineTotal('out'),
  );
  followingCounter(
    registry,
    'streamsight_dead_letters_total',
    'Records sent to dead letters by pipelines since the process started',
    labels,
    perPipelineTotal('dead'),
  );
  const lag = new Gauge({
    name: 'streamsight_consumer_lag',
    help: 'Records behind the end of the inputs, per pipeline',
    labelNames: ['app', 'pipeline'],
    registers: [registry],
    collect() {
      lag.reset();
      for (const e of perPipeline().values()) lag.set({ app: e.app, pipeline: e.pipeline }, e.lag);
    },
  });
  const watermarkDelay = new Gauge({
    name: 'streamsight_watermark_delay_ms',
    help: 'Wall-clock time minus the lowest task watermark, per pipeline',
    labelNames: ['app', 'pipeline'],
    registers: [registry],
    collect() {
      watermarkDelay.reset();
      const now = ctx.now();
      for (const e of perPipeline().values())
        if (Number.isFinite(e.wm))
          watermarkDelay.set({ app: e.app, pipeline: e.pipeline }, Math.max(0, now - e.wm));
    },
  });
  const topicRate = new Gauge({
    name: 'streamsight_topic_records_per_second',
    help: 'Records appended per second over the last 10 s',
    labelNames: ['app', 'topic'],
    registers: [registry],
    collect() {
      topicRate.reset();
      for (const t of ctx.sampledTopics())
        topicRate.set({ app: t.app, topic: t.name }, ctx.rates.rate(`topic:${t.name}`));
    },
  });
  void topicRate;
  const httpRequests = new Counter({
    name: 'streamsight_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const ws = new Gauge({
    name: 'streamsight_ws_clients',
    help: 'Connected WebSocket clients',
    registers: [registry],
    collect() {
      ws.set(hub.stats.clients);
    },
  });
  const subs = new Gauge({
    name: 'streamsight_ws_subscriptions',
    help: 'Live channel subscriptions',
    registers: [registry],
    collect() {
      subs.set(hub.stats.subscriptions);
    },
  });
  followingCounter(
    registry,
    'streamsight_ws_slow_disconnects_total',
    'WebSocket clients disconnected (1013) for reading too slowly',
    [],
    () => [[{}, hub.stats.slowDisconnects]],
  );
  followingCounter(
    registry,
    'streamsight_ws_coalesced_rows_total',
    'Live rows replaced by a newer version of the same view_key before being sent',
    [],
    () => [[{}, hub.stats.coalescedRows]],
  );
  return { registry, httpRequests };
}

/** `/metrics` and `/healthz`, plus the request counter. */
export function registerOpsRoutes(fastify: FastifyInstance, ctx: ServerContext, hub: LiveHub): void {
  const { registry, httpRequests } = createMetrics(ctx, hub);
  fastify.addHook('onResponse', async (request, reply) => {
    httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  fastify.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  fastify.get('/healthz', { config: { access: 'public' } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000))),
        ]);
        checks[name] = 'ok';
      } catch (err) {
        checks[name] = `down: ${(err as Error).message}`;
      } finally {
        clearTimeout(timer);
      }
    };
    await probe('log', () => ctx.log.listTopics());
    if (ctx.viewStore) await probe('views', () => ctx.viewStore!.listViews());
    const ok = Object.values(checks).every((c) => c === 'ok');
    for (const [app, status] of ctx.status) checks[`app:${app}`] = status;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'down', checks });
  });
}
