/**
 * Stream–stream join (symmetric hash join) and stream–table lookup.
 *
 * Join: each side keeps its records per key; an arriving record is stored and probed against the
 * other side, emitting `fn(left, right, key)` for every match, with event time max(left.ts, right.ts).
 * Which records match and how long they are kept:
 * - window (tumbling): same window; both sides drop a window's records when the watermark passes its
 *   end. A record whose window already closed is late.
 * - within: |left.ts - right.ts| <= within; a record is kept until the watermark passes ts + within
 *   (no future record of the other side can match it after that).
 * - neither: any distance; state is never dropped (for small or slowly growing sides).
 *
 * Lookup: the table's records (latest value per key) update a map; stream records read it.
 */

import { type Key, msgpackCodec } from '../codec.ts';
import type { JoinOptionsDef, TopicDef } from '../plan.ts';
import { alignDown } from '../windows.ts';
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

/** [event time, value] */
type Entry = [number, unknown];

interface Side {
  name: 'L' | 'R';
  entries: Map<Key, Entry[]>;
  dirty: Set<Key>;
}

export class JoinOperator implements StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  readonly left: Operator;
  readonly right: Operator;
  readonly #id: string;
  readonly #fn: (left: unknown, right: unknown, key: Key) => unknown;
  readonly #windowSize: number | undefined;
  readonly #within: number | undefined;
  readonly #next: Operator;
  readonly #out: TaskOutput;
  readonly #l: Side = { name: 'L', entries: new Map(), dirty: new Set() };
  readonly #r: Side = { name: 'R', entries: new Map(), dirty: new Set() };
  readonly #wm = new OperatorWatermark();

  constructor(
    id: string,
    store: string,
    options: JoinOptionsDef,
    fn: (left: unknown, right: unknown, key: Key) => unknown,
    next: Operator,
    out: TaskOutput,
  ) {
    this.#id = id;
    this.store = store;
    this.metrics = { id, kind: 'join', recordsIn: 0, recordsOut: 0 };
    this.#fn = fn;
    this.#windowSize = options.window?.kind === 'tumbling' ? options.window.size : undefined;
    this.#within = options.withinMs;
    this.#next = next;
    this.#out = out;
    this.left = { push: (v, k, ts) => this.#arrive(this.#l, this.#r, v, k as Key, ts) };
    this.right = { push: (v, k, ts) => this.#arrive(this.#r, this.#l, v, k as Key, ts) };
  }

  #arrive(own: Side, other: Side, value: unknown, key: Key, ts: number): void {
    this.metrics.recordsIn++;
    const size = this.#windowSize;
    if (size !== undefined && alignDown(ts, size) + size <= this.#wm.value) {
      this.#out.late(undefined, value, key, ts, this.#id);
      return;
    }
    const matches = other.entries.get(key);
    if (matches) {
      for (const [ots, ov] of matches) {
        if (
          size !== undefined
            ? alignDown(ots, size) !== alignDown(ts, size)
            : this.#within !== undefined && Math.abs(ots - ts) > this.#within
        ) {
          continue;
        }
        this.metrics.recordsOut++;
        const out = own.name === 'L' ? this.#fn(value, ov, key) : this.#fn(ov, value, key);
        this.#next.push(out, key, Math.max(ts, ots));
      }
    }
    // A record past its matching horizon can still match what is stored, but nothing that comes later.
    if (this.#within !== undefined && ts + this.#within < this.#wm.value) return;
    let list = own.entries.get(key);
    if (!list) {
      list = [];
      own.entries.set(key, list);
    }
    list.push([ts, value]);
    own.dirty.add(key);
  }

  onWatermark(watermark: number): void {
    if (!this.#wm.advance(watermark)) return;
    const size = this.#windowSize;
    const within = this.#within;
    if (size === undefined && within === undefined) return;
    for (const side of [this.#l, this.#r]) {
      for (const [k, list] of side.entries) {
        const kept = list.filter(([ts]) =>
          size !== undefined ? alignDown(ts, size) + size > watermark : ts + within! >= watermark,
        );
        if (kept.length === list.length) continue;
        side.dirty.add(k);
        if (kept.length === 0) side.entries.delete(k);
        else side.entries.set(k, kept);
      }
    }
  }

  checkpoint(put: StatePut): void {
    for (const side of [this.#l, this.#r]) {
      for (const k of side.dirty) {
        const list = side.entries.get(k);
        put(`${side.name}${keyTag(k)}`, list === undefined ? null : msgpackCodec.encode(list));
      }
      side.dirty.clear();
    }
    this.#wm.checkpoint(put);
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [id, bytes] of entries) {
      if (this.#wm.restore(id, bytes)) continue;
      const side = id[0] === 'L' ? this.#l : this.#r;
      side.entries.set(untagKey(id.slice(1)), msgpackCodec.decode(bytes) as Entry[]);
    }
  }
}

export class LookupOperator implements Operator, StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  /** Receives the table topic's records. */
  readonly table: Operator;
  readonly #rows = new Map<Key, unknown>();
  readonly #dirty = new Set<Key>();
  readonly #fn: (value: unknown, row: unknown) => unknown;
  readonly #next: Operator;

  constructor(
    id: string,
    store: string,
    tableTopic: TopicDef,
    fn: (value: unknown, row: unknown) => unknown,
    next: Operator,
  ) {
    this.store = store;
    this.metrics = { id, kind: 'lookup', recordsIn: 0, recordsOut: 0 };
    this.#fn = fn;
    this.#next = next;
    const keyOf = tableTopic.key!;
    this.table = {
      push: (v) => {
        const k = keyOf(v);
        this.#rows.set(k, v);
        this.#dirty.add(k);
      },
    };
  }

  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    this.metrics.recordsOut++;
    this.#next.push(this.#fn(value, this.#rows.get(key as Key)), key, ts);
  }

  onWatermark(): void {}

  checkpoint(put: StatePut): void {
    for (const k of this.#dirty) put(keyTag(k), msgpackCodec.encode(this.#rows.get(k)));
    this.#dirty.clear();
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [id, bytes] of entries) this.#rows.set(untagKey(id), msgpackCodec.decode(bytes));
  }
}
