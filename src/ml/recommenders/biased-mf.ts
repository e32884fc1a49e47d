/**
 * Biased matrix factorisation trained by stochastic gradient descent, one rating at a time (Funk's
 * "SVD" for the Netflix Prize as formalised by Koren, Bell & Volinsky 2009; Surprise's `SVD`, River's
 * `BiasedMF`). The prediction is
 *
 *     r̂_ui = μ + b_u + b_i + p_uᵀ q_i
 *
 * with μ the running mean of every rating learned so far. Each `learnOne` takes one SGD step on
 * (r_ui − r̂_ui)² + λ(b_u² + b_i² + ‖p_u‖² + ‖q_i‖²): with e = r − r̂ and learning rate γ,
 *
 *     b_u += γ(e − λ b_u)      p_u += γ(e q_i − λ p_u)
 *     b_i += γ(e − λ b_i)      q_i += γ(e p_u − λ q_i)      (both factor updates use the old values)
 *
 * Unlike ALS it never revisits old ratings, so it follows a stream in O(k) per rating and drifts with
 * taste; ALS plus fold-in is the batch counterpart. Users and items are added on first sight, with
 * zero biases and factors drawn from N(0, initStd²).
 */

import { LabelSet } from '../label-set.ts';
import {
  checkInteger,
  checkNumber,
  encodeModel,
  type ModelJSON,
  registerModelKind,
  type Serializable,
} from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { decodeFloats, encodeArray } from './factor-codec-v1.ts';
import { checkId, checkRatingValue, grow, type Id } from './rating-matrix.ts';

/** Options of `BiasedMF`. */
export interface BiasedMFOptions {
  /** Number of latent factors k, 1..256 (default 10, as River's `BiasedMF`). */
  factors?: number;
  /**
   * SGD learning rate γ, in (0, 1] (default 0.05). Every rating is seen once, so the rate is higher
   * than Surprise's 0.005, which is tuned for 20 epochs: one prequential pass over ml-latest-small in
   * time order scored RMSE 0.946 at 0.005, 0.918 at 0.01, 0.868 at 0.05 and 0.864 at 0.1.
   */
  learningRate?: number;
  /** L2 penalty λ on biases and factors, ≥ 0 (default 0.02, as Surprise's `SVD`). */
  regularization?: number;
  /** Standard deviation of the initial factors (default 0.1, as Surprise and River). */
  initStd?: number;
  /** Seed of the factor initialisation (default 42). */
  seed?: number;
}

const OWNER = 'BiasedMF';

/**
 * Online biased matrix factorisation.
 *
 * @example
 * const mf = new BiasedMF({ factors: 10 });
 * for (const { user, item, rating } of votes) {
 *   const predicted = mf.predictOne(user, item); // test …
 *   mf.learnOne(user, item, rating); // … then train
 * }
 */
export class BiasedMF implements Serializable {
  readonly factors: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly initStd: number;
  readonly users: LabelSet;
  readonly items: LabelSet;
  /** Running mean μ of the learned ratings. */
  mean = 0;
  /** Ratings learned. */
  count = 0;
  private readonly seed: number;
  private rng: JavaRandom;
  private userBias: Float64Array = new Float64Array(64);
  private itemBias: Float64Array = new Float64Array(64);
  private userFactors: Float64Array;
  private itemFactors: Float64Array;

  constructor(options: BiasedMFOptions = {}) {
    this.factors = checkInteger(OWNER, 'factors', options.factors ?? 10, 1, 256);
    this.learningRate = checkNumber(OWNER, 'learningRate', options.learningRate ?? 0.05, Number.MIN_VALUE, 1);
    this.regularization = checkNumber(OWNER, 'regularization', options.regularization ?? 0.02, 0, 1e6);
    this.initStd = checkNumber(OWNER, 'initStd', options.initStd ?? 0.1, 0, 1e3);
    this.seed = checkInteger(
      OWNER,
      'seed',
      options.seed ?? 42,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
    this.rng = new JavaRandom(this.seed);
    this.users = new LabelSet();
    this.items = new LabelSet();
    this.userFactors = new Float64Array(64 * this.factors);
    this.itemFactors = new Float64Array(64 * this.factors);
  }

  /**
   * The predicted rating: μ plus the biases and the factor product of whichever of the user and
   * the item are known; NaN before the first rating was learned.
   *
   * @example
   * mf.predictOne('ann', 'alien'); // 3.9…
   */
  predictOne(user: Id, item: Id): number {
    if (this.count === 0) return Number.NaN;
    const u = this.users.find(user);
    const i = this.items.find(item);
    let r = this.mean;
    if (u >= 0) r += this.userBias[u];
    if (i >= 0) r += this.itemBias[i];
    if (u >= 0 && i >= 0) {
      const k = this.factors;
      for (let f = 0; f < k; f++) r += this.userFactors[u * k + f] * this.itemFactors[i * k + f];
    }
    return r;
  }

  /**
   * One SGD step on one rating (see the header). Throws SS_ERR_INVALID_RATING on a bad id or a
   * non-finite rating, before changing anything.
   *
   * @example
   * mf.learnOne('ann', 'alien', 5);
   */
  learnOne(user: Id, item: Id, rating: number): void {
    checkRatingValue(rating, user, item);
    const u = this.userIndex(checkId(user, 'user'));
    const i = this.itemIndex(checkId(item, 'item'));
    this.count++;
    this.mean += (rating - this.mean) / this.count;
    const k = this.factors;
    const p = this.userFactors;
    const q = this.itemFactors;
    const pu = u * k;
    const qi = i * k;
    let predicted = this.mean + this.userBias[u] + this.itemBias[i];
    for (let f = 0; f < k; f++) predicted += p[pu + f] * q[qi + f];
    const e = rating - predicted;
    const lr = this.learningRate;
    const reg = this.regularization;
    this.userBias[u] += lr * (e - reg * this.userBias[u]);
    this.itemBias[i] += lr * (e - reg * this.itemBias[i]);
    for (let f = 0; f < k; f++) {
      const pf = p[pu + f];
      const qf = q[qi + f];
      p[pu + f] += lr * (e * qf - reg * pf);
      q[qi + f] += lr * (e * pf - reg * qf);
    }
  }

  private userIndex(user: Id): number {
    const n = this.users.size;
    const u = this.users.indexOf(user);
    if (u === n) {
      if (n === this.userBias.length) {
        const rows = Math.max(64, 2 * n);
        this.userBias = grow(this.userBias, rows);
        this.userFactors = grow(this.userFactors, rows * this.factors);
      }
      this.initFactors(this.userFactors, u);
    }
    return u;
  }

  private itemIndex(item: Id): number {
    const n = this.items.size;
    const i = this.items.indexOf(item);
    if (i === n) {
      if (n === this.itemBias.length) {
        const rows = Math.max(64, 2 * n);
        this.itemBias = grow(this.itemBias, rows);
        this.itemFactors = grow(this.itemFactors, rows * this.factors);
      }
      this.initFactors(this.itemFactors, i);
    }
    return i;
  }

  private initFactors(factors: Float64Array, row: number): void {
    for (let f = 0; f < this.factors; f++)
      factors[row * this.factors + f] = this.initStd * this.rng.nextGaussian();
  }

  /**
   * The model's state (kind "biased-mf", version 1): the options; `mean`, `count`; `users`, `items`
   * (ids in index order); `userBias`, `itemBias` (float64 × users / items) and `userFactors`,
   * `itemFactors` (float64, row-major users / items × factors), base64 as in `factor-codec-v1.ts`;
   * `rng`, the generator state, so learning after a round trip draws the same new factors.
   *
   * @example
   * JSON.stringify(mf.toJSON());
   */
  toJSON(): ModelJSON {
    const nu = this.users.size;
    const ni = this.items.size;
    const k = this.factors;
    return {
      kind: 'biased-mf',
      version: 1,
      factors: k,
      learningRate: this.learningRate,
      regularization: this.regularization,
      initStd: this.initStd,
      seed: this.seed,
      mean: this.mean,
      count: this.count,
      users: this.users.labels,
      items: this.items.labels,
      userBias: encodeArray(this.userBias, nu, 'float64'),
      itemBias: encodeArray(this.itemBias, ni, 'float64'),
      userFactors: encodeArray(this.userFactors, nu * k, 'float64'),
      itemFactors: encodeArray(this.itemFactors, ni * k, 'float64'),
      rng: this.rng.state(),
    };
  }

  /**
   * The model in the versioned envelope of `learner.ts`; read it back with `deserialize`.
   *
   * @example
   * const copy = deserialize(mf.serialize()) as BiasedMF;
   */
  serialize(): Uint8Array {
    return encodeModel(this);
  }

  /**
   * Rebuilds a model from `toJSON()`.
   *
   * @example
   * const copy = BiasedMF.fromJSON(mf.toJSON());
   */
  static fromJSON(json: ModelJSON): BiasedMF {
    const mf = new BiasedMF({
      factors: json.factors as number,
      learningRate: json.learningRate as number,
      regularization: json.regularization as number,
      initStd: json.initStd as number,
      seed: json.seed as number,
    });
    const users = json.users as Id[];
    const items = json.items as Id[];
    const k = mf.factors;
    for (const user of users) mf.users.indexOf(user);
    for (const item of items) mf.items.indexOf(item);
    mf.userBias = decodeFloats(json.userBias as string, 'float64', users.length);
    mf.itemBias = decodeFloats(json.itemBias as string, 'float64', items.length);
    mf.userFactors = decodeFloats(json.userFactors as string, 'float64', users.length * k);
    mf.itemFactors = decodeFloats(json.itemFactors as string, 'float64', items.length * k);
    mf.mean = json.mean as number;
    mf.count = json.count as number;
    mf.rng = JavaRandom.fromState(json.rng as [number, number, number, boolean]);
    return mf;
  }
}

registerModelKind('biased-mf', 1, BiasedMF.fromJSON);
