/**
 * Apps, pipelines and the overview (docs/api.md): what runs, how fast, how far behind. Task numbers
 * come from `metrics()` of each running app; the operator graph from the app's plan.
 */

import type { FastifyInstance } from 'fastify';
import type { App } from '../dataflow/app.ts';
import { inputsOf, type PlanNode } from '../dataflow/plan.ts';
import type { TaskMetrics } from '../dataflow/task.ts';
import { principalOf } from './auth.ts';
import { recordsOut, type ServerContext } from './context.ts';
import { canReadApp, canReadSomething, viewAccess } from './scopes.ts';

/** Percentile of a list of numbers (nearest rank); null for an empty list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const finite = (n: number) => (Number.isFinite(n) ? n : null);

function label(node: PlanNode): string {
  switch (node.kind) {
    case 'source':
    case 'to':
      return node.topic.name;
    case 'sink':
      return node.name;
    case 'lookup':
      return `lookup ${node.table.name}`;
    case 'window':
      return node.window.kind === 'session'
        ? `session ${node.window.gap} ms`
        : `${node.window.kind} ${node.window.size} ms${node.window.kind === 'hopping' ? ` every ${node.window.every} ms` : ''}`;
    case 'topK':
      return `top ${node.n}`;
    default:
      return node.kind;
  }
}

/** The operator graph of one pipeline: every plan node reachable from its terminals. */
export function pipelineGraph(app: App, name: string) {
  const pipeline = app.pipelines.find((p) => p.name === name);
  const nodes: Array<{ id: string; kind: string; label: string }> = [];
  const edges: Array<{ from: string; to: string }> = [];
  const seen = new Set<PlanNode>();
  const visit = (n: PlanNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const i of inputsOf(n)) {
      visit(i);
      edges.push({ from: i.id, to: n.id });
    }
    nodes.push({ id: n.id, kind: n.kind, label: label(n) });
  };
  for (const t of pipeline?.terminals ?? []) visit(t);
  return { nodes, edges };
}

function taskJson(m: TaskMetrics, now: number) {
  return {
    stage: m.stage,
    partition: m.partition,
    recordsIn: m.recordsIn + m.repartitionIn,
    recordsOut: recordsOut(m),
    deadLetters: m.deadLetters,
    lateRecords: m.lateRecords,
    lag: m.lag,
    watermark: finite(m.watermark),
    watermarkDelayMs: Number.isFinite(m.watermark) ? Math.max(0, now - m.watermark) : null,
    idle: m.idle,
    latencyP50Ms: percentile(m.batchMs, 50),
    latencyP99Ms: percentile(m.batchMs, 99),
    operators: m.operators.map((o) => ({
      id: o.id,
      kind: o.kind,
      recordsIn: o.recordsIn,
      recordsOut: o.recordsOut,
    })),
  };
}

export function registerAppRoutes(fastify: FastifyInstance, ctx: ServerContext): void {
  fastify.get(
    '/api/v1/apps',
    { config: { access: (s) => canReadSomething(s) || 'read:<app>/<view>' } },
    async (request) => {
      const scopes = principalOf(request).scopes;
      const apps = [];
      for (const { app } of ctx.apps) {
        if (!canReadSomething(scopes, app.name)) continue;
        const views = [...app.views.keys()].filter((v) => viewAccess(scopes, app.name, v).kind !== 'none');
        apps.push({
          name: app.name,
          topics: canReadApp(scopes, app.name) ? [...app.topics.keys()] : [],
          views,
          pages: app.pages,
        });
      }
      return { apps };
    },
  );

  fastify.get(
    '/api/v1/pipelines',
    { config: { access: (s) => canReadSomething(s) || 'read:<app>/*' } },
    async (request) => {
      const scopes = principalOf(request).scopes;
      const now = ctx.now();
      const pipelines = [];
      for (const a of ctx.apps) {
        if (!canReadApp(scopes, a.app.name)) continue;
        const metrics = a.metrics();
        for (const p of a.app.pipelines) {
          const tasks = metrics.filter((m) => m.pipeline === p.name);
          const id = `${a.app.name}/${p.name}`;
          pipelines.push({
            app: a.app.name,
            name: p.name,
            status: ctx.status.get(a.app.name) ?? 'running',
            eventsInPerSec: Math.round(ctx.rates.rate(`in:${id}`)),
            eventsOutPerSec: Math.round(ctx.rates.rate(`out:${id}`)),
            tasks: tasks.map((m) => taskJson(m, now)),
            graph: pipelineGraph(a.app, p.name),
          });
        }
      }
      return { pipelines };
    },
  );

  fastify.get(
    '/api/v1/overview',
    { config: { access: (s) => canReadSomething(s) || 'read:<app>/*' } },
    async (request) => {
      const scopes = principalOf(request).scopes;
      const now = ctx.now();
      let eventsIn = 0;
      let eventsOut = 0;
      let lag = 0;
      let deadLetters = 0;
      let minWatermark = Number.POSITIVE_INFINITY;
      const batchMs: number[] = [];
      const apps: string[] = [];
      for (const a of ctx.apps) {
        if (!canReadApp(scopes, a.app.name)) continue;
        apps.push(a.app.name);
        for (const p of a.app.pipelines) {
          eventsIn += ctx.rates.rate(`in:${a.app.name}/${p.name}`);
          eventsOut += ctx.rates.rate(`out:${a.app.name}/${p.name}`);
        }
        for (const m of a.metrics()) {
          lag += m.lag;
          if (Number.isFinite(m.watermark) && !m.idle) minWatermark = Math.min(minWatermark, m.watermark);
          batchMs.push(...m.batchMs);
        }
        deadLetters += ctx.rates.latest(`topic:${a.app.deadLetterTopic.name}`) ?? 0;
      }
      return {
        apps,
        eventsInPerSec: Math.round(eventsIn),
        eventsOutPerSec: Math.round(eventsOut),
        lag,
        latencyP50Ms: percentile(batchMs, 50),
        latencyP99Ms: percentile(batchMs, 99),
        watermarkDelayMs: Number.isFinite(minWatermark) ? Math.max(0, now - minWatermark) : null,
        deadLetters,
        uptimeSec: Math.round((now - ctx.startedAt) / 1000),
      };
    },
  );
}
