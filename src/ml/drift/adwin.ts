/**
 * ADWIN (ADaptive WINdowing, Bifet & Gavaldà 2007), ported from MOA's `ADWIN.java` operation for
 * operation, so it signals on the same inputs as MOA and River.
 *
 * The window is an exponential histogram: row i holds up to M (= 5) buckets that each summarise 2^i
 * consecutive values by their total and variance. A new value enters row 0; when a row overflows to
 * M + 1 buckets its two oldest merge into one bucket of the next row. Memory and time per value are
 * therefore O(M·log(W)) for a window of W values.
 *
 * Every `clock` (32) values, and only if the window holds more than 10 values, ADWIN walks the
 * boundaries between buckets from oldest to newest, splitting the window into an old part W0 and a
 * recent part W1. It cuts (drops the oldest bucket, and rescans) whenever both parts hold more than
 * minWindowLength + 1 values and their means differ by more than
 *
 *     ε = sqrt(2·m·σ²·dd) + (2/3)·dd·m,   dd = ln(2·ln(n)/δ),   m = 1/(n0 − 5 + 1) + 1/(n1 − 5 + 1)
 *
 * with σ² the window's variance and n its width. A check that cut at least once reports a drift.
 *
 * `variant: 'river'` reproduces River's `ADWIN` instead, which differs in two details: it never
 * considers the newest bucket of a row as a cut point, and requires n0, n1 ≥ minWindowLength rather
 * than > minWindowLength + 1. River therefore drops less of the old window per check and reports a
 * change again on the following checks (its documented example signals at 1023, 1055, 1087, 1119
 * where MOA's algorithm signals once, at 1023, having dropped the whole old concept at once).
 */

import {
  checkChoice,
  checkInteger,
  checkNumber,
  decodeNumbers,
  encodeModel,
  encodeNumbers,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';
import { DRIFT, type DriftDetector, type DriftSignal, NO_DRIFT } from './drift-detector.ts';

const MIN_WINDOW_FOR_CHECK = 10;

/** Options of `Adwin`; the defaults are MOA's and River's. */
export interface AdwinOptions {
  /** Confidence δ of the cut test (0.002). */
  delta?: number;
  /** Check for cuts every `clock` values (32). */
  clock?: number;
  /** Buckets per row before two merge, M (5). */
  maxBuckets?: number;
  /** Minimum length of each sub-window in the cut test (5). */
  minWindowLength?: number;
  /** Whose cut loop to reproduce: MOA's (default) or River's. */
  variant?: 'moa' | 'river';
}

class Row {
  count = 0;
  readonly total: Float64Array;
  readonly variance: Float64Array;

  constructor(maxBuckets: number) {
    this.total = new Float64Array(maxBuckets + 1);
    this.variance = new Float64Array(maxBuckets + 1);
  }

  append(total: number, variance: number): void {
    this.total[this.count] = total;
    this.variance[this.count] = variance;
    this.count++;
  }

  /** Drops the `n` oldest buckets. */
  shift(n: number): void {
    this.total.copyWithin(0, n, this.count);
    this.variance.copyWithin(0, n, this.count);
    this.count -= n;
    this.total.fill(0, this.count);
    this.variance.fill(0, this.count);
  }
}

/**
 * ADWIN change detector over a stream of real values (typically 0/1 errors).
 *
 * @example
 * const adwin = new Adwin({ delta: 0.002 });
 * for (const [i, x] of values.entries()) if (adwin.update(x).drift) console.log('change at', i);
 */
export class Adwin implements DriftDetector {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly variant: 'moa' | 'river';
  /** Row i holds buckets of 2^i values; row 0 the newest. */
  private rows: Row[];
  private time = 0;
  private total = 0;
  private varianceSum = 0;
  private count = 0;
  /** Number of drifts detected so far. */
  detections = 0;

  constructor(options: AdwinOptions = {}) {
    this.delta = checkNumber('Adwin', 'delta', options.delta ?? 0.002, Number.MIN_VALUE, 1);
    this.clock = checkInteger('Adwin', 'clock', options.clock ?? 32, 1, 2 ** 31);
    this.maxBuckets = checkInteger('Adwin', 'maxBuckets', options.maxBuckets ?? 5, 2, 1000);
    this.minWindowLength = checkInteger('Adwin', 'minWindowLength', options.minWindowLength ?? 5, 1, 2 ** 31);
    this.variant = checkChoice('Adwin', 'variant', options.variant ?? 'moa', ['moa', 'river']);
    this.rows = [new Row(this.maxBuckets)];
  }

  /** Number of values in the window. */
  get width(): number {
    return this.count;
  }

  /** Mean of the window (0 when empty). */
  get estimation(): number {
    return this.count > 0 ? this.total / this.count : 0;
  }

  /** Variance of the window. */
  get variance(): number {
    return this.varianceSum / this.count;
  }

  update(x: number): DriftSignal {
    this.time++;
    this.insert(x);
    let change = false;
    const river = this.variant === 'river';
    const min = river ? this.minWindowLength : this.minWindowLength + 2;
    if (this.time % this.clock === 0 && this.count > MIN_WINDOW_FOR_CHECK) {
      let reduce = true;
      while (reduce) {
        reduce = false;
        let exit = false;
        let n0 = 0;
        let n1 = this.count;
        let u0 = 0;
        let u1 = this.total;
        for (let i = this.rows.length - 1; !exit && i >= 0; i--) {
          const row = this.rows[i];
          const n2 = 2 ** i;
          const last = river ? row.count - 1 : row.count;
          for (let k = 0; k < last; k++) {
            const u2 = row.total[k];
            // (MOA also updates the two sub-windows' variances here, but its cut test never reads them.)
            n0 += n2;
            n1 -= n2;
            u0 += u2;
            u1 -= u2;
            if (i === 0 && k === row.count - 1) {
              exit = true;
              break;
            }
            if (n1 >= min && n0 >= min && this.shouldCut(n0, n1, u0 / n0 - u1 / n1)) {
              reduce = true;
              change = true;
              if (this.count > 0) {
                n0 -= this.deleteOldest();
                exit = true;
                break;
              }
            }
          }
        }
      }
    }
    if (change) {
      this.detections++;
      return DRIFT;
    }
    return NO_DRIFT;
  }

  private shouldCut(n0: number, n1: number, difference: number): boolean {
    const dd = Math.log((2 * Math.log(this.count)) / this.delta);
    const m = 1 / (n0 - this.minWindowLength + 1) + 1 / (n1 - this.minWindowLength + 1);
    const epsilon = Math.sqrt(2 * m * this.variance * dd) + (2 / 3) * dd * m;
    return Math.abs(difference) > epsilon;
  }

  private insert(x: number): void {
    this.count++;
    this.rows[0].append(x, 0);
    if (this.count > 1) {
      const d = x - this.total / (this.count - 1);
      this.varianceSum += ((this.count - 1) * d * d) / this.count;
    }
    this.total += x;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row.count !== this.maxBuckets + 1) break;
      if (i + 1 === this.rows.length) this.rows.push(new Row(this.maxBuckets));
      const next = this.rows[i + 1];
      const n = 2 ** i;
      const diff = row.total[0] / n - row.total[1] / n;
      next.append(
        row.total[0] + row.total[1],
        row.variance[0] + row.variance[1] + (n * n * diff * diff) / (2 * n),
      );
      row.shift(2);
      if (next.count <= this.maxBuckets) break;
    }
  }

  private deleteOldest(): number {
    const last = this.rows.length - 1;
    const row = this.rows[last];
    const n = 2 ** last;
    this.count -= n;
    this.total -= row.total[0];
    const mean = row.total[0] / n;
    const d = mean - this.total / this.count;
    this.varianceSum -= row.variance[0] + (n * this.count * d * d) / (n + this.count);
    row.shift(1);
    if (row.count === 0) this.rows.pop();
    return n;
  }

  toJSON(): ModelJSON {
    return {
      kind: 'adwin',
      version: 1,
      options: {
        delta: this.delta,
        clock: this.clock,
        maxBuckets: this.maxBuckets,
        minWindowLength: this.minWindowLength,
        variant: this.variant,
      },
      time: this.time,
      total: this.total,
      varianceSum: this.varianceSum,
      count: this.count,
      detections: this.detections,
      rows: this.rows.map((r) => [
        encodeNumbers(r.total.subarray(0, r.count)),
        encodeNumbers(r.variance.subarray(0, r.count)),
      ]),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): Adwin {
    const adwin = new Adwin(json.options as AdwinOptions);
    adwin.time = json.time as number;
    adwin.total = json.total as number;
    adwin.varianceSum = json.varianceSum as number;
    adwin.count = json.count as number;
    adwin.detections = json.detections as number;
    adwin.rows = (json.rows as [(number | string)[], (number | string)[]][]).map(([totals, variances]) => {
      const row = new Row(adwin.maxBuckets);
      const t = decodeNumbers(totals);
      const v = decodeNumbers(variances);
      for (let k = 0; k < t.length; k++) row.append(t[k], v[k]);
      return row;
    });
    return adwin;
  }
}

registerModelKind('adwin', 1, Adwin.fromJSON);
