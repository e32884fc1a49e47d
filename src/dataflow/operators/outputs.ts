/** Terminal operators: append to a topic, repartition by a new key, hand to a sink. */

import type { ProducerRecord } from '../../log/log.ts';
import { partitionFor } from '../../log/partitioner.ts';
import { jsonCodec, type Key, keyBytes } from '../codec.ts';
import type { TopicDef } from '../plan.ts';
import type { Sink, SinkRecord } from '../sink.ts';
import type { Operator, OperatorMetrics } from './operator.ts';

/** What a task collects between checkpoints. */
export interface TaskOutput {
  append(topic: string, record: ProducerRecord): void;
  sink(sink: Sink<unknown>, record: SinkRecord<unknown>): void;
  /** A record too late for its window: to `topic`, or the dead-letter topic when undefined. */
  late(topic: TopicDef | undefined, value: unknown, key: Key | undefined, ts: number, operator: string): void;
}

export class ToTopicOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #topic: TopicDef;
  readonly #out: TaskOutput;
  constructor(id: string, topic: TopicDef, out: TaskOutput) {
    this.metrics = { id, kind: 'to', recordsIn: 0, recordsOut: 0 };
    this.#topic = topic;
    this.#out = out;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    this.metrics.recordsOut++;
    const k = this.#topic.key ? this.#topic.key(value) : key;
    this.#out.append(this.#topic.name, {
      key: k === undefined ? null : keyBytes(k),
      value: this.#topic.codec.encode(value),
      timestamp: ts,
    });
  }
}

/**
 * Writes records to a repartition topic under a new key. Layout of the value (JSON): `[key, value]`,
 * so the key keeps its type (number or string) across the hop. JSON, not msgpack: for plain objects
 * V8's JSON is about twice as fast both ways (measured: 1.0M/s encode and 1.3M/s decode of Nexmark
 * bids against 0.46M/s and 0.61M/s). Values crossing a `keyBy` must therefore be JSON-serializable,
 * as values of a JSON topic are.
 */
export class RepartitionOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #topic: string;
  readonly #partitions: number;
  readonly #keyFn: ((value: any) => Key) | undefined;
  readonly #out: TaskOutput;
  constructor(
    id: string,
    topic: string,
    partitions: number,
    keyFn: ((value: any) => Key) | undefined,
    out: TaskOutput,
  ) {
    this.metrics = { id, kind: 'repartition', recordsIn: 0, recordsOut: 0 };
    this.#topic = topic;
    this.#partitions = partitions;
    this.#keyFn = keyFn;
    this.#out = out;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    const k = this.#keyFn ? this.#keyFn(value) : (key as Key);
    const kb = keyBytes(k);
    this.metrics.recordsOut++;
    this.#out.append(this.#topic, {
      key: kb,
      value: jsonCodec.encode([k, value]),
      timestamp: ts,
      partition: partitionFor(kb, this.#partitions),
    });
  }
}

export class SinkOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #sink: Sink<unknown>;
  readonly #out: TaskOutput;
  constructor(id: string, sink: Sink<unknown>, out: TaskOutput) {
    this.metrics = { id, kind: 'sink', recordsIn: 0, recordsOut: 0 };
    this.#sink = sink;
    this.#out = out;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    this.metrics.recordsOut++;
    this.#out.sink(this.#sink, { key, value, timestamp: ts });
  }
}
