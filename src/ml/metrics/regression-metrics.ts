/**
 * Regression metrics in cumulative, sliding-window and fading views (see `views.ts`):
 * MAE = Σ|e|/n, MSE = Σe²/n, RMSE = √MSE, R² = 1 − Σe² / Σ(y − ȳ)² (NaN when y is constant), and
 * MAPE = 100 · mean(|e| / |y|) over the updates with y ≠ 0 (those with y = 0 are left out, since their
 * percentage error is infinite). e = y − ŷ.
 */

import { type Tally, type ViewOptions, Views } from './views.ts';

/** One view's sums. */
export class RegressionTally implements Tally {
  n = 0;
  absError = 0;
  squaredError = 0;
  percentError = 0;
  percentN = 0;
  sumY = 0;
  sumY2 = 0;

  add(r: Float64Array, w: number): void {
    const y = r[0];
    const e = y - r[1];
    this.n += w;
    this.absError += Math.abs(e) * w;
    this.squaredError += e * e * w;
    if (y !== 0) {
      this.percentError += (Math.abs(e) / Math.abs(y)) * w;
      this.percentN += w;
    }
    this.sumY += y * w;
    this.sumY2 += y * y * w;
  }

  scale(f: number): void {
    this.n *= f;
    this.absError *= f;
    this.squaredError *= f;
    this.percentError *= f;
    this.percentN *= f;
    this.sumY *= f;
    this.sumY2 *= f;
  }

  mae(): number {
    return this.absError / this.n;
  }

  mse(): number {
    return this.squaredError / this.n;
  }

  rmse(): number {
    return Math.sqrt(this.mse());
  }

  mape(): number {
    return (100 * this.percentError) / this.percentN;
  }

  r2(): number {
    const total = this.sumY2 - (this.sumY * this.sumY) / this.n;
    return total > 0 ? 1 - this.squaredError / total : Number.NaN;
  }
}

/**
 * Regression metrics in three views.
 *
 * @example
 * const metrics = new RegressionMetrics({ window: 500 });
 * metrics.update(3.0, 2.5);
 * metrics.cumulative.rmse(); // 0.5
 */
export class RegressionMetrics {
  private readonly views: Views<RegressionTally>;
  private readonly record = new Float64Array(2);

  constructor(options: ViewOptions = {}) {
    this.views = new Views(() => new RegressionTally(), 2, options);
  }

  get cumulative(): RegressionTally {
    return this.views.cumulative;
  }

  get window(): RegressionTally {
    return this.views.window;
  }

  get fading(): RegressionTally {
    return this.views.fading;
  }

  update(actual: number, predicted: number): void {
    this.record[0] = actual;
    this.record[1] = predicted;
    this.views.push(this.record);
  }
}
