/**
 * Apps: a named bundle of topics, tables and pipelines, defined in TypeScript with `defineApp`.
 * Definition only builds the plan; `startApp` (runtime.ts) runs it.
 */

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { StreamsightError } from '../errors/index.ts';
import { type Codec, type CodecName, type Key, resolveCodec } from './codec.ts';
import { type Duration, toMillis } from './duration.ts';
import { checkPage, type PageDefinition } from './page.ts';
import type { PipelineDef, PlanNode, TopicDef } from './plan.ts';
import { MemoryView } from './sink.ts';
import { KeyedStream, type PipelineScope, Stream, type Table, type Topic } from './stream.ts';

export interface TopicOptions<T> {
  /** Number of partitions (default 4): the unit of parallelism. */
  partitions?: number;
  /** Any Standard Schema validator (zod, valibot, arktype); failing records become dead letters. */
  schema?: StandardSchemaV1<unknown, T>;
  /** Value codec (default 'json'). */
  codec?: CodecName | Codec<T>;
  /** Key extractor: partitions produced records and keys tables. */
  key?: (value: T) => Key;
  /** Event-time extractor in ms; default: the record's timestamp. */
  time?: (value: T) => number;
  /** Bounded out-of-orderness: the watermark trails the highest event time by this much (default 0). */
  outOfOrderness?: Duration;
  /** A partition without records for this long stops holding the watermark back (default '5s'). */
  idleTimeout?: Duration;
  /** Delete records older than this. */
  retention?: Duration;
  /** Keep about this many bytes per partition. */
  retentionBytes?: number;
  /** Also keep the topic's raw records in the view store, for batch SQL (`<topic>_archive`). */
  archive?: boolean;
}

/** The builder handed to `defineApp`'s callback. */
export interface AppBuilder {
  readonly name: string;
  /** Declares a topic. */
  topic<T>(name: string, options?: TopicOptions<T>): Topic<T>;
  /** A table over a topic with a key extractor: the latest value per key. */
  table<K extends Key, V>(topic: Topic<V>): Table<K, V>;
  /** Declares a named pipeline; streams created inside `build` belong to it. */
  pipeline(name: string, build: () => void): void;
  /** Registers a dashboard page built from widgets over the app's views (see page.ts). */
  page(page: PageDefinition): void;
  /**
   * Declares a view that no pipeline writes — batch jobs (`reportJobs`) fill it — so the store
   * creates it at start and the server and dashboard know it.
   */
  view(name: string): void;
}

export interface App {
  readonly name: string;
  readonly topics: Map<string, TopicDef>;
  readonly pipelines: PipelineDef[];
  readonly views: Map<string, MemoryView<any>>;
  /** Dashboard pages, in registration order. */
  readonly pages: PageDefinition[];
  /** The dead-letter topic: `<app>.dead-letters`. */
  readonly deadLetterTopic: TopicDef;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${kind} name ${JSON.stringify(name)} must match ${NAME}`,
    );
  }
}

/** Builds a TopicDef from user options, validating once. */
export function topicDef<T>(name: string, options: TopicOptions<T> = {}): TopicDef {
  const partitions = options.partitions ?? 4;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `topic ${name}: partitions must be an integer in 1..1024`,
    );
  }
  for (const fn of ['key', 'time'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `topic ${name}: ${fn} must be a function`);
    }
  }
  if (options.schema !== undefined && typeof options.schema?.['~standard']?.validate !== 'function') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `topic ${name}: schema must be a Standard Schema validator`,
    );
  }
  if (options.archive !== undefined && typeof options.archive !== 'boolean') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `topic ${name}: archive must be a boolean`);
  }
  return {
    name,
    partitions,
    codec: resolveCodec(options.codec, `topic ${name}: codec`),
    schema: options.schema,
    key: options.key,
    time: options.time,
    outOfOrdernessMs: toMillis(options.outOfOrderness ?? 0, `topic ${name}: outOfOrderness`),
    idleTimeoutMs: toMillis(options.idleTimeout ?? '5s', `topic ${name}: idleTimeout`),
    retentionMs:
      options.retention === undefined ? undefined : toMillis(options.retention, `topic ${name}: retention`),
    retentionBytes: options.retentionBytes,
    archive: options.archive === true,
  };
}

/**
 * Defines an app.
 *
 * @example
 * export default defineApp('shop', (app) => {
 *   const orders = app.topic<Order>('orders', { key: (o) => o.customer, time: (o) => o.at });
 *   app.pipeline('revenue', () => {
 *     orders.stream()
 *       .keyBy((o) => o.customer)
 *       .window(tumbling({ size: '1m' }))
 *       .aggregate(sum((o) => o.amount))
 *       .toView('revenue-per-minute');
 *   });
 * });
 */
export function defineApp(name: string, define: (app: AppBuilder) => void): App {
  checkName('app', name);
  const topics = new Map<string, TopicDef>();
  const pipelines: PipelineDef[] = [];
  const views = new Map<string, MemoryView<any>>();
  const pages: PageDefinition[] = [];
  let current: PipelineScope | undefined;

  const scope = (): PipelineScope => {
    if (current) return current;
    let main = pipelines.find((p) => p.name === 'main');
    if (!main) {
      main = { name: 'main', terminals: [], nextId: 0 };
      pipelines.push(main);
    }
    return { pipeline: main, views };
  };

  const builder: AppBuilder = {
    name,
    topic<T>(topicName: string, options?: TopicOptions<T>): Topic<T> {
      if (topics.has(topicName)) {
        throw new StreamsightError('SS_ERR_INVALID_OPTION', `app ${name}: topic ${topicName} declared twice`);
      }
      const def = topicDef(topicName, options);
      topics.set(topicName, def);
      // One source node per pipeline and topic, so two streams of a topic share one input.
      const sources = new Map<PipelineDef, PlanNode>();
      return {
        name: topicName,
        def,
        stream: () => {
          const s = scope();
          let node = sources.get(s.pipeline);
          if (!node) {
            node = { kind: 'source', id: `source-${topicName}`, topic: def };
            sources.set(s.pipeline, node);
          }
          return new Stream<T>(node, s);
        },
        keyedStream<K extends Key>(): KeyedStream<K, T> {
          if (!def.key) {
            throw new StreamsightError(
              'SS_ERR_INVALID_OPTION',
              `topic ${topicName}: keyedStream() needs a key extractor`,
            );
          }
          const stream = this.stream();
          return new KeyedStream<K, T>(stream.node, stream.scope);
        },
      };
    },
    table<K extends Key, V>(topic: Topic<V>): Table<K, V> {
      if (!topic.def.key) {
        throw new StreamsightError(
          'SS_ERR_INVALID_OPTION',
          `table over ${topic.name}: the topic needs a key extractor`,
        );
      }
      return { topic };
    },
    pipeline(pipelineName: string, build: () => void): void {
      checkName('pipeline', pipelineName);
      if (pipelines.some((p) => p.name === pipelineName)) {
        throw new StreamsightError(
          'SS_ERR_INVALID_OPTION',
          `app ${name}: pipeline ${pipelineName} declared twice`,
        );
      }
      const pipeline: PipelineDef = { name: pipelineName, terminals: [], nextId: 0 };
      pipelines.push(pipeline);
      current = { pipeline, views };
      try {
        build();
      } finally {
        current = undefined;
      }
    },
    view(viewName: string): void {
      checkName('view', viewName);
      if (!views.has(viewName)) views.set(viewName, new MemoryView(viewName, { retainRows: false }));
    },
    page(page: PageDefinition): void {
      if (pages.some((p) => p.id === page?.id)) {
        throw new StreamsightError('SS_ERR_INVALID_OPTION', `app ${name}: page ${page.id} declared twice`);
      }
      pages.push(checkPage(name, page));
    },
  };
  define(builder);
  const deadLetterTopic = topicDef(`${name}.dead-letters`, { partitions: 1, codec: 'bytes' });
  return { name, topics, pipelines, views, pages, deadLetterTopic };
}
