/**
 * Online standardisation, x' = (x − mean) / sd, with each numeric feature's mean and variance kept
 * by Welford's update (numerically stable in one pass):
 *
 *     n ← n + w;  δ = x − mean;  mean ← mean + (w/n)·δ;  M2 ← M2 + w·δ·(x − mean);  var = M2 / n
 *
 * (population variance, as River's `StandardScaler`). A feature with zero variance maps to 0;
 * strings, and features the scaler has not learned, pass through unchanged. SGD models need inputs
 * on comparable scales (reference §6.2), so this sits in front of them.
 */

import {
  decodeNumbers,
  encodeModel,
  encodeNumbers,
  type Features,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';

/**
 * Running standardiser for numeric features.
 *
 * @example
 * const scaler = new StandardScaler();
 * for (const { x, y } of stream) {
 *   scaler.learnOne(x);
 *   model.learnOne(scaler.transformOne(x), y);
 * }
 */
export class StandardScaler {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private counts: number[] = [];
  private means: number[] = [];
  private m2: number[] = [];

  /** Updates the statistics with the numeric, finite values of `x`. */
  learnOne(x: Features, weight = 1): void {
    for (const name in x) {
      const value = x[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let f = this.index.get(name);
      if (f === undefined) {
        f = this.names.length;
        this.index.set(name, f);
        this.names.push(name);
        this.counts.push(0);
        this.means.push(0);
        this.m2.push(0);
      }
      const n = (this.counts[f] += weight);
      const delta = value - this.means[f];
      this.means[f] += (weight / n) * delta;
      this.m2[f] += weight * delta * (value - this.means[f]);
    }
  }

  /** A standardised copy of `x`. */
  transformOne(x: Features): Features {
    const out: Features = {};
    for (const name in x) {
      const value = x[name];
      const f = typeof value === 'number' ? this.index.get(name) : undefined;
      if (f === undefined) out[name] = value;
      else {
        const sd = Math.sqrt(this.m2[f] / this.counts[f]);
        out[name] = sd > 0 ? ((value as number) - this.means[f]) / sd : 0;
      }
    }
    return out;
  }

  /** The running mean of `name` (NaN when unseen). */
  mean(name: string): number {
    const f = this.index.get(name);
    return f === undefined ? Number.NaN : this.means[f];
  }

  /** The running population variance of `name` (NaN when unseen). */
  variance(name: string): number {
    const f = this.index.get(name);
    return f === undefined ? Number.NaN : this.m2[f] / this.counts[f];
  }

  toJSON(): ModelJSON {
    return {
      kind: 'standard-scaler',
      version: 1,
      names: this.names,
      counts: encodeNumbers(this.counts),
      means: encodeNumbers(this.means),
      m2: encodeNumbers(this.m2),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): StandardScaler {
    const scaler = new StandardScaler();
    (json.names as string[]).forEach((name, f) => {
      scaler.index.set(name, f);
      scaler.names.push(name);
    });
    scaler.counts = Array.from(decodeNumbers(json.counts as (number | string)[]));
    scaler.means = Array.from(decodeNumbers(json.means as (number | string)[]));
    scaler.m2 = Array.from(decodeNumbers(json.m2 as (number | string)[]));
    return scaler;
  }
}

registerModelKind('standard-scaler', 1, StandardScaler.fromJSON);
