/**
 * Pre-aggregation before a repartition (a combiner). When a `keyBy` feeds straight into a tumbling or
 * hopping window, the upstream task does not ship every record: it folds records into one partial
 * accumulator per (new key, pane) and, at each checkpoint, ships the partials — msgpack
 * `[key, paneStart, accumulator]` — which the downstream window merges. A hot key then costs one
 * record per pane and checkpoint instead of one per event.
 *
 * Lateness is decided here, against this task's watermark: a record that is not late here cannot be
 * late downstream, whose watermark is the minimum of its upstream tasks' and lags behind the partials
 * (markers are appended after the data they cover). Partials live only until the next checkpoint,
 * which ships them in the same transaction as the input positions, so they need no state of their own.
 */

import { partitionFor } from '../../log/partitioner.ts';
import type { Aggregator } from '../aggregators/aggregator.ts';
import { type Key, keyBytes, msgpackCodec } from '../codec.ts';
import type { TopicDef } from '../plan.ts';
import { alignDown } from '../windows.ts';
import type { Operator, OperatorMetrics } from './operator.ts';
import type { TaskOutput } from './outputs.ts';

export interface PartialAggregateConfig {
  id: string;
  topic: string;
  partitions: number;
  keyFn: (value: any) => Key;
  pane: number;
  every: number;
  size: number;
  aggregator: Aggregator<any, any, any>;
  allowedLatenessMs: number;
  late: TopicDef | undefined;
  /** The task's current watermark. */
  watermark: () => number;
}

export class PartialAggregateOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #c: PartialAggregateConfig;
  readonly #out: TaskOutput;
  readonly #partials = new Map<number, Map<Key, unknown>>();

  constructor(config: PartialAggregateConfig, out: TaskOutput) {
    this.#c = config;
    this.metrics = { id: config.id, kind: 'pre-aggregate', recordsIn: 0, recordsOut: 0 };
    this.#out = out;
  }

  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    const c = this.#c;
    if (alignDown(ts, c.every) + c.size + c.allowedLatenessMs <= c.watermark()) {
      this.#out.late(c.late, value, key, ts, c.id);
      return;
    }
    const k = c.keyFn(value);
    const pane = alignDown(ts, c.pane);
    let byKey = this.#partials.get(pane);
    if (!byKey) {
      byKey = new Map();
      this.#partials.set(pane, byKey);
    }
    const acc = byKey.get(k);
    byKey.set(k, c.aggregator.add(acc === undefined ? c.aggregator.init() : acc, value));
  }

  /** Ships the partials; the task calls this at the start of every checkpoint. */
  flush(): void {
    const c = this.#c;
    for (const [pane, byKey] of this.#partials) {
      for (const [k, acc] of byKey) {
        const kb = keyBytes(k);
        this.metrics.recordsOut++;
        this.#out.append(c.topic, {
          key: kb,
          value: msgpackCodec.encode([k, pane, acc]),
          timestamp: pane,
          partition: partitionFor(kb, c.partitions),
        });
      }
    }
    this.#partials.clear();
  }
}
