/**
 * A task: one partition of a stage's inputs, its operators and its state.
 *
 * The loop: fetch a batch from each input → decode and push records through the operators →
 * advance the watermark → fire processing-time timers → checkpoint.
 *
 * Watermarks. A source partition's watermark is its highest event time minus the topic's
 * out-of-orderness; a partition silent for `idleTimeout` stops holding time back. A repartition
 * partition's watermark is the minimum of the watermarks its upstream tasks announced with marker
 * records (header `ss-wm`); they append a marker to every partition after each checkpoint that moved
 * their watermark, behind the data it covers. The task's watermark is the minimum over its inputs
 * that are not idle, and never goes back. Table inputs do not hold time.
 *
 * Checkpoint commit ordering (exactly-once). Outputs, dead letters and markers are buffered; at a
 * checkpoint the sinks get the buffered results first (they upsert, so a replay is harmless), then ONE
 * log transaction appends the outputs, writes every operator's changed state and the task's own
 * watermark state, and commits the input positions. Either all of it is durable or none of it: after
 * a crash the task restores state and positions from the last commit and recomputes the rest exactly
 * as before. Commits are pipelined (the next batch is processed while the previous commit syncs);
 * the log applies them in order, and at most `maxInFlightCommits` wait at once — that is the
 * back-pressure that pauses fetching.
 *
 * Bounded runs (`bounded: true`) read each source partition up to the end offset it had when the
 * task started, then set the watermark to +∞ so every window fires, announce +∞ downstream and stop.
 */

import { StreamsightError } from '../errors/index.ts';
import type { Headers, Log, LogRecord, ProducerRecord } from '../log/log.ts';
import type { App } from './app.ts';
import { jsonCodec, type Key, keyBytes, msgpackCodec } from './codec.ts';
import { type CompiledPipeline, isBoundary, type Stage, type StageInput } from './compile.ts';
import { JoinOperator, LookupOperator } from './operators/join.ts';
import {
  discard,
  FanOut,
  type Operator,
  type OperatorMetrics,
  type StatefulOperator,
} from './operators/operator.ts';
import { RepartitionOperator, SinkOperator, type TaskOutput, ToTopicOperator } from './operators/outputs.ts';
import { PartialAggregateOperator } from './operators/partial-aggregate.ts';
import { ProcessOperatorAdapter } from './operators/process.ts';
import { SessionWindowOperator } from './operators/session-window.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from './operators/stateless.ts';
import { TopKOperator } from './operators/top-k.ts';
import { PaneWindowOperator } from './operators/window-aggregate.ts';
import type { PlanNode, TopicDef } from './plan.ts';
import type { Sink, SinkRecord } from './sink.ts';
import { gcd } from './windows.ts';

export interface TaskOptions {
  app: App;
  pipeline: CompiledPipeline;
  stage: Stage;
  partition: number;
  log: Log;
  bounded: boolean;
  /** Minimum time between checkpoints while the task is caught up with its inputs (default 0). */
  checkpointIntervalMs: number;
  /** Minimum time between checkpoints while there is a backlog to read (default 200 ms). */
  backlogCheckpointIntervalMs: number;
  maxInFlightCommits: number;
  fetchMaxRecords: number;
  /** Minimum time between purges of the consumed records of the task's repartition inputs. */
  repartitionPurgeIntervalMs: number;
  now: () => number;
}

export interface TaskMetrics {
  pipeline: string;
  stage: string;
  partition: number;
  /** Records read from source and table topics. */
  recordsIn: number;
  /** Records read from repartition topics (pre-aggregated partials count once each). */
  repartitionIn: number;
  deadLetters: number;
  lateRecords: number;
  checkpoints: number;
  watermark: number;
  idle: boolean;
  /** Input lag: records behind the end of each input partition at the last fetch. */
  lag: number;
  /** Recent processing times of one fetched batch, ms. */
  batchMs: number[];
  operators: OperatorMetrics[];
  finished: boolean;
}

export const WATERMARK_HEADER = 'ss-wm';

interface Input {
  spec: StageInput;
  position: number;
  end: number;
  done: boolean;
  buffer: LogRecord[];
  /** Where the fetch that filled `buffer` says to read next (past any records it skipped). */
  next: number;
  lag: number;
  target: Operator;
  /** Highest event time seen (source inputs). */
  maxTs: number;
  lastActivity: number;
  /** Source inputs: silent for longer than the topic's idle timeout. */
  idle: boolean;
  /** Repartition inputs: upstream task → [watermark, idle]. */
  producers: Map<number, [number, boolean]>;
}

export class Task implements TaskOutput {
  readonly #o: TaskOptions;
  readonly #group: string;
  readonly #metaStore: string;
  readonly #inputs: Input[] = [];
  readonly #stateful: StatefulOperator[] = [];
  readonly #operatorMetrics: OperatorMetrics[] = [];
  readonly #ops = new Map<PlanNode, Operator | JoinOperator>();
  /** Operators that hold results until the checkpoint (pre-aggregation). */
  readonly #flushers: Array<{ flush(): void }> = [];
  #outputs = new Map<string, ProducerRecord[]>();
  #sinkBatches = new Map<Sink<unknown>, SinkRecord<unknown>[]>();
  readonly #inFlight: Promise<unknown>[] = [];
  #failure: unknown;
  #watermark = Number.NEGATIVE_INFINITY;
  #idle = false;
  #announced = '';
  #dirtyPositions = false;
  #lastCheckpoint = 0;
  #lastPurge = 0;
  #purging: Promise<void> | undefined;
  /** Which input the next idle long-poll waits on (they take turns). */
  #pollTurn = 0;
  #origin: LogRecord | undefined;
  readonly #metrics: TaskMetrics;

  constructor(options: TaskOptions) {
    this.#o = options;
    const { stage, partition } = options;
    this.#group = stage.prefix;
    this.#metaStore = `${stage.prefix}.${stage.id}`;
    this.#metrics = {
      pipeline: stage.pipeline,
      stage: stage.id,
      partition,
      recordsIn: 0,
      repartitionIn: 0,
      deadLetters: 0,
      lateRecords: 0,
      checkpoints: 0,
      watermark: this.#watermark,
      idle: false,
      lag: 0,
      batchMs: [],
      operators: this.#operatorMetrics,
      finished: false,
    };
    for (const spec of stage.inputs) {
      const target = this.#inputTarget(spec);
      this.#inputs.push({
        spec,
        position: 0,
        end: Number.POSITIVE_INFINITY,
        done: false,
        buffer: [],
        next: 0,
        lag: 0,
        target,
        maxTs: Number.NEGATIVE_INFINITY,
        lastActivity: options.now(),
        idle: false,
        producers: new Map(),
      });
    }
    // Stateful operators in topological order, so results reach downstream before its watermark hook.
    for (const n of stage.nodes) {
      const op = this.#ops.get(n);
      if (op && 'onWatermark' in op) this.#stateful.push(op as unknown as StatefulOperator);
    }
  }

  metrics(): TaskMetrics {
    this.#metrics.watermark = this.#watermark;
    this.#metrics.idle = this.#idle;
    this.#metrics.lag = this.#inputs.reduce((sum, i) => sum + i.lag, 0);
    return this.#metrics;
  }

  // ── building operators ────────────────────────────────────────────────────────────────────────

  /** The operator an input's records go to. */
  #inputTarget(spec: StageInput): Operator {
    switch (spec.kind) {
      case 'source':
        return this.#emitter(spec.node);
      case 'table':
        return (this.#receiver(spec.node, undefined) as LookupOperator).table;
      case 'broadcast':
        return (this.#receiver(spec.node, undefined) as ProcessOperatorAdapter).broadcast;
      case 'repartition':
        // Records keyed upstream go on to the keyBy's consumers; top-k and pre-aggregated partials
        // go straight into the operator that merges them.
        if (spec.node.kind === 'topK') return this.#receiver(spec.node, undefined);
        if (spec.partial) return this.#receiver(this.#o.pipeline.consumers.get(spec.node)![0], spec.node);
        return this.#emitter(spec.node);
    }
  }

  /** The operator receiving `node`'s input records (`from` picks a join's side). */
  #receiver(node: PlanNode, from: PlanNode | undefined): Operator {
    let op = this.#ops.get(node);
    if (!op) {
      op = this.#create(node);
      this.#ops.set(node, op);
      if ('metrics' in op) this.#operatorMetrics.push((op as { metrics: OperatorMetrics }).metrics);
    }
    if (op instanceof JoinOperator) return node.kind === 'join' && from === node.right ? op.right : op.left;
    return op;
  }

  #create(node: PlanNode): Operator | JoinOperator {
    const { stage, app } = this.#o;
    const store = `${stage.prefix}.${node.id}`;
    switch (node.kind) {
      case 'map':
        return new MapOperator(node.id, node.fn, this.#emitter(node));
      case 'filter':
        return new FilterOperator(node.id, node.fn, this.#emitter(node));
      case 'flatMap':
        return new FlatMapOperator(node.id, node.fn, this.#emitter(node));
      case 'merge':
      case 'keyBy':
      case 'source':
        return this.#emitter(node);
      case 'window': {
        const w = node.window;
        const late = node.options.late;
        if (w.kind === 'session') {
          const config = {
            id: node.id,
            store,
            gap: w.gap,
            aggregator: node.aggregator,
            allowedLatenessMs: node.options.allowedLatenessMs,
            late,
          };
          return new SessionWindowOperator(config, this.#emitter(node), this);
        }
        // A final-only window feeding a topK ranks its own results (see PaneWindowOperator#fireTop).
        const topK = this.#o.pipeline.consumers.get(node)!.find((c) => this.#o.pipeline.rankedTopK.has(c));
        const config = {
          id: node.id,
          store,
          size: w.size,
          every: w.every,
          aggregator: node.aggregator,
          allowedLatenessMs: node.options.allowedLatenessMs,
          earlyEveryMs: node.options.earlyEveryMs,
          late,
          topN: topK?.kind === 'topK' ? { n: topK.n, by: topK.by } : undefined,
        };
        return new PaneWindowOperator(config, this.#emitter(node), this);
      }
      case 'topK':
        return new TopKOperator(
          { id: node.id, store, n: node.n, by: node.by, withTies: node.withTies },
          this.#emitter(node),
        );
      case 'lookup':
        return new LookupOperator(
          node.id,
          store,
          node.table,
          node.fn as (v: unknown, r: unknown) => unknown,
          this.#emitter(node),
        );
      case 'join':
        return new JoinOperator(node.id, store, node.options, node.fn, this.#emitter(node), this);
      case 'process':
        return new ProcessOperatorAdapter(
          node.id,
          store,
          node.factory(),
          this.#emitter(node),
          this,
          node.late,
          this.#o.partition,
        );
      case 'to':
        return new ToTopicOperator(node.id, node.topic, this);
      case 'sink':
        return new SinkOperator(node.id, node.sink, this);
      default:
        throw new StreamsightError('SS_ERR_INVALID_PIPELINE', `unknown node in ${app.name}`);
    }
  }

  /** Where `node`'s output goes: its consumers in this stage, or repartition writers for the next. */
  #emitter(node: PlanNode): Operator {
    const { app, stage, pipeline } = this.#o;
    const targets: Operator[] = [];
    for (const c of pipeline.consumers.get(node) ?? []) {
      if (isBoundary(c) && pipeline.combined.has(c)) {
        targets.push(this.#combiner(c));
      } else if (isBoundary(c)) {
        const topic = `${app.name}.${stage.pipeline}.${c.id}-repartition`;
        const keyFn = c.kind === 'keyBy' ? c.fn : (r: { start: number }) => r.start;
        const op = new RepartitionOperator(`${c.id}-writer`, topic, stage.outputs.get(topic)!, keyFn, this);
        this.#operatorMetrics.push(op.metrics);
        targets.push(op);
      } else targets.push(this.#receiver(c, node));
    }
    return targets.length === 0 ? discard : targets.length === 1 ? targets[0] : new FanOut(targets);
  }

  /** Pre-aggregates for a `keyBy` whose only consumer is a tumbling or hopping window. */
  #combiner(keyBy: PlanNode): Operator {
    const { app, stage, pipeline } = this.#o;
    const window = pipeline.consumers.get(keyBy)![0];
    if (keyBy.kind !== 'keyBy' || window.kind !== 'window' || window.window.kind === 'session') {
      throw new StreamsightError('SS_ERR_INVALID_PIPELINE', `cannot pre-aggregate ${keyBy.id}`);
    }
    const topic = `${app.name}.${stage.pipeline}.${keyBy.id}-repartition`;
    const op = new PartialAggregateOperator(
      {
        id: `${keyBy.id}-pre-aggregate`,
        topic,
        partitions: stage.outputs.get(topic)!,
        keyFn: keyBy.fn,
        pane: gcd(window.window.size, window.window.every),
        every: window.window.every,
        size: window.window.size,
        aggregator: window.aggregator,
        allowedLatenessMs: window.options.allowedLatenessMs,
        late: window.options.late,
        watermark: () => this.#watermark,
      },
      this,
    );
    this.#operatorMetrics.push(op.metrics);
    this.#flushers.push(op);
    return op;
  }

  // ── TaskOutput ────────────────────────────────────────────────────────────────────────────────

  append(topic: string, record: ProducerRecord): void {
    let list = this.#outputs.get(topic);
    if (!list) {
      list = [];
      this.#outputs.set(topic, list);
    }
    list.push(record);
  }

  sink(sink: Sink<unknown>, record: SinkRecord<unknown>): void {
    let list = this.#sinkBatches.get(sink);
    if (!list) {
      list = [];
      this.#sinkBatches.set(sink, list);
    }
    list.push(record);
  }

  late(
    topic: TopicDef | undefined,
    value: unknown,
    key: Key | undefined,
    ts: number,
    operator: string,
  ): void {
    this.#metrics.lateRecords++;
    if (topic) {
      this.append(topic.name, {
        key: key === undefined ? null : keyBytes(key),
        value: topic.codec.encode(value),
        timestamp: ts,
      });
      return;
    }
    const message = `event time ${ts} is behind the watermark ${this.#watermark} beyond the allowed lateness`;
    this.#deadLetter('SS_ERR_LATE_RECORD', message, msgpackCodec.encode(value), {
      operator,
      eventTime: String(ts),
    });
  }

  #deadLetter(code: string, message: string, raw: Uint8Array | null, extra: Headers = {}): void {
    this.#metrics.deadLetters++;
    const o = this.#origin;
    const headers: Headers = {
      'ss-code': code,
      'ss-message': message.slice(0, 1000),
      'ss-pipeline': this.#o.stage.prefix,
      ...extra,
    };
    if (o) {
      headers['ss-topic'] = o.topic;
      headers['ss-partition'] = String(o.partition);
      headers['ss-offset'] = String(o.offset);
    }
    this.append(this.#o.app.deadLetterTopic.name, {
      key: null,
      value: raw,
      timestamp: this.#o.now(),
      headers,
    });
  }

  // ── running ───────────────────────────────────────────────────────────────────────────────────

  /** Restores state and positions from the last checkpoint. */
  async restore(): Promise<void> {
    const { log, partition } = this.#o;
    let broadcastPositions: Record<string, number> = {};
    for (const op of this.#stateful) op.restore(await collect(log.readState(op.store, partition)));
    for (const [key, bytes] of await collect(log.readState(this.#metaStore, partition))) {
      if (key !== 'task') continue;
      const meta = msgpackCodec.decode(bytes) as {
        broadcast?: Record<string, number>;
        wm: number | null;
        inputs: Record<string, [number | null, [number, number | null, boolean][]]>;
      };
      this.#watermark = meta.wm ?? Number.NEGATIVE_INFINITY;
      broadcastPositions = meta.broadcast ?? {};
      for (const input of this.#inputs) {
        const saved = meta.inputs[input.spec.topic];
        if (!saved) continue;
        input.maxTs = saved[0] ?? Number.NEGATIVE_INFINITY;
        for (const [producer, wm, idle] of saved[1])
          input.producers.set(producer, [wm ?? Number.NEGATIVE_INFINITY, idle]);
      }
    }
    for (const input of this.#inputs) {
      if (input.spec.kind === 'broadcast') {
        input.position = broadcastPositions[input.spec.topic] ?? 0;
      } else {
        const committed = await log.committedOffsets(this.#group, input.spec.topic);
        input.position = committed.get(partition) ?? 0;
      }
      if (this.#o.bounded && input.spec.kind !== 'repartition') {
        const d = await log.describeTopic(input.spec.topic);
        input.end = d.partitions[this.#partitionOf(input)].endOffset;
      }
    }
  }

  /** Runs until the signal aborts or, when bounded, the inputs are exhausted. */
  async run(signal: AbortSignal): Promise<void> {
    const { now } = this.#o;
    this.#lastPurge = now(); // the first purge one interval after the start
    while (!signal.aborted) {
      if (this.#failure) throw this.#failure;
      const fetched = await this.#fetch(signal);
      const started = performance.now();
      if (fetched > 0) this.#process();
      this.#refreshIdleness(now());
      for (const op of this.#stateful) op.onTimer?.(now());
      if (fetched > 0) this.#recordBatchTime(performance.now() - started);
      const finished = this.#o.bounded && this.#inputs.every((i) => i.done);
      if (finished) this.#setWatermark(Number.POSITIVE_INFINITY, false);
      // Caught up: checkpoint often, for latency. Behind (a backlog to read): checkpoint rarely, so a
      // hot key's state is written once per interval rather than once per batch.
      const behind = this.#inputs.some((i) => i.lag > 0);
      const interval = behind ? this.#o.backlogCheckpointIntervalMs : this.#o.checkpointIntervalMs;
      if (finished || now() - this.#lastCheckpoint >= interval) await this.#checkpoint();
      if (finished) {
        this.#metrics.finished = true;
        break;
      }
    }
    await this.#checkpoint();
    await Promise.all(this.#inFlight);
    await this.#purging;
    if (this.#failure) throw this.#failure;
    // What the last checkpoint committed, unless a purge ran within the interval.
    if (this.#purgeDue()) this.#purge(this.#repartitionPositions());
    await this.#purging;
  }

  async #fetch(signal: AbortSignal): Promise<number> {
    let total = 0;
    const open = this.#inputs.filter((i) => !i.done);
    for (const input of open) total += await this.#fetchOne(input, 0, signal);
    if (total === 0 && open.length > 0 && !signal.aborted) {
      // Nothing anywhere: long-poll one input (rotating), short enough for timers and idleness.
      const input = open[this.#pollTurn++ % open.length];
      total += await this.#fetchOne(input, open.length === 1 ? 50 : 10, signal);
    }
    return total;
  }

  async #fetchOne(input: Input, maxWaitMs: number, signal: AbortSignal): Promise<number> {
    const { log, fetchMaxRecords } = this.#o;
    const limit = Math.min(fetchMaxRecords, input.end - input.position);
    if (limit <= 0) {
      if (input.spec.kind !== 'repartition') input.done = true;
      return 0;
    }
    let result: Awaited<ReturnType<Log['fetch']>>;
    try {
      result = await log.fetch(input.spec.topic, this.#partitionOf(input), input.position, {
        maxRecords: limit,
        maxWaitMs,
        signal,
      });
    } catch (err) {
      const start = (err as StreamsightError).details?.startOffset;
      if (
        (err as StreamsightError).code === 'SS_ERR_OFFSET_OUT_OF_RANGE' &&
        typeof start === 'number' &&
        start > input.position
      ) {
        // Retention removed what we had not read yet: resume at the log start (counted as lag lost).
        input.position = start;
        this.#dirtyPositions = true;
        return 0;
      }
      if (signal.aborted) return 0;
      throw err;
    }
    input.buffer = result.records;
    input.next = result.nextOffset;
    input.lag = result.highWatermark - result.nextOffset;
    if (result.records.length > 0) input.lastActivity = this.#o.now();
    else if (result.nextOffset > input.position) {
      // Nothing to deliver, yet the read moved on: a log may skip offsets that hold no records for
      // readers (Kafka: aborted transactions and commit markers; a broker may answer with only those).
      // The position must follow, or the task would ask for the same offset forever.
      input.position = result.nextOffset;
      this.#dirtyPositions = true;
      if (input.position >= input.end) input.done = true;
    }
    return result.records.length;
  }

  /** Broadcast inputs are partition 0 of their topic for every task. */
  #partitionOf(input: Input): number {
    return input.spec.kind === 'broadcast' ? 0 : this.#o.partition;
  }

  #process(): void {
    const withData = this.#inputs.filter((i) => i.buffer.length > 0);
    if (withData.length === 1) {
      this.#deliverAll(withData[0]);
      return;
    }
    // Several inputs: merge by event time, run by run.
    const heads = withData.map(() => 0);
    for (;;) {
      let best = -1;
      let second = Number.POSITIVE_INFINITY;
      let bestTs = Number.POSITIVE_INFINITY;
      for (let i = 0; i < withData.length; i++) {
        if (heads[i] >= withData[i].buffer.length) continue;
        const ts = withData[i].buffer[heads[i]].timestamp;
        if (ts < bestTs) {
          second = bestTs;
          bestTs = ts;
          best = i;
        } else if (ts < second) second = ts;
      }
      if (best < 0) break;
      const input = withData[best];
      const buf = input.buffer;
      let j = heads[best];
      do this.#deliver(input, buf[j++]);
      while (j < buf.length && buf[j].timestamp <= second);
      heads[best] = j;
    }
    for (const i of withData) this.#consumed(i, i.buffer.length);
  }

  #deliverAll(input: Input): void {
    const buf = input.buffer;
    for (let j = 0; j < buf.length; j++) this.#deliver(input, buf[j]);
    this.#consumed(input, buf.length);
  }

  #consumed(input: Input, n: number): void {
    if (n === 0) return;
    // Past the last record, and past whatever the fetch skipped after it.
    input.position = Math.max(input.buffer[n - 1].offset + 1, input.next);
    input.buffer = [];
    this.#dirtyPositions = true;
    if (input.position >= input.end) input.done = true;
  }

  #deliver(input: Input, record: LogRecord): void {
    this.#origin = record;
    const spec = input.spec;
    try {
      if (spec.kind === 'repartition') {
        const marker = record.headers[WATERMARK_HEADER];
        if (marker !== undefined) {
          this.#onMarker(input, marker);
          return;
        }
        this.#metrics.repartitionIn++;
        if (spec.partial) {
          const [key, pane, acc] = msgpackCodec.decode(record.value!) as [Key, number, unknown];
          (input.target as PaneWindowOperator).pushPartial(key, pane, acc);
          return;
        }
        const [key, value] = jsonCodec.decode(record.value!) as [Key, unknown];
        input.target.push(value, key, record.timestamp);
        return;
      }
      const def = spec.def!;
      let value: unknown;
      try {
        value = def.codec.decode(record.value!);
      } catch (err) {
        this.#deadLetter(
          'SS_ERR_DECODE',
          `cannot decode with ${def.codec.name}: ${(err as Error).message}`,
          record.value,
        );
        return;
      }
      if (def.schema) {
        const result = def.schema['~standard'].validate(value);
        if (result instanceof Promise)
          throw new StreamsightError(
            'SS_ERR_INVALID_OPTION',
            `topic ${def.name}: async schemas are not supported`,
          );
        if (result.issues) {
          const issues = result.issues.map(
            (i) => `${i.path?.map((p) => (typeof p === 'object' ? p.key : p)).join('.') ?? ''}: ${i.message}`,
          );
          this.#deadLetter('SS_ERR_SCHEMA', issues.join('; '), record.value);
          return;
        }
        value = result.value;
      }
      const ts = def.time ? def.time(value) : record.timestamp;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) {
        this.#deadLetter('SS_ERR_SCHEMA', `event time is not a finite number: ${String(ts)}`, record.value);
        return;
      }
      if (spec.kind === 'broadcast') {
        input.target.push(value, def.name, ts);
        return;
      }
      const key = def.key ? def.key(value) : undefined;
      this.#metrics.recordsIn++;
      input.target.push(value, key, ts);
      if (spec.kind === 'source' && ts > input.maxTs) {
        input.maxTs = ts;
        if (input.idle) input.idle = false;
        this.#recomputeWatermark();
      }
    } catch (err) {
      if (err instanceof StreamsightError && err.code === 'SS_ERR_INVALID_OPTION') throw err;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.#deadLetter('SS_ERR_USER_CODE', message, record.value);
    }
  }

  #onMarker(input: Input, marker: string): void {
    const [producer, wm, idle] = marker.split(':');
    input.producers.set(Number(producer), [Number(wm), idle === '1']);
    this.#recomputeWatermark();
    if (this.#o.bounded && input.producers.size === input.spec.producers) {
      let allFinal = true;
      for (const [w] of input.producers.values()) if (w !== Number.POSITIVE_INFINITY) allFinal = false;
      if (allFinal) input.done = true;
    }
  }

  /** Marks inputs idle or active by processing time, then recomputes the watermark. */
  #refreshIdleness(now: number): void {
    if (!this.#o.bounded) {
      for (const input of this.#inputs) {
        if (input.spec.kind === 'source')
          input.idle = now - input.lastActivity >= input.spec.def!.idleTimeoutMs;
      }
    }
    this.#recomputeWatermark();
  }

  /**
   * The task's watermark: the minimum over inputs that are not idle. Called after every record that
   * raised an input's event time and after every marker, so which records count as late depends only
   * on the order of records in each input, never on how they were batched — a restart after a crash
   * classifies them exactly as the first run did.
   */
  #recomputeWatermark(): void {
    let min = Number.POSITIVE_INFINITY;
    let active = false;
    for (const input of this.#inputs) {
      const spec = input.spec;
      if (spec.kind === 'table' || spec.kind === 'broadcast') continue;
      if (spec.kind === 'source') {
        if (this.#o.bounded && input.done) {
          active = true;
          continue;
        }
        if (input.idle) continue;
        active = true;
        const wm = input.maxTs - spec.def!.outOfOrdernessMs;
        if (wm < min) min = wm;
        continue;
      }
      if (input.producers.size < spec.producers) {
        active = true;
        min = Number.NEGATIVE_INFINITY;
        continue;
      }
      for (const [wm, idle] of input.producers.values()) {
        if (idle) continue;
        active = true;
        if (wm < min) min = wm;
      }
    }
    if (!active) this.#setWatermark(this.#watermark, true);
    else this.#setWatermark(min, false);
  }

  #setWatermark(wm: number, idle: boolean): void {
    this.#idle = idle;
    if (wm <= this.#watermark) return;
    this.#watermark = wm;
    for (const op of this.#stateful) op.onWatermark(wm);
  }

  async #checkpoint(): Promise<void> {
    const { log, stage, partition, now } = this.#o;
    const marker = `${partition}:${this.#watermark}:${this.#idle ? 1 : 0}`;
    for (const f of this.#flushers) f.flush();
    const announce = stage.outputs.size > 0 && marker !== this.#announced;
    if (!this.#dirtyPositions && this.#outputs.size === 0 && this.#sinkBatches.size === 0 && !announce)
      return;
    this.#origin = undefined;
    const txn = log.beginTransaction();
    for (const [topic, records] of this.#outputs) txn.append(topic, records);
    if (announce) {
      const timestamp = Number.isFinite(this.#watermark) ? this.#watermark : now();
      for (const [topic, partitions] of stage.outputs) {
        const markers: ProducerRecord[] = [];
        for (let p = 0; p < partitions; p++)
          markers.push({ value: null, timestamp, partition: p, headers: { [WATERMARK_HEADER]: marker } });
        txn.append(topic, markers);
      }
      this.#announced = marker;
    }
    for (const op of this.#stateful)
      op.checkpoint((key, value) => txn.putState(op.store, partition, key, value));
    const inputs: Record<string, [number, [number, number, boolean][]]> = {};
    for (const i of this.#inputs)
      inputs[i.spec.topic] = [i.maxTs, [...i.producers].map(([p, [wm, idle]]) => [p, wm, idle])];
    // Every task reads the same partition of a broadcast topic: its position is task state, not a
    // consumer-group offset (which is one per partition).
    const broadcast: Record<string, number> = {};
    for (const i of this.#inputs) if (i.spec.kind === 'broadcast') broadcast[i.spec.topic] = i.position;
    txn.putState(
      this.#metaStore,
      partition,
      'task',
      msgpackCodec.encode({ wm: this.#watermark, inputs, broadcast }),
    );
    txn.commitOffsets(
      this.#group,
      this.#inputs
        .filter((i) => i.spec.kind !== 'broadcast')
        .map((i) => ({ topic: i.spec.topic, partition, offset: i.position })),
    );
    const sinks = this.#sinkBatches;
    this.#outputs = new Map();
    this.#sinkBatches = new Map();
    this.#dirtyPositions = false;
    this.#lastCheckpoint = now();
    const context = { pipeline: stage.prefix, partition };
    for (const [sink, records] of sinks) await sink.write(records, context);
    // The positions this commit holds, taken only when a purge may follow it.
    const consumed = this.#purgeDue() ? this.#repartitionPositions() : undefined;
    const commit = txn.commit().then(
      () => {
        for (const sink of sinks.keys()) sink.committed?.(context);
        if (consumed) this.#purge(consumed);
      },
      (err) => {
        this.#failure ??= new StreamsightError(
          'SS_ERR_STORAGE',
          `checkpoint of ${stage.prefix}/${stage.id}[${partition}] failed`,
          { cause: err },
        );
      },
    );
    this.#metrics.checkpoints++;
    this.#inFlight.push(commit);
    commit.then(() => {
      const i = this.#inFlight.indexOf(commit);
      if (i >= 0) this.#inFlight.splice(i, 1);
    });
    while (this.#inFlight.length >= this.#o.maxInFlightCommits) await this.#inFlight[0];
  }

  /** Positions in the repartition inputs: what the next checkpoint commits. */
  #repartitionPositions(): [string, number][] {
    return this.#inputs
      .filter((i) => i.spec.kind === 'repartition')
      .map((i): [string, number] => [i.spec.topic, i.position]);
  }

  /** No purge running, and the interval has passed since the last. */
  #purgeDue(): boolean {
    return (
      this.#purging === undefined && this.#o.now() - this.#lastPurge >= this.#o.repartitionPurgeIntervalMs
    );
  }

  /**
   * Deletes what the task has read of its repartition inputs once that position is committed: the
   * pipeline's own group is their only reader, so nothing else needs them, and without this they
   * would grow for as long as the app runs (retention by age cannot do it: record timestamps are
   * event time). At most once per `repartitionPurgeIntervalMs`; a failure only waits for the next.
   */
  #purge(consumed: [string, number][]): void {
    const { log, partition, now } = this.#o;
    if (consumed.length === 0 || !this.#purgeDue()) return;
    this.#lastPurge = now();
    this.#purging = Promise.allSettled(
      consumed.map(([topic, offset]) => log.deleteRecordsBefore(topic, partition, offset)),
    ).then(() => {
      this.#purging = undefined;
    });
  }

  #recordBatchTime(ms: number): void {
    const samples = this.#metrics.batchMs;
    if (samples.length >= 4096) samples.shift();
    samples.push(ms);
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
