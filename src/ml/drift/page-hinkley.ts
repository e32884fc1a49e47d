/**
 * The Page-Hinkley test for an increase of the mean, as MOA's `PageHinkleyDM.java`:
 *
 *     x̄ ← x̄ + (x − x̄)/n,   sum ← α·sum + (x − x̄ − δ),   drift when n ≥ minInstances and sum > λ
 *
 * `clampAtZero: true` gives River's variant, `sum ← max(0, α·sum + …)` and drift when sum ≥ λ:
 * without the clamp a long quiet stretch drives the sum far below zero and delays detection.
 */

import { checkInteger, checkNumber, encodeModel, type ModelJSON, registerModelKind } from '../learner.ts';
import { DRIFT, type DriftDetector, type DriftSignal, NO_DRIFT } from './drift-detector.ts';

/** Options of `PageHinkley` (MOA and River defaults). */
export interface PageHinkleyOptions {
  /** Inputs before a drift may be signalled (30). */
  minInstances?: number;
  /** Magnitude of changes that are tolerated, δ (0.005). */
  delta?: number;
  /** Detection threshold λ (50). */
  threshold?: number;
  /** Forgetting factor α of the cumulative sum (1 − 0.0001). */
  alpha?: number;
  /** River's variant: clamp the sum at 0 and detect at sum ≥ λ (false: MOA). */
  clampAtZero?: boolean;
}

/**
 * Page-Hinkley change detector.
 *
 * @example
 * const ph = new PageHinkley({ threshold: 50 });
 * if (ph.update(latencyMs).drift) alert();
 */
export class PageHinkley implements DriftDetector {
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly clampAtZero: boolean;
  private n = 1;
  private mean = 0;
  private sum = 0;
  private reset = false;

  constructor(options: PageHinkleyOptions = {}) {
    this.minInstances = checkInteger('PageHinkley', 'minInstances', options.minInstances ?? 30, 1, 2 ** 31);
    this.delta = checkNumber('PageHinkley', 'delta', options.delta ?? 0.005, 0, Number.MAX_VALUE);
    this.threshold = checkNumber('PageHinkley', 'threshold', options.threshold ?? 50, 0, Number.MAX_VALUE);
    this.alpha = checkNumber('PageHinkley', 'alpha', options.alpha ?? 1 - 0.0001, 0, 1);
    this.clampAtZero = options.clampAtZero ?? false;
  }

  update(x: number): DriftSignal {
    if (this.reset) {
      this.n = 1;
      this.mean = 0;
      this.sum = 0;
      this.reset = false;
    }
    this.mean += (x - this.mean) / this.n;
    this.sum = this.alpha * this.sum + (x - this.mean - this.delta);
    if (this.clampAtZero && this.sum < 0) this.sum = 0;
    this.n++;
    if (this.n < this.minInstances) return NO_DRIFT;
    if (this.clampAtZero ? this.sum >= this.threshold : this.sum > this.threshold) {
      this.reset = true;
      return DRIFT;
    }
    return NO_DRIFT;
  }

  toJSON(): ModelJSON {
    const { minInstances, delta, threshold, alpha, clampAtZero } = this;
    return {
      kind: 'page-hinkley',
      version: 1,
      options: { minInstances, delta, threshold, alpha, clampAtZero },
      state: [this.n, this.mean, this.sum, this.reset ? 1 : 0],
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): PageHinkley {
    const ph = new PageHinkley(json.options as PageHinkleyOptions);
    const s = json.state as number[];
    [ph.n, ph.mean, ph.sum] = s;
    ph.reset = s[3] === 1;
    return ph;
  }
}

registerModelKind('page-hinkley', 1, PageHinkley.fromJSON);
