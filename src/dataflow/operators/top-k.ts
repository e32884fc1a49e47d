/**
 * Top-k per window. Upstream window results arrive repartitioned by window start, so every result of
 * one window meets in one task. The operator keeps the latest result per (window, key) and emits the
 * window's best n (with ties when asked) once the watermark reaches the window's end.
 */

import { type Key, msgpackCodec } from '../codec.ts';
import type { WindowResult } from '../windows.ts';
import {
  compareKeys,
  keyTag,
  type Operator,
  type OperatorMetrics,
  OperatorWatermark,
  type StatefulOperator,
  type StatePut,
  untagKey,
} from './operator.ts';

export interface TopKConfig {
  id: string;
  store: string;
  n: number;
  by: (result: any) => number;
  withTies: boolean;
}

interface WindowRows {
  end: number;
  rows: Map<Key, WindowResult<Key, unknown>>;
}

export class TopKOperator implements Operator, StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  readonly #c: TopKConfig;
  readonly #next: Operator;
  readonly #windows = new Map<number, WindowRows>();
  readonly #dirty = new Map<number, Set<Key>>();
  readonly #wm = new OperatorWatermark();

  constructor(config: TopKConfig, next: Operator) {
    this.#c = config;
    this.store = config.store;
    this.metrics = { id: config.id, kind: 'topK', recordsIn: 0, recordsOut: 0 };
    this.#next = next;
  }

  push(value: unknown): void {
    this.metrics.recordsIn++;
    const r = value as WindowResult<Key, unknown>;
    let w = this.#windows.get(r.start);
    if (!w) {
      w = { end: r.end, rows: new Map() };
      this.#windows.set(r.start, w);
    }
    w.rows.set(r.key, r);
    let keys = this.#dirty.get(r.start);
    if (!keys) {
      keys = new Set();
      this.#dirty.set(r.start, keys);
    }
    keys.add(r.key);
    // A result for a window already emitted (allowed lateness upstream) re-emits it.
    if (r.end <= this.#wm.value) this.#fire(r.start, w, false);
  }

  onWatermark(watermark: number): void {
    if (!this.#wm.advance(watermark)) return;
    const due = [...this.#windows].filter(([, w]) => w.end <= watermark).sort((a, b) => a[0] - b[0]);
    for (const [start, w] of due) this.#fire(start, w, true);
  }

  checkpoint(put: StatePut): void {
    for (const [start, keys] of this.#dirty) {
      const rows = this.#windows.get(start)?.rows;
      for (const k of keys) {
        const row = rows?.get(k);
        put(`${start}:${keyTag(k)}`, row === undefined ? null : msgpackCodec.encode(row));
      }
    }
    this.#dirty.clear();
    this.#wm.checkpoint(put);
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [id, bytes] of entries) {
      if (this.#wm.restore(id, bytes)) continue;
      const row = msgpackCodec.decode(bytes) as WindowResult<Key, unknown>;
      const start = Number(id.slice(0, id.indexOf(':')));
      let w = this.#windows.get(start);
      if (!w) {
        w = { end: row.end, rows: new Map() };
        this.#windows.set(start, w);
      }
      w.rows.set(untagKey(id.slice(id.indexOf(':') + 1)), row);
    }
  }

  #fire(start: number, w: WindowRows, drop: boolean): void {
    const by = this.#c.by;
    const sorted = [...w.rows.values()].sort((a, b) => by(b) - by(a) || compareKeys(a.key, b.key));
    let n = Math.min(this.#c.n, sorted.length);
    if (this.#c.withTies) while (n < sorted.length && by(sorted[n]) === by(sorted[n - 1])) n++;
    this.metrics.recordsOut++;
    this.#next.push({ start, end: w.end, items: sorted.slice(0, n) }, start, w.end - 1);
    if (drop) {
      // Keep nothing for a fired window: late updates start a fresh entry and re-emit it.
      let keys = this.#dirty.get(start);
      if (!keys) {
        keys = new Set();
        this.#dirty.set(start, keys);
      }
      for (const k of w.rows.keys()) keys.add(k);
      this.#windows.delete(start);
    }
  }
}
