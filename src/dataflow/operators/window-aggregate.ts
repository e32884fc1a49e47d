/**
 * Tumbling and hopping window aggregation on panes.
 *
 * State: one accumulator per (pane, key), where a pane is a slice of gcd(size, every) ms. A window
 * [end - size, end) is the merge of its size / pane panes. Window ends are multiples of `every`.
 *
 * Firing: when the watermark W reaches a window end E (W >= E: no record with ts < E can still
 * arrive), the window's result is emitted for every key present in its panes, with event time E - 1.
 * `firedUpTo` remembers the last end fired, so a restart from a checkpoint never fires a window twice.
 *
 * Lateness: a record whose last window ended at or before W - allowedLateness is late for every
 * window and goes to the late output. A record for a window that already fired but is within the
 * allowed lateness updates it and re-emits the window at once. Panes are dropped when the last window
 * containing them is past end + allowedLateness.
 *
 * Early updates: with `earlyEveryMs`, a processing-time timer emits the current value (final: false)
 * of every open window whose panes changed since the last early emission.
 */

import type { Aggregator } from '../aggregators/aggregator.ts';
import { type Key, msgpackCodec } from '../codec.ts';
import type { TopicDef } from '../plan.ts';
import { alignDown, gcd, type WindowResult } from '../windows.ts';
import {
  compareKeys,
  keyTag,
  type Operator,
  type OperatorMetrics,
  type StatefulOperator,
  type StatePut,
  untagKey,
} from './operator.ts';
import type { TaskOutput } from './outputs.ts';

export interface PaneWindowConfig {
  id: string;
  store: string;
  size: number;
  every: number;
  aggregator: Aggregator<any, any, any>;
  allowedLatenessMs: number;
  earlyEveryMs: number;
  late: TopicDef | undefined;
  /** Emit only each window's top n results (ties kept): set for final-only windows feeding a `topK`. */
  topN?: { n: number; by: (result: WindowResult<Key, unknown>) => number };
}

const META = '~meta';
/** State entries of dropped panes deleted per checkpoint. */
const GARBAGE_PER_CHECKPOINT = 256;

export class PaneWindowOperator implements Operator, StatefulOperator {
  readonly store: string;
  readonly metrics: OperatorMetrics;
  readonly #c: PaneWindowConfig;
  readonly #pane: number;
  readonly #agg: Aggregator<any, any, any>;
  readonly #next: Operator;
  readonly #out: TaskOutput;
  /** pane start → key → accumulator */
  readonly #panes = new Map<number, Map<Key, unknown>>();
  /** Sorted pane starts present in #panes. */
  #starts: number[] = [];
  readonly #dirty = new Map<number, Set<Key>>();
  readonly #earlyDirty = new Map<number, Set<Key>>();
  #watermark = Number.NEGATIVE_INFINITY;
  #firedUpTo = Number.NEGATIVE_INFINITY;
  /** Panes below this start were dropped; their state entries are garbage. */
  #droppedBelow = Number.NEGATIVE_INFINITY;
  /** State keys of dropped panes still to delete. */
  readonly #garbage: string[] = [];
  /** Top-n hopping windows keep an accumulator per open window and key (see #addToWindows). */
  readonly #eager: boolean;
  readonly #windows = new Map<number, Map<Key, unknown>>();
  #metaDirty = false;
  #nextEarly = 0;

  constructor(config: PaneWindowConfig, next: Operator, out: TaskOutput) {
    this.#c = config;
    this.store = config.store;
    this.metrics = { id: config.id, kind: 'window', recordsIn: 0, recordsOut: 0 };
    this.#pane = gcd(config.size, config.every);
    this.#eager = config.topN !== undefined && this.#pane !== config.size;
    this.#agg = config.aggregator;
    this.#next = next;
    this.#out = out;
  }

  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    const { size, every, allowedLatenessMs } = this.#c;
    if (alignDown(ts, every) + size + allowedLatenessMs <= this.#watermark) {
      this.#out.late(this.#c.late, value, key, ts, this.#c.id);
      return;
    }
    const p = alignDown(ts, this.#pane);
    const byKey = this.#paneOf(p);
    const acc = byKey.get(key as Key);
    byKey.set(key as Key, this.#agg.add(acc === undefined ? this.#agg.init() : acc, value));
    if (this.#eager) this.#addToWindows(p, key as Key, value, false);
    this.#touched(p, key as Key);
  }

  /** Merges a partial accumulator pre-aggregated upstream (see partial-aggregate.ts). */
  pushPartial(key: Key, pane: number, partial: unknown): void {
    this.metrics.recordsIn++;
    const { size, every, allowedLatenessMs } = this.#c;
    if (alignDown(pane, every) + size + allowedLatenessMs <= this.#watermark) {
      // Cannot happen while upstream decides lateness first; kept so nothing vanishes silently.
      this.#out.late(this.#c.late, { key, pane, partial }, key, pane, this.#c.id);
      return;
    }
    const byKey = this.#paneOf(pane);
    const acc = byKey.get(key);
    byKey.set(key, this.#agg.merge(acc === undefined ? this.#agg.init() : acc, partial));
    if (this.#eager) this.#addToWindows(pane, key, partial, true);
    this.#touched(pane, key);
  }

  /**
   * Eager window accumulators (top-n hopping windows only): a record or partial also updates the
   * accumulator of every open window containing its pane, so firing a window reads one map instead
   * of merging `size / every` panes for every key at the moment latency matters.
   */
  #addToWindows(p: number, k: Key, x: unknown, partial: boolean): void {
    const { size, every } = this.#c;
    const agg = this.#agg;
    const lastEnd = alignDown(p, every) + size;
    for (let end = alignDown(p - size, every) + every + size; end <= lastEnd; end += every) {
      if (end <= this.#firedUpTo) continue;
      let accs = this.#windows.get(end);
      if (!accs) {
        accs = new Map();
        this.#windows.set(end, accs);
      }
      const acc = accs.get(k);
      const base = acc === undefined ? agg.init() : acc;
      accs.set(k, partial ? agg.merge(base, x) : agg.add(base, x));
    }
  }

  #paneOf(p: number): Map<Key, unknown> {
    let byKey = this.#panes.get(p);
    if (!byKey) {
      byKey = new Map();
      this.#panes.set(p, byKey);
      this.#insertStart(p);
    }
    return byKey;
  }

  #touched(p: number, k: Key): void {
    mark(this.#dirty, p, k);
    if (this.#c.earlyEveryMs > 0) mark(this.#earlyDirty, p, k);
    // Allowed lateness: windows containing the pane that already fired are re-emitted now.
    const { size, every } = this.#c;
    const firstEnd = alignDown(p - size, every) + every + size;
    if (firstEnd > this.#firedUpTo) return;
    const lastEnd = alignDown(p, every) + size;
    for (let end = firstEnd; end <= lastEnd && end <= this.#firedUpTo; end += every) this.#emit(end, k, true);
  }

  onWatermark(watermark: number): void {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    this.#metaDirty = true;
    const { size, every, allowedLatenessMs } = this.#c;
    let end =
      this.#firedUpTo === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : this.#firedUpTo + every;
    while (this.#starts.length > 0) {
      // Skip empty stretches: the earliest window holding the oldest unfired pane.
      const oldest = this.#firstStartAtOrAfter(end - size);
      if (oldest === undefined) break;
      const earliestEnd = alignDown(oldest - size, every) + every + size;
      if (earliestEnd > end) end = earliestEnd;
      if (end > watermark) break;
      if (this.#c.topN) this.#fireTop(end, this.#c.topN);
      else for (const k of this.#keysIn(end - size, end)) this.#emit(end, k, true);
      this.#firedUpTo = end;
      end += every;
    }
    // Nothing left to fire: windows up to the watermark count as fired (late records re-emit them).
    if (this.#firedUpTo !== Number.NEGATIVE_INFINITY && end <= watermark && Number.isFinite(watermark)) {
      this.#firedUpTo = alignDown(watermark, every);
    }
    for (const e of this.#windows.keys()) if (e <= this.#firedUpTo) this.#windows.delete(e);
    // Drop panes whose last window is closed for good.
    while (this.#starts.length > 0) {
      const p = this.#starts[0];
      if (alignDown(p, every) + size + allowedLatenessMs > watermark) break;
      this.#starts.shift();
      // The pane's entries become garbage, deleted a slice per checkpoint (see checkpoint()).
      for (const k of this.#panes.get(p)!.keys()) this.#garbage.push(`${p}:${keyTag(k)}`);
      this.#panes.delete(p);
      this.#dirty.delete(p);
      this.#earlyDirty.delete(p);
      this.#droppedBelow = p + this.#pane;
    }
  }

  onTimer(now: number): void {
    if (this.#c.earlyEveryMs === 0 || now < this.#nextEarly) return;
    this.#nextEarly = now + this.#c.earlyEveryMs;
    const { size, every } = this.#c;
    const done = new Set<string>();
    for (const [p, keys] of this.#earlyDirty) {
      const firstEnd = Math.max(alignDown(p - size, every) + every + size, this.#firedUpTo + every);
      for (let end = firstEnd; end <= alignDown(p, every) + size; end += every) {
        for (const k of keys) {
          const id = `${end}|${keyTag(k)}`;
          if (done.has(id)) continue;
          done.add(id);
          this.#emit(end, k, false);
        }
      }
    }
    this.#earlyDirty.clear();
  }

  checkpoint(put: StatePut): void {
    // Deleting a closed pane's thousands of entries in one commit would stall every task sharing
    // the log (one writer at a time) right when windows fire; `droppedBelow` already hides them from a
    // restore, so they go a slice at a time.
    // At least an eighth of the backlog each time, so garbage cannot outgrow a slow checkpoint cadence.
    const deletions = this.#garbage.splice(
      0,
      Math.max(GARBAGE_PER_CHECKPOINT, Math.ceil(this.#garbage.length / 8)),
    );
    for (const id of deletions) put(id, null);
    for (const [p, keys] of this.#dirty) {
      const byKey = this.#panes.get(p);
      for (const k of keys) {
        const acc = byKey?.get(k);
        put(`${p}:${keyTag(k)}`, acc === undefined ? null : msgpackCodec.encode(acc));
      }
    }
    this.#dirty.clear();
    if (this.#metaDirty) {
      put(META, msgpackCodec.encode([this.#watermark, this.#firedUpTo, this.#droppedBelow]));
      this.#metaDirty = false;
    }
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    const all = [...entries];
    const meta = all.find(([id]) => id === META);
    if (meta) {
      const [wm, fired, dropped] = msgpackCodec.decode(meta[1]) as [
        number | null,
        number | null,
        number | null,
      ];
      this.#watermark = wm ?? Number.NEGATIVE_INFINITY;
      this.#firedUpTo = fired ?? Number.NEGATIVE_INFINITY;
      this.#droppedBelow = dropped ?? Number.NEGATIVE_INFINITY;
    }
    for (const [id, bytes] of all) {
      if (id === META) continue;
      const colon = id.indexOf(':');
      const p = Number(id.slice(0, colon));
      if (p < this.#droppedBelow) this.#garbage.push(id);
      else this.#paneOf(p).set(untagKey(id.slice(colon + 1)), msgpackCodec.decode(bytes));
    }
    if (this.#eager) {
      for (const [p, byKey] of this.#panes) for (const [k, acc] of byKey) this.#addToWindows(p, k, acc, true);
    }
  }

  #emit(end: number, key: Key, final: boolean): void {
    const start = end - this.#c.size;
    let acc: unknown;
    if (this.#pane === this.#c.size) {
      acc = this.#panes.get(start)?.get(key);
    } else {
      for (let i = this.#lowerBound(start); i < this.#starts.length && this.#starts[i] < end; i++) {
        const part = this.#panes.get(this.#starts[i])!.get(key);
        if (part !== undefined) acc = this.#agg.merge(acc === undefined ? this.#agg.init() : acc, part);
      }
    }
    if (acc === undefined) return;
    const result: WindowResult<Key, unknown> = { key, start, end, value: this.#agg.result(acc), final };
    this.metrics.recordsOut++;
    this.#next.push(result, key, end - 1);
  }

  /**
   * Fires a window emitting only its top n results (ties kept), for a final-only window feeding a
   * top-k: with many keys per window (Nexmark q5: 30,000 per 10 s at 50k events/s) it spares one
   * result object per key and the sort of all of them downstream.
   */
  #fireTop(end: number, topN: { n: number; by: (result: WindowResult<Key, unknown>) => number }): void {
    const start = end - this.#c.size;
    const agg = this.#agg;
    let accs: Map<Key, unknown> | undefined;
    if (this.#eager) {
      accs = this.#windows.get(end);
      this.#windows.delete(end);
    } else accs = this.#panes.get(start);
    if (accs === undefined || accs.size === 0) return;
    // Score every key through one scratch result, then keep the keys at or above the n-th score.
    const scratch: WindowResult<Key, unknown> = { key: '', start, end, value: undefined, final: true };
    const keys: Key[] = [];
    const values: unknown[] = [];
    const scores = new Float64Array(accs.size);
    for (const [k, acc] of accs) {
      scratch.key = k;
      scratch.value = agg.result(acc);
      scores[keys.length] = topN.by(scratch);
      keys.push(k);
      values.push(scratch.value);
    }
    const sorted = scores.slice().sort();
    const threshold = sorted[Math.max(0, sorted.length - topN.n)];
    const winners: number[] = [];
    for (let i = 0; i < keys.length; i++) if (scores[i] >= threshold) winners.push(i);
    winners.sort((a, b) => scores[b] - scores[a] || compareKeys(keys[a], keys[b]));
    for (const i of winners) {
      this.metrics.recordsOut++;
      this.#next.push({ key: keys[i], start, end, value: values[i], final: true }, keys[i], end - 1);
    }
  }

  #keysIn(from: number, to: number): Set<Key> | Iterable<Key> {
    if (this.#pane === this.#c.size) return this.#panes.get(from)?.keys() ?? [];
    const keys = new Set<Key>();
    for (let i = this.#lowerBound(from); i < this.#starts.length && this.#starts[i] < to; i++) {
      for (const k of this.#panes.get(this.#starts[i])!.keys()) keys.add(k);
    }
    return keys;
  }

  #firstStartAtOrAfter(t: number): number | undefined {
    const i = this.#lowerBound(t);
    return i < this.#starts.length ? this.#starts[i] : undefined;
  }

  #lowerBound(t: number): number {
    let lo = 0;
    let hi = this.#starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#starts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #insertStart(p: number): void {
    const s = this.#starts;
    if (s.length === 0 || s[s.length - 1] < p) s.push(p);
    else s.splice(this.#lowerBound(p), 0, p);
  }
}

function mark(dirty: Map<number, Set<Key>>, p: number, k: Key): void {
  let keys = dirty.get(p);
  if (!keys) {
    keys = new Set();
    dirty.set(p, keys);
  }
  keys.add(k);
}
