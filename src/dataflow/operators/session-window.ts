/**
 * Session windows: per key, a session is [first record, last record + gap). A record opens the
 * interval [ts, ts + gap); sessions it overlaps merge (accumulators combined with `merge`).
 *
 * A session fires when the watermark reaches its end. Sessions are indexed by end in buckets of `gap`
 * ms, so a watermark visits only the buckets it passed; a session that grew since it was indexed is
 * simply found again in its newer bucket. A record whose own interval ended at or before
 * W - allowedLateness is late. Within the allowed lateness a fired session may be updated; it is
 * re-emitted and kept until its end + allowedLateness passes.
 */

import type { Aggregator } from '../aggregators/aggregator.ts';
import { type Key, msgpackCodec } from '../codec.ts';
import type { TopicDef } from '../plan.ts';
import type { WindowResult } from '../windows.ts';
import {
  keyTag,
  type Operator,
  type OperatorMetrics,
  OperatorWatermark,
  type StatefulOperator,
  type StatePut,
  untagKey,
} from './operator.ts';
import type { TaskOutput } from './outputs.ts';

export interface SessionWindowConfig {
  id: string;
  store: string;
  gap: number;
  aggregator: Aggregator<any, any, any>;
  allowedLatenessMs: number;
  late: TopicDef | undefined;
}

/** [start, end, accumulator, fired (0 | 1)] — an array so it checkpoints compactly. */
type Session = [number, number, unknown, number];

export class SessionWindowOperator implements Operator, StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  readonly #c: SessionWindowConfig;
  readonly #next: Operator;
  readonly #out: TaskOutput;
  readonly #sessions = new Map<Key, Session[]>();
  /** floor(end / gap) → keys with a session ending in that bucket (may be stale). */
  readonly #byEnd = new Map<number, Set<Key>>();
  readonly #dirty = new Set<Key>();
  readonly #wm = new OperatorWatermark();

  constructor(config: SessionWindowConfig, next: Operator, out: TaskOutput) {
    this.#c = config;
    this.store = config.store;
    this.metrics = { id: config.id, kind: 'session-window', recordsIn: 0, recordsOut: 0 };
    this.#next = next;
    this.#out = out;
  }

  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    const k = key as Key;
    const { gap, aggregator: agg, allowedLatenessMs } = this.#c;
    if (ts + gap + allowedLatenessMs <= this.#wm.value) {
      this.#out.late(this.#c.late, value, key, ts, this.#c.id);
      return;
    }
    let list = this.#sessions.get(k);
    if (!list) {
      list = [];
      this.#sessions.set(k, list);
    }
    let merged: Session = [ts, ts + gap, agg.add(agg.init(), value), 0];
    let wasFired = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (s[0] < merged[1] && merged[0] < s[1]) {
        merged = [Math.min(s[0], merged[0]), Math.max(s[1], merged[1]), agg.merge(s[2], merged[2]), 0];
        wasFired ||= s[3] === 1;
        list.splice(i, 1);
      }
    }
    list.push(merged);
    if (list.length > 1) list.sort((a, b) => a[0] - b[0]);
    this.#dirty.add(k);
    this.#index(k, merged[1]);
    if (wasFired || merged[1] <= this.#wm.value) this.#fire(k, merged);
  }

  onWatermark(watermark: number): void {
    if (!this.#wm.advance(watermark)) return;
    const { gap, allowedLatenessMs } = this.#c;
    const last = Number.isFinite(watermark) ? Math.floor(watermark / gap) : Number.POSITIVE_INFINITY;
    const buckets = [...this.#byEnd.keys()].filter((b) => b <= last).sort((a, b) => a - b);
    for (const b of buckets) {
      const keys = this.#byEnd.get(b)!;
      this.#byEnd.delete(b);
      for (const k of keys) {
        const list = this.#sessions.get(k);
        if (!list) continue;
        for (let i = 0; i < list.length; i++) {
          const s = list[i];
          if (s[1] > watermark) {
            this.#index(k, s[1]);
            continue;
          }
          if (s[3] === 0) this.#fire(k, s);
          if (s[1] + allowedLatenessMs <= watermark) {
            list.splice(i--, 1);
            this.#dirty.add(k);
          } else this.#index(k, s[1] + allowedLatenessMs);
        }
        if (list.length === 0) this.#sessions.delete(k);
      }
    }
  }

  checkpoint(put: StatePut): void {
    for (const k of this.#dirty) {
      const list = this.#sessions.get(k);
      put(keyTag(k), list === undefined ? null : msgpackCodec.encode(list));
    }
    this.#dirty.clear();
    this.#wm.checkpoint(put);
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [id, bytes] of entries) {
      if (this.#wm.restore(id, bytes)) continue;
      const k = untagKey(id);
      const list = msgpackCodec.decode(bytes) as Session[];
      this.#sessions.set(k, list);
      for (const s of list) this.#index(k, s[3] === 1 ? s[1] + this.#c.allowedLatenessMs : s[1]);
    }
  }

  #fire(k: Key, s: Session): void {
    s[3] = 1;
    this.#dirty.add(k);
    const result: WindowResult<Key, unknown> = {
      key: k,
      start: s[0],
      end: s[1],
      value: this.#c.aggregator.result(s[2]),
      final: true,
    };
    this.metrics.recordsOut++;
    this.#next.push(result, k, s[1] - 1);
  }

  #index(k: Key, end: number): void {
    const b = Math.floor(end / this.#c.gap);
    let keys = this.#byEnd.get(b);
    if (!keys) {
      keys = new Set();
      this.#byEnd.set(b, keys);
    }
    keys.add(k);
  }
}
