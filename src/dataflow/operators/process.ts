/**
 * `keyed.process(...)`: the extension point for stateful operators written outside the engine (CEP,
 * online learning). The user's operator gets records, watermarks, processing-time ticks and records of
 * broadcast topics (every task reads all of them: rules, models); it keeps its own state and writes the
 * entries that changed at each checkpoint, which the task commits in the same transaction as its
 * outputs and positions — so such operators are exactly-once like the built-in ones.
 */

import { jsonCodec, type Key, keyBytes } from '../codec.ts';
import type { TopicDef } from '../plan.ts';
import type { Operator, OperatorMetrics, StatefulOperator, StatePut } from './operator.ts';
import type { TaskOutput } from './outputs.ts';

/** What a process operator can do besides keeping state. */
export interface ProcessContext<U> {
  /** Emits a record downstream (default key: the input record's key; default time: its time). */
  emit(value: U, key?: Key, ts?: number): void;
  /**
   * Appends a record (JSON value) to the topic named `topic`, in the task's checkpoint transaction:
   * for outputs chosen while the app runs, such as one alert topic per CEP rule. The topic must exist
   * when the checkpoint commits. Default key and time: the input record's.
   */
  output(topic: string, value: unknown, key?: Key, ts?: number): void;
  /** Sends a record that arrived too late to the late output (the dead letters by default). */
  late(value: unknown, key: Key | undefined, ts: number): void;
  /** The task's current watermark. */
  readonly watermark: number;
  /** The task's partition. */
  readonly partition: number;
}

/**
 * A stateful operator for `keyed.process`.
 *
 * @example
 * // Count records per key and emit every 100th.
 * stream.keyBy((r) => r.user).process(() => {
 *   const counts = new Map<string, number>();
 *   const dirty = new Set<string>();
 *   return {
 *     process(value, key, ts, ctx) {
 *       const n = (counts.get(key) ?? 0) + 1;
 *       counts.set(key, n);
 *       dirty.add(key);
 *       if (n % 100 === 0) ctx.emit({ user: key, n });
 *     },
 *     checkpoint(put) {
 *       for (const k of dirty) put(k, Buffer.from(String(counts.get(k))));
 *       dirty.clear();
 *     },
 *     restore(entries) {
 *       for (const [k, v] of entries) counts.set(k, Number(Buffer.from(v).toString()));
 *     },
 *   };
 * });
 */
export interface ProcessOperator<K extends Key, T, U> {
  process(value: T, key: K, ts: number, ctx: ProcessContext<U>): void;
  onWatermark?(watermark: number, ctx: ProcessContext<U>): void;
  /** Called on every loop of the task (at least every 50 ms) with the wall-clock time. */
  onTimer?(now: number, ctx: ProcessContext<U>): void;
  /**
   * A record of a broadcast topic (decoded with the topic's codec), in log order. A restarted task
   * continues the broadcast topic from its last checkpoint, so keep what you derive from these records
   * (rules, thresholds) in your checkpointed state.
   */
  onBroadcast?(topic: string, value: unknown, ctx: ProcessContext<U>): void;
  checkpoint(put: StatePut): void;
  restore(entries: Iterable<[string, Uint8Array]>): void;
}

export class ProcessOperatorAdapter implements Operator, StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  /** Receives broadcast records: value = the decoded record, key = the topic name. */
  readonly broadcast: Operator;
  readonly #op: ProcessOperator<Key, unknown, unknown>;
  readonly #ctx: ProcessContext<unknown> & { key: Key | undefined; ts: number; watermark: number };

  constructor(
    id: string,
    store: string,
    op: ProcessOperator<Key, unknown, unknown>,
    next: Operator,
    out: TaskOutput,
    late: TopicDef | undefined,
    partition: number,
  ) {
    this.store = store;
    this.metrics = { id, kind: 'process', recordsIn: 0, recordsOut: 0 };
    this.#op = op;
    const metrics = this.metrics;
    const ctx = {
      key: undefined as Key | undefined,
      ts: 0,
      watermark: Number.NEGATIVE_INFINITY,
      partition,
      emit(value: unknown, key?: Key, ts?: number) {
        metrics.recordsOut++;
        next.push(value, key ?? ctx.key, ts ?? ctx.ts);
      },
      output(topic: string, value: unknown, key?: Key, ts?: number) {
        const k = key ?? ctx.key;
        out.append(topic, {
          key: k === undefined ? null : keyBytes(k),
          value: jsonCodec.encode(value),
          timestamp: ts ?? ctx.ts,
        });
      },
      late(value: unknown, key: Key | undefined, ts: number) {
        out.late(late, value, key, ts, id);
      },
    };
    this.#ctx = ctx;
    this.broadcast = { push: (value, topic) => op.onBroadcast?.(String(topic), value, ctx) };
  }

  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    this.#ctx.key = key;
    this.#ctx.ts = ts;
    this.#op.process(value, key as Key, ts, this.#ctx);
  }

  onWatermark(watermark: number): void {
    this.#ctx.watermark = watermark;
    this.#ctx.ts = Number.isFinite(watermark) ? watermark : this.#ctx.ts;
    this.#op.onWatermark?.(watermark, this.#ctx);
  }

  onTimer(now: number): void {
    this.#op.onTimer?.(now, this.#ctx);
  }

  checkpoint(put: StatePut): void {
    this.#op.checkpoint(put);
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    this.#op.restore(entries);
  }
}
