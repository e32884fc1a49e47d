/**
 * What the server serves, resolved once from `createServer`'s options: the running apps, an index
 * of their topics and views, the stores, the limits, and a sampler that turns counters (topic end
 * offsets, pipeline record counts) into per-second rates every second.
 */

import type { FastifyBaseLogger } from 'fastify';
import type { App } from '../dataflow/app.ts';
import type { TopicDef } from '../dataflow/plan.ts';
import type { TaskMetrics } from '../dataflow/task.ts';
import { StreamsightError } from '../errors/index.ts';
import type { Log, PartitionInfo } from '../log/log.ts';
import type { ViewStore } from '../views/view-store.ts';
import type { AuthStore } from './auth-store.ts';
import { RateWindow } from './rates.ts';

/** A running app as the server sees it (`RunningApp` fits). */
export interface ServerApp {
  readonly app: App;
  metrics(): TaskMetrics[];
  /** Settles when the app stops; a rejection marks its pipelines failed. */
  readonly done?: Promise<void>;
}

/** Live rows of an app's views (`materializeViews` fits): stored rows, with `view_key`, as upserted. */
export interface LiveFeed {
  subscribe(view: string, listener: (rows: Record<string, unknown>[]) => void): () => void;
}

export interface LiveLimits {
  /** Coalesce deltas per view_key while the socket buffers more than this (default 1 MiB). */
  coalesceBytes: number;
  /** Close the socket (1013) when it buffers more than this (default 8 MiB). */
  maxBufferedBytes: number;
  /** Close the socket (1013) when more than this many coalesced rows wait (default 50,000). */
  maxPendingRows: number;
  /** Rows in a snapshot (default 1,000). */
  snapshotRows: number;
  /** Channels one socket may follow (default 100). */
  maxSubscriptions: number;
}

export interface ServerLimits {
  /** Body limit of the ingest route (default 8 MiB). */
  ingestBodyBytes: number;
  /** Body limit of every other route (default 1 MiB). */
  bodyBytes: number;
  /** Requests per credential (or per IP without one) per `rateWindowMs` (default 1,000 per second). */
  rateMax: number;
  rateWindowMs: number;
  /** SQL: time limit (default 5 s) and row limit (default 10,000). */
  queryTimeoutMs: number;
  queryMaxRows: number;
  live: LiveLimits;
}

export interface ServerOptions {
  /** The log the apps run on: ingest appends here, topics and dead letters are read from here. */
  log: Log;
  apps: ServerApp[];
  /** Where views are read and SQL runs; without one, view and query routes answer 503. */
  viewStore?: ViewStore;
  /** Live view rows per app name. */
  materializers?: Map<string, LiveFeed> | Record<string, LiveFeed>;
  authStore: AuthStore;
  /** Dev mode: relaxed logging; `startServer` then creates an admin key and prints it. */
  dev?: boolean;
  /** Built dashboard (default `dashboard/dist` of the repository); false serves no dashboard. */
  staticDir?: string | false;
  /** A pino logger instance, `true` for the default JSON logger, `false` (default) for none. */
  logger?: FastifyBaseLogger | boolean;
  limits?: Partial<Omit<ServerLimits, 'live'>> & { live?: Partial<LiveLimits> };
  now?: () => number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  ingestBodyBytes: 8 * 1024 * 1024,
  bodyBytes: 1024 * 1024,
  rateMax: 1000,
  rateWindowMs: 1000,
  queryTimeoutMs: 5000,
  queryMaxRows: 10_000,
  live: {
    coalesceBytes: 1024 * 1024,
    maxBufferedBytes: 8 * 1024 * 1024,
    maxPendingRows: 50_000,
    snapshotRows: 1000,
    maxSubscriptions: 100,
  },
};

export interface TopicEntry {
  app: string;
  def: TopicDef;
}

type Status = 'running' | 'stopped' | 'failed';

/** The server's view of everything it serves. */
export class ServerContext {
  readonly log: Log;
  readonly apps: ServerApp[];
  readonly appsByName = new Map<string, ServerApp>();
  /** Declared topics by full log name. */
  readonly topics = new Map<string, TopicEntry>();
  readonly viewStore: ViewStore | undefined;
  readonly feeds = new Map<string, LiveFeed>();
  readonly auth: AuthStore;
  readonly limits: ServerLimits;
  readonly now: () => number;
  readonly startedAt: number;
  readonly status = new Map<string, Status>();
  readonly rates = new RateWindow(10_000);
  /** Latest sampled partitions of every served topic. */
  readonly partitions = new Map<string, PartitionInfo[]>();
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    this.log = options.log;
    this.apps = options.apps;
    this.viewStore = options.viewStore;
    this.auth = options.authStore;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    const l = options.limits ?? {};
    this.limits = { ...DEFAULT_LIMITS, ...l, live: { ...DEFAULT_LIMITS.live, ...l.live } };
    for (const [k, v] of Object.entries(this.limits)) {
      if (k !== 'live' && !(typeof v === 'number' && v > 0))
        throw new StreamsightError('SS_ERR_INVALID_OPTION', `server limits.${k} must be a positive number`);
    }
    for (const [k, v] of Object.entries(this.limits.live)) {
      if (!(typeof v === 'number' && v > 0))
        throw new StreamsightError(
          'SS_ERR_INVALID_OPTION',
          `server limits.live.${k} must be a positive number`,
        );
    }
    for (const a of options.apps) {
      if (this.appsByName.has(a.app.name))
        throw new StreamsightError('SS_ERR_INVALID_OPTION', `app ${a.app.name} is served twice`);
      this.appsByName.set(a.app.name, a);
      this.status.set(a.app.name, 'running');
      a.done?.then(
        () => this.status.set(a.app.name, 'stopped'),
        () => this.status.set(a.app.name, 'failed'),
      );
      for (const def of a.app.topics.values()) this.topics.set(def.name, { app: a.app.name, def });
    }
    const feeds = options.materializers;
    if (feeds)
      for (const [app, feed] of feeds instanceof Map ? feeds : Object.entries(feeds))
        this.feeds.set(app, feed);
  }

  /** The app owning a declared topic; 404 SS_ERR_TOPIC_NOT_FOUND otherwise. */
  topic(name: string): TopicEntry {
    const t = this.topics.get(name);
    if (!t)
      throw new StreamsightError('SS_ERR_TOPIC_NOT_FOUND', `no served app declares topic ${name}`, {
        details: { topic: name },
      });
    return t;
  }

  app(name: string): ServerApp {
    const a = this.appsByName.get(name);
    if (!a)
      throw new StreamsightError('SS_ERR_APP_NOT_FOUND', `no served app is named ${name}`, {
        details: { app: name },
      });
    return a;
  }

  /** The view store, or 503 when the server has none. */
  store(): ViewStore {
    if (!this.viewStore) throw new StreamsightError('SS_ERR_CLOSED', 'this server has no view store');
    return this.viewStore;
  }

  /** Topics whose end offsets are sampled: every declared topic and every app's dead letters. */
  sampledTopics(): Array<{ app: string; name: string }> {
    const out: Array<{ app: string; name: string }> = [];
    for (const [name, t] of this.topics) out.push({ app: t.app, name });
    for (const a of this.apps) out.push({ app: a.app.name, name: a.app.deadLetterTopic.name });
    return out;
  }

  /** Samples once now, then every `intervalMs`. */
  async startSampling(intervalMs = 1000): Promise<void> {
    await this.sample();
    this.#timer = setInterval(() => void this.sample(), intervalMs);
    this.#timer.unref();
  }

  stopSampling(): Promise<void> {
    clearInterval(this.#timer);
    return this.#sampling ?? Promise.resolve();
  }

  /** One sample of every counter; overlapping calls share one. */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample().finally(() => (this.#sampling = undefined));
    return this.#sampling;
  }

  async #sample(): Promise<void> {
    const values = new Map<string, number>();
    let described: Awaited<ReturnType<Log['listTopics']>> = [];
    try {
      described = await this.log.listTopics();
    } catch {
      return; // the log is closing or down; /healthz reports it
    }
    const wanted = new Set(this.sampledTopics().map((t) => t.name));
    for (const d of described) {
      if (!wanted.has(d.name)) continue;
      this.partitions.set(d.name, d.partitions);
      values.set(
        `topic:${d.name}`,
        d.partitions.reduce((n, p) => n + p.endOffset, 0),
      );
    }
    for (const a of this.apps) {
      let metrics: TaskMetrics[] = [];
      try {
        metrics = a.metrics();
      } catch {
        continue;
      }
      for (const m of metrics) {
        const id = `${a.app.name}/${m.pipeline}`;
        values.set(`in:${id}`, (values.get(`in:${id}`) ?? 0) + m.recordsIn);
        values.set(`out:${id}`, (values.get(`out:${id}`) ?? 0) + recordsOut(m));
      }
    }
    this.rates.add(this.now(), values);
  }
}

/** Records a task emitted: what its terminal operators (to, sink, repartition writers) passed on. */
export function recordsOut(m: TaskMetrics): number {
  let n = 0;
  for (const op of m.operators) if (/^(to|sink)-|-writer$|-pre-aggregate$/.test(op.id)) n += op.recordsOut;
  return n;
}
