/**
 * Every metric in three views, as MOA's evaluators: cumulative (everything so far), sliding window
 * (the last N updates) and fading (each older update weighted by α per step).
 *
 * A metric is an additive tally of fixed-width numeric records. The window view adds each record and
 * subtracts the one that falls out of its ring buffer. The fading view weights the record of step t by
 * α^(−t) instead of multiplying all history by α each step: every metric is a ratio of tallies, so the
 * common factor cancels, and the tally is rescaled before the weights could overflow.
 */

import { checkInteger, checkNumber } from '../learner.ts';

/** An additive statistic over records of `width` numbers. */
export interface Tally {
  add(record: Float64Array, weight: number): void;
  /** Multiplies every accumulated statistic by `factor`. */
  scale(factor: number): void;
}

/** Options shared by all metric families. */
export interface ViewOptions {
  /** Size of the sliding window (1000, MOA's default). */
  window?: number;
  /** Fading factor α (0.999, MOA's default). */
  fading?: number;
}

const RESCALE_AT = 1e150;

/** The three views of one tally type. */
export class Views<T extends Tally> {
  readonly cumulative: T;
  readonly window: T;
  readonly fading: T;
  readonly windowSize: number;
  readonly alpha: number;
  private readonly ring: Float64Array;
  private readonly width: number;
  private head = 0;
  private filled = 0;
  private fadeWeight = 1;
  private readonly old: Float64Array;

  constructor(create: () => T, width: number, options: ViewOptions = {}) {
    this.windowSize = checkInteger('metrics', 'window', options.window ?? 1000, 1, 100_000_000);
    this.alpha = checkNumber('metrics', 'fading', options.fading ?? 0.999, Number.MIN_VALUE, 1);
    this.cumulative = create();
    this.window = create();
    this.fading = create();
    this.width = width;
    this.ring = new Float64Array(this.windowSize * width);
    this.old = new Float64Array(width);
  }

  push(record: Float64Array): void {
    this.cumulative.add(record, 1);
    const at = this.head * this.width;
    if (this.filled === this.windowSize) {
      this.old.set(this.ring.subarray(at, at + this.width));
      this.window.add(this.old, -1);
    } else this.filled++;
    this.ring.set(record.subarray(0, this.width), at);
    this.head = (this.head + 1) % this.windowSize;
    this.window.add(record, 1);
    this.fadeWeight /= this.alpha;
    this.fading.add(record, this.fadeWeight);
    if (this.fadeWeight > RESCALE_AT) {
      this.fading.scale(1 / this.fadeWeight);
      this.fadeWeight = 1;
    }
  }
}
