/**
 * The fluent, typed pipeline API. Every method returns a new stream wrapping a plan node; nothing
 * runs until the app is started. Types flow through: `keyBy` fixes the key type, `window(...).aggregate`
 * yields `WindowResult<K, R>`.
 */

import {
  type Pattern,
  type PatternMatch,
  type PatternStreamOptions,
  patternOperator,
  type RuleSet,
} from '../cep/index.ts';
import { StreamsightError } from '../errors/index.ts';
import {
  type EvaluateOptions,
  type EvaluationReport,
  evaluateOperator,
  type LearnOptions,
  learnOperator,
  type ModelVersion,
  type Prediction,
  type PredictOptions,
  predictOperator,
} from '../ml/dataflow/index.ts';
import type { Learner } from '../ml/learner.ts';
import type { Aggregator } from './aggregators/aggregator.ts';
import type { Key } from './codec.ts';
import { type Duration, toMillis } from './duration.ts';
import type { ProcessOperator } from './operators/process.ts';
import type { PipelineDef, PlanNode, TopicDef } from './plan.ts';
import { MemoryView, type Sink } from './sink.ts';
import type { WindowResult, WindowSpec } from './windows.ts';

/** A topic handle, as returned by `app.topic()`. */
export interface Topic<T> {
  readonly name: string;
  /** @internal */
  readonly def: TopicDef;
  /** A stream of the topic's records, in the current pipeline. */
  stream(): Stream<T>;
  /**
   * The topic's records keyed by its `key` extractor, without a repartition: producers partition by
   * that key, so each key's records are already in one partition (like Kafka Streams' groupByKey).
   */
  keyedStream<K extends Key>(): KeyedStream<K, T>;
}

/** A table: the latest value per key of a topic (the topic must have a `key` extractor). */
export interface Table<K extends Key, V> {
  readonly topic: Topic<V>;
  /** @internal phantom for the key type */
  readonly keyType?: K;
}

/** Where streams attach their terminals and draw operator ids from. */
export interface PipelineScope {
  readonly pipeline: PipelineDef;
  /** Registered views by name (for `toView`). */
  readonly views: Map<string, MemoryView<any>>;
}

export interface WindowOptions {
  /** Keep windows open this long after the watermark passes their end; late records update them. */
  allowedLateness?: Duration;
  /** 'final' (default): one result per window when it closes; `{ early: '1s' }` adds throttled updates. */
  emit?: 'final' | { early: Duration };
  /** Topic for records too late for every window (default: the app's dead-letter topic). */
  late?: Topic<any>;
}

export interface JoinOptions {
  /** Join records of the same tumbling window. */
  window?: WindowSpec;
  /** Join records at most this far apart in event time. */
  within?: Duration;
}

function nextId(scope: PipelineScope, kind: string): string {
  return `${kind}-${scope.pipeline.nextId++}`;
}

/**
 * A stream of values of type T.
 *
 * @example
 * bids.stream().filter((b) => b.auction % 123 === 0).map((b) => ({ auction: b.auction, price: b.price }))
 */
export class Stream<T> {
  /** @internal */
  readonly node: PlanNode;
  /** @internal */
  readonly scope: PipelineScope;

  constructor(node: PlanNode, scope: PipelineScope) {
    this.node = node;
    this.scope = scope;
  }

  /** Transforms each value. */
  map<U>(fn: (value: T) => U): Stream<U> {
    return new Stream<U>({ kind: 'map', id: nextId(this.scope, 'map'), input: this.node, fn }, this.scope);
  }

  /** Keeps the values for which `fn` is true. */
  filter<S extends T>(fn: (value: T) => value is S): Stream<S>;
  filter(fn: (value: T) => boolean): Stream<T>;
  filter(fn: (value: T) => boolean): Stream<T> {
    return new Stream<T>(
      { kind: 'filter', id: nextId(this.scope, 'filter'), input: this.node, fn },
      this.scope,
    );
  }

  /** Maps each value to zero or more values. */
  flatMap<U>(fn: (value: T) => Iterable<U>): Stream<U> {
    return new Stream<U>(
      { kind: 'flatMap', id: nextId(this.scope, 'flatMap'), input: this.node, fn },
      this.scope,
    );
  }

  /**
   * Keys the stream, repartitioning through an internal topic
   * `<app>.<pipeline>.<operator>-repartition` so that equal keys meet in one task.
   */
  keyBy<K extends Key>(fn: (value: T) => K, options: { partitions?: number } = {}): KeyedStream<K, T> {
    const node: PlanNode = {
      kind: 'keyBy',
      id: nextId(this.scope, 'keyBy'),
      input: this.node,
      fn,
      partitions: options.partitions,
    };
    return new KeyedStream<K, T>(node, this.scope);
  }

  /** Merges streams of the same type (their inputs must be co-partitioned). */
  merge(...others: Stream<T>[]): Stream<T> {
    const inputs = [this.node, ...others.map((s) => s.node)];
    return new Stream<T>({ kind: 'merge', id: nextId(this.scope, 'merge'), inputs }, this.scope);
  }

  /** Appends the values to a topic (exactly-once, in the task's checkpoint transaction). */
  to(topic: Topic<T>): void {
    this.#terminal({ kind: 'to', id: nextId(this.scope, 'to'), input: this.node, topic: topic.def });
  }

  /** Hands the values to a sink at each checkpoint (see `Sink`). */
  sink(sink: Sink<T>, name = 'sink'): void {
    this.#terminal({ kind: 'sink', id: nextId(this.scope, 'sink'), input: this.node, sink, name });
  }

  /** Keeps the latest value per key (and window) in a named in-memory view. */
  toView(name: string): MemoryView<T> {
    let view = this.scope.views.get(name) as MemoryView<T> | undefined;
    if (!view) {
      view = new MemoryView<T>(name);
      this.scope.views.set(name, view);
    }
    this.sink(view, name);
    return view;
  }

  #terminal(node: PlanNode): void {
    this.scope.pipeline.terminals.push(node);
  }
}

/** A stream whose records are keyed by K; windows, joins and lookups need one. */
export class KeyedStream<K extends Key, T> extends Stream<T> {
  override map<U>(fn: (value: T) => U): KeyedStream<K, U> {
    return new KeyedStream<K, U>(super.map(fn).node, this.scope);
  }

  override filter<S extends T>(fn: (value: T) => value is S): KeyedStream<K, S>;
  override filter(fn: (value: T) => boolean): KeyedStream<K, T>;
  override filter(fn: (value: T) => boolean): KeyedStream<K, T> {
    return new KeyedStream<K, T>(super.filter(fn).node, this.scope);
  }

  /** Groups the keyed records into event-time windows. */
  window(spec: WindowSpec, options: WindowOptions = {}): WindowedStream<K, T> {
    return new WindowedStream<K, T>(this, spec, options);
  }

  /**
   * Enriches each record with the table's current row for the record's key (undefined when absent).
   * The table's topic must have as many partitions as this stream.
   */
  lookup<V, U>(table: Table<K, V>, fn: (value: T, row: V | undefined) => U): KeyedStream<K, U> {
    const node: PlanNode = {
      kind: 'lookup',
      id: nextId(this.scope, 'lookup'),
      input: this.node,
      table: table.topic.def,
      fn,
    };
    return new KeyedStream<K, U>(node, this.scope);
  }

  /**
   * Runs a custom stateful operator per task (see `ProcessOperator`): the extension point for CEP and
   * online learning. `broadcast` topics are read in full by every task and handed to `onBroadcast`.
   */
  process<U>(
    factory: () => ProcessOperator<K, T, U>,
    options: { broadcast?: Topic<any>[]; late?: Topic<any> } = {},
  ): KeyedStream<K, U> {
    const node: PlanNode = {
      kind: 'process',
      id: nextId(this.scope, 'process'),
      input: this.node,
      factory,
      broadcast: (options.broadcast ?? []).map((t) => t.def),
      late: options.late?.def,
    };
    return new KeyedStream<K, U>(node, this.scope);
  }

  /**
   * Complex event processing: matches a pattern (`pattern(...)` from `src/cep`) per key over event
   * time, or, given `ruleSet(app)`, the runtime rules added while the app runs. Records wait for the
   * watermark and are matched in event-time order; records behind it go to `options.late`.
   * Emits one `PatternMatch` per match (`timedOut: true` for partial matches past `within`, when
   * asked). See docs/cep.md.
   *
   * @example
   * bids.keyedStream<number>()
   *   .pattern(pattern<Bid>('low').where((b) => b.price < 100).followedBy('high').where((b) => b.price > 10_000).within('10s'))
   *   .to(alerts);
   */
  pattern(p: Pattern<T> | RuleSet, options: PatternStreamOptions = {}): KeyedStream<K, PatternMatch<T, K>> {
    const { factory, broadcast } = patternOperator<K, T>(p, options);
    return this.process(factory, { broadcast, late: options.late });
  }

  /**
   * Scores each record with `model` (copied per task) and emits `{ value, prediction, probabilities?,
   * version }`. With `updates`, a broadcast topic of `ModelVersion`s (msgpack codec), every task swaps
   * in each new version as it arrives. Use `topic.keyedStream()` to avoid a repartition.
   *
   * @example
   * events.keyedStream<string>().predict(tree, { features: (e) => e.x, probabilities: true }).to(scored);
   */
  predict(model: Learner, options: PredictOptions<T>): KeyedStream<K, Prediction<T>> {
    const { factory, broadcast } = predictOperator<K, T>(model, options);
    return this.process(factory, { broadcast });
  }

  /**
   * Trains one model per key (a copy of `model` to start with) on `options.schedule` — `online()`,
   * `everyRecords(n)`, `everyInterval('5m')` or `onDrift(detector)` — and emits each new
   * `ModelVersion`. For one global model, key by a constant: its learning runs in one task.
   * Model state is checkpointed with the task, exactly-once; `modelStoreSink` records the versions.
   *
   * @example
   * events.keyBy(() => 'sea')
   *   .learn(new HoeffdingTree(), { features: (e) => e.x, label: (e) => e.y, schedule: onDrift(new Adwin()) })
   *   .sink(modelStoreSink(store));
   */
  learn(model: Learner, options: LearnOptions<T, K>): KeyedStream<K, ModelVersion<K>> {
    return this.process(learnOperator<K, T>(model, options));
  }

  /**
   * Prequential evaluation per key: predict each labelled record with the key's model (a copy of
   * `model`), score it, then learn it; emits `EvaluationReport`s (cumulative and sliding-window
   * metrics) every `every` records of a key, or per processing-time `interval`.
   *
   * @example
   * events.keyBy(() => 'sea').evaluate(new HoeffdingTree(), { features: (e) => e.x, label: (e) => e.y, every: 1000 });
   */
  evaluate(model: Learner, options: EvaluateOptions<T>): KeyedStream<K, EvaluationReport<K>> {
    return this.process(evaluateOperator<K, T>(model, options));
  }

  /**
   * Joins with another keyed stream: records with equal keys in the same tumbling window
   * (`{ window }`), within a time distance (`{ within }`), or, with neither, at any distance
   * (state grows without bound: use for small or slowly growing sides).
   */
  join<U, R>(
    other: KeyedStream<K, U>,
    options: JoinOptions,
    fn: (left: T, right: U, key: K) => R,
  ): KeyedStream<K, R> {
    if (options.window && options.window.kind !== 'tumbling') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'join.window must be a tumbling window');
    }
    if (options.window && options.within !== undefined) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'join takes either window or within, not both');
    }
    const node: PlanNode = {
      kind: 'join',
      id: nextId(this.scope, 'join'),
      left: this.node,
      right: other.node,
      options: {
        window: options.window,
        withinMs: options.within === undefined ? undefined : toMillis(options.within, 'join.within'),
      },
      fn: fn as (l: unknown, r: unknown, k: Key) => unknown,
    };
    return new KeyedStream<K, R>(node, this.scope);
  }
}

/** A keyed stream grouped into windows; `aggregate` closes it. */
export class WindowedStream<K extends Key, T> {
  readonly #keyed: KeyedStream<K, T>;
  readonly #spec: WindowSpec;
  readonly #options: WindowOptions;

  constructor(keyed: KeyedStream<K, T>, spec: WindowSpec, options: WindowOptions) {
    this.#keyed = keyed;
    this.#spec = spec;
    this.#options = options;
  }

  /**
   * Aggregates each key's records per window.
   *
   * @example
   * .window(hopping({ size: '10s', every: '2s' })).aggregate(count())
   */
  aggregate<A, R>(aggregator: Aggregator<T, A, R>): ResultStream<K, WindowResult<K, R>> {
    const emit = this.#options.emit ?? 'final';
    const node: PlanNode = {
      kind: 'window',
      id: nextId(this.#keyed.scope, 'window'),
      input: this.#keyed.node,
      window: this.#spec,
      aggregator,
      options: {
        allowedLatenessMs:
          this.#options.allowedLateness === undefined
            ? 0
            : toMillis(this.#options.allowedLateness, 'allowedLateness'),
        earlyEveryMs: emit === 'final' ? 0 : toMillis(emit.early, 'emit.early'),
        late: this.#options.late?.def,
      },
    };
    return new ResultStream<K, WindowResult<K, R>>(node, this.#keyed.scope);
  }
}

/** The results of a window aggregation, keyed by the window key. */
export class ResultStream<K extends Key, T extends WindowResult<K, any>> extends KeyedStream<K, T> {
  /**
   * The n results with the greatest `by` per window (all windows' results meet in one task), emitted
   * once per window when the watermark passes its end, best first.
   *
   * @example
   * .aggregate(count()).topK(10, { by: (r) => r.value })
   */
  topK(n: number, options: { by: (result: T) => number; withTies?: boolean }): Stream<TopK<T>> {
    if (!Number.isInteger(n) || n < 1)
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'topK: n must be ≥ 1');
    const node: PlanNode = {
      kind: 'topK',
      id: nextId(this.scope, 'topK'),
      input: this.node,
      n,
      by: options.by,
      withTies: options.withTies ?? false,
    };
    return new Stream<TopK<T>>(node, this.scope);
  }
}

/** One window's top results. */
export interface TopK<T> {
  start: number;
  end: number;
  items: T[];
}
