/**
 * Prequential classification metrics that can be checkpointed: the cumulative and sliding-window
 * views of `ClassificationMetrics` (same definitions, same `ConfusionTally`), plus `toState` /
 * `fromState` so that an operator restarted from its checkpoint continues with exactly the metrics an
 * uninterrupted run would have. (`ClassificationMetrics` keeps its ring buffer private and has a
 * fading view that cannot be restored exactly; the operators report cumulative and window only.)
 *
 * State layout (v1), a msgpack-able object:
 *
 *     { v: 1, window, labels: Label[], count, previous, head, filled,
 *       cumulative: [capacity, total, noChangeCorrect, ...matrix],
 *       ring: Uint8Array (Int32 triples: true class, predicted class, no-change correct) }
 *
 * The window tally is not stored: it is the sum of the ring's records, recomputed on restore (its
 * counts are whole numbers, so the sum is exact).
 */

import { StreamsightError } from '../../errors/index.ts';
import { LabelSet } from '../label-set.ts';
import { checkInteger, type Label } from '../learner.ts';
import { ConfusionTally } from '../metrics/classification-metrics.ts';
import { type MetricsSnapshot, snapshotMetrics } from './metrics-snapshot.ts';

const WIDTH = 3;

/** The checkpointed form of `PrequentialMetrics` (see the layout above). */
export interface PrequentialMetricsState {
  v: 1;
  window: number;
  labels: Label[];
  count: number;
  previous: number;
  head: number;
  filled: number;
  cumulative: number[];
  ring: Uint8Array;
}

/** Both views, summarised. */
export interface PrequentialReport {
  /** Scored examples so far. */
  examples: number;
  cumulative: MetricsSnapshot;
  window: MetricsSnapshot;
}

/**
 * Cumulative and sliding-window classification metrics with a checkpointable state.
 *
 * @example
 * const m = new PrequentialMetrics(1000);
 * m.update(1, 0);
 * m.report().cumulative.accuracy; // 0
 * const copy = PrequentialMetrics.fromState(m.toState());
 */
export class PrequentialMetrics {
  readonly windowSize: number;
  readonly labels: LabelSet;
  readonly cumulative: ConfusionTally;
  readonly window: ConfusionTally;
  /** Number of updates. */
  count = 0;
  private previous = -1;
  private head = 0;
  private filled = 0;
  private readonly ring: Int32Array;
  private readonly record = new Float64Array(4);
  /** Scratch for the record leaving the window (no allocation per update). */
  private readonly old = new Float64Array(4);

  constructor(windowSize = 1000, labels: readonly Label[] = []) {
    this.windowSize = checkInteger('PrequentialMetrics', 'window', windowSize, 1, 10_000_000);
    this.labels = new LabelSet(labels);
    this.cumulative = new ConfusionTally(this.labels);
    this.window = new ConfusionTally(this.labels);
    this.ring = new Int32Array(this.windowSize * WIDTH);
  }

  /** Scores one prediction (as `ClassificationMetrics.update` without probabilities). */
  update(actual: Label, predicted: Label): void {
    const y = this.labels.indexOf(actual);
    const p = this.labels.indexOf(predicted);
    const r = this.record;
    r[0] = y;
    r[1] = p;
    r[2] = this.previous === y ? 1 : 0;
    r[3] = Number.NaN;
    this.previous = y;
    this.count++;
    this.cumulative.add(r, 1);
    const at = this.head * WIDTH;
    if (this.filled === this.windowSize) this.window.add(this.#ringRecord(at), -1);
    else this.filled++;
    this.ring[at] = y;
    this.ring[at + 1] = p;
    this.ring[at + 2] = r[2];
    this.head = (this.head + 1) % this.windowSize;
    this.window.add(r, 1);
  }

  /** Both views as JSON-ready snapshots. */
  report(): PrequentialReport {
    return {
      examples: this.count,
      cumulative: snapshotMetrics(this.cumulative),
      window: snapshotMetrics(this.window),
    };
  }

  toState(): PrequentialMetricsState {
    const c = this.cumulative;
    return {
      v: 1,
      window: this.windowSize,
      labels: this.labels.labels.slice(),
      count: this.count,
      previous: this.previous,
      head: this.head,
      filled: this.filled,
      cumulative: [c.capacity, c.total, c.noChangeCorrect, ...c.matrix],
      ring: new Uint8Array(this.ring.buffer.slice(0)),
    };
  }

  static fromState(state: PrequentialMetricsState): PrequentialMetrics {
    if (state?.v !== 1) {
      throw new StreamsightError('SS_ERR_MODEL_DECODE', `unknown prequential metrics state ${state?.v}`);
    }
    const m = new PrequentialMetrics(state.window, state.labels);
    m.count = state.count;
    m.previous = state.previous;
    m.head = state.head;
    m.filled = state.filled;
    const [capacity, total, noChangeCorrect, ...matrix] = state.cumulative;
    m.cumulative.capacity = capacity;
    m.cumulative.matrix = Float64Array.from(matrix);
    m.cumulative.total = total;
    m.cumulative.noChangeCorrect = noChangeCorrect;
    m.ring.set(
      new Int32Array(
        state.ring.buffer.slice(state.ring.byteOffset, state.ring.byteOffset + state.ring.byteLength),
      ),
    );
    // Oldest first, as they were added (the counts are whole numbers, so any order gives the same sums).
    for (let i = 0; i < m.filled; i++) {
      const at = ((m.head - m.filled + i + m.windowSize) % m.windowSize) * WIDTH;
      m.window.add(m.#ringRecord(at), 1);
    }
    return m;
  }

  #ringRecord(at: number): Float64Array {
    const old = this.old;
    old[0] = this.ring[at];
    old[1] = this.ring[at + 1];
    old[2] = this.ring[at + 2];
    old[3] = Number.NaN;
    return old;
  }
}
