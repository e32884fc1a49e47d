/**
 * Binary ROC-AUC in cumulative, sliding-window and fading views, in bounded memory: scores are
 * counted in `bins` equal-width bins over [0, 1] per class, and AUC = P(score⁺ > score⁻) with ties
 * (scores in the same bin) counted ½. Exact when no positive and negative share a bin; otherwise the
 * error is below the share of such pairs. Scores outside [0, 1] are clamped.
 */

import { checkInteger } from '../learner.ts';
import { type Tally, type ViewOptions, Views } from './views.ts';

/** One view's score histograms. */
export class RocTally implements Tally {
  readonly positives: Float64Array;
  readonly negatives: Float64Array;

  constructor(bins: number) {
    this.positives = new Float64Array(bins);
    this.negatives = new Float64Array(bins);
  }

  add(r: Float64Array, w: number): void {
    const bins = this.positives.length;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(r[1] * bins)));
    (r[0] === 1 ? this.positives : this.negatives)[b] += w;
  }

  scale(f: number): void {
    for (let b = 0; b < this.positives.length; b++) {
      this.positives[b] *= f;
      this.negatives[b] *= f;
    }
  }

  /** Area under the ROC curve; NaN until both classes were seen. */
  auc(): number {
    let negativesBelow = 0;
    let area = 0;
    let P = 0;
    for (let b = 0; b < this.positives.length; b++) {
      area += this.positives[b] * (negativesBelow + 0.5 * this.negatives[b]);
      negativesBelow += this.negatives[b];
      P += this.positives[b];
    }
    return P > 0 && negativesBelow > 0 ? area / (P * negativesBelow) : Number.NaN;
  }
}

/**
 * ROC-AUC of a binary scorer.
 *
 * @example
 * const auc = new RocAuc();
 * auc.update(true, 0.9);
 * auc.update(false, 0.2);
 * auc.cumulative.auc(); // 1
 */
export class RocAuc {
  private readonly views: Views<RocTally>;
  private readonly record = new Float64Array(2);

  constructor(options: ViewOptions & { bins?: number } = {}) {
    const bins = checkInteger('RocAuc', 'bins', options.bins ?? 1000, 2, 10_000_000);
    this.views = new Views(() => new RocTally(bins), 2, options);
  }

  get cumulative(): RocTally {
    return this.views.cumulative;
  }

  get window(): RocTally {
    return this.views.window;
  }

  get fading(): RocTally {
    return this.views.fading;
  }

  /** Scores one example: whether it is positive, and the model's score (probability of positive). */
  update(positive: boolean, score: number): void {
    this.record[0] = positive ? 1 : 0;
    this.record[1] = score;
    this.views.push(this.record);
  }
}
