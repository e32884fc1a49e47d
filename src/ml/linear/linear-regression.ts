/**
 * Least-squares linear regression trained online by SGD on (1/2)(ŷ − y)² + (λ/2)·‖w‖², with the
 * step, lazy L2 and learning-rate schedule of `LinearWeights` and the sparse, one-hot features of
 * `FeatureInterner`. SGD on squared loss diverges when η·‖x‖² is large, so standardise raw inputs
 * first (`StandardScaler`) and keep η₀ ≤ ~0.1.
 */

import {
  encodeModel,
  type Features,
  type ModelJSON,
  registerModelKind,
  type Serializable,
} from '../learner.ts';
import { FeatureInterner, type FeatureInternerJSON } from './feature-interner.ts';
import {
  LinearWeights,
  type LinearWeightsJSON,
  type ResolvedSgdOptions,
  resolveSgdOptions,
  type SgdOptions,
  stepSize,
} from './linear-weights.ts';
import { SparseVector } from './sparse-vector.ts';

/**
 * Online linear regression.
 *
 * @example
 * const model = new LinearRegression({ learningRate: 0.05 });
 * for (const { x, y } of rows) {
 *   const predicted = model.predictOne(x);
 *   model.learnOne(x, y);
 * }
 */
export class LinearRegression implements Serializable {
  readonly options: Readonly<ResolvedSgdOptions>;
  interner = new FeatureInterner();
  weights = new LinearWeights(1, 0);
  /** Weight of the examples learned (the t of the learning-rate schedule). */
  seen = 0;
  private readonly vector = new SparseVector();
  private readonly buffer = new Float64Array(1);

  constructor(options: SgdOptions = {}) {
    this.options = resolveSgdOptions('LinearRegression', options, 0.01);
  }

  /** One SGD step on (x, y). */
  learnOne(x: Features, y: number, weight = 1): void {
    const v = this.interner.encode(x, this.vector, true);
    this.weights.ensure(this.interner.size, 1);
    const g = this.buffer;
    this.weights.scores(v, g);
    g[0] = (g[0] - y) * weight;
    const eta = stepSize(this.options, this.seen);
    this.seen += weight;
    if (this.options.l2 > 0) this.weights.shrink(1 - eta * this.options.l2);
    this.weights.step(v, g, eta);
  }

  /** The prediction ŷ (0 before any learning). */
  predictOne(x: Features): number {
    return this.weights.scores(this.interner.encode(x, this.vector, false), this.buffer)[0];
  }

  /** The intercept. */
  get intercept(): number {
    return this.weights.bias[0];
  }

  /** The weight of a numeric feature, or of `name=category` (0 when unseen). */
  coefficient(name: string, category?: string): number {
    const f = this.interner.columnOf(name, category);
    return f < 0 ? 0 : this.weights.weight(f, 0);
  }

  toJSON(): ModelJSON {
    return {
      kind: 'linear-regression',
      version: 1,
      options: { ...this.options },
      interner: this.interner.toJSON(),
      weights: this.weights.toJSON(),
      seen: this.seen,
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): LinearRegression {
    const model = new LinearRegression(json.options as SgdOptions);
    model.interner = FeatureInterner.fromJSON(json.interner as FeatureInternerJSON);
    model.weights = LinearWeights.fromJSON(json.weights as LinearWeightsJSON);
    model.seen = json.seen as number;
    return model;
  }
}

registerModelKind('linear-regression', 1, LinearRegression.fromJSON);
