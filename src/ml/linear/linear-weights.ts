/**
 * The weights of a linear model with K outputs (K classes for softmax regression, 1 for least
 * squares) and the SGD step they share.
 *
 * Layout: feature-major, `w[f·K + k]`, so the K weights an example's feature touches are adjacent.
 * L2 regularisation without touching every weight: the true weights are `scale · w`, and the
 * per-step shrink `w ← (1 − ηλ)·w` multiplies `scale` only; gradient steps divide by `scale`
 * (Bottou, "Stochastic Gradient Descent Tricks", 2012, §5.1). An example therefore costs
 * O(non-zeros · K) however many features exist. When `scale` falls under 1e-9 it is folded back
 * into `w`. Intercepts are neither scaled nor regularised.
 *
 * Learning-rate schedule: η_t = η₀ / (1 + decay · t), t = the weight of the examples learned so far.
 * decay = 0 (the default) keeps η constant, which keeps tracking a drifting stream; decay = η₀·λ is
 * Bottou's schedule for λ-regularised objectives, which converges on a stationary one.
 */

import { checkNumber, decodeNumbers, encodeNumbers } from '../learner.ts';
import type { SparseVector } from './sparse-vector.ts';

/** SGD options shared by the linear models. */
export interface SgdOptions {
  /** η₀, the initial step size. */
  learningRate?: number;
  /** η_t = η₀ / (1 + decay·t), t = examples learned (0 = constant rate). */
  decay?: number;
  /** λ of the L2 penalty (λ/2)·‖w‖² (intercepts are not penalised). */
  l2?: number;
}

/** Validated SGD options. */
export interface ResolvedSgdOptions {
  learningRate: number;
  decay: number;
  l2: number;
}

/** Validates SGD options (SS_ERR_INVALID_OPTION) and fills defaults. */
export function resolveSgdOptions(
  owner: string,
  options: SgdOptions,
  defaultLearningRate: number,
): ResolvedSgdOptions {
  const learningRate = checkNumber(
    owner,
    'learningRate',
    options.learningRate ?? defaultLearningRate,
    Number.MIN_VALUE,
    1e6,
  );
  const decay = checkNumber(owner, 'decay', options.decay ?? 0, 0, 1e6);
  // ηλ ≥ 1 would flip the sign of every weight in one step.
  const l2 = checkNumber(owner, 'l2', options.l2 ?? 0, 0, (1 - 1e-9) / learningRate);
  return { learningRate, decay, l2 };
}

/** Serialised weights: the non-zero stored entries of `w`, the intercepts and the scale. */
export interface LinearWeightsJSON {
  outputs: number;
  features: number;
  scale: number;
  indices: number[];
  values: (number | string)[];
  bias: (number | string)[];
}

/**
 * A (features × outputs) weight matrix plus intercepts, with lazy L2 shrinking.
 *
 * @example
 * const weights = new LinearWeights(2, 3); // 2 outputs, 3 features
 * const v = new SparseVector();
 * v.push(1, 2);
 * weights.step(v, Float64Array.of(0.5, -0.5), 0.1); // w[1,·] −= 0.1·g·2, bias −= 0.1·g
 * weights.scores(v, new Float64Array(2)); // [−0.25, 0.25]
 */
export class LinearWeights {
  outputs: number;
  /** Number of features addressable (columns of the model). */
  features = 0;
  /** Stored weights; the true weight of (f, k) is `scale · w[f·outputs + k]`. */
  w: Float64Array;
  bias: Float64Array;
  scale = 1;

  constructor(outputs = 0, features = 0) {
    this.outputs = outputs;
    this.w = new Float64Array(Math.max(features, 8) * Math.max(outputs, 1));
    this.bias = new Float64Array(outputs);
    this.features = features;
  }

  /** Makes room for `features` features and `outputs` outputs (amortised doubling for features). */
  ensure(features: number, outputs: number): void {
    if (outputs > this.outputs) {
      const capacity = Math.max(this.w.length / Math.max(this.outputs, 1), features);
      const w = new Float64Array(capacity * outputs);
      for (let f = 0; f < this.features; f++) {
        for (let k = 0; k < this.outputs; k++) w[f * outputs + k] = this.w[f * this.outputs + k];
      }
      const bias = new Float64Array(outputs);
      bias.set(this.bias);
      this.w = w;
      this.bias = bias;
      this.outputs = outputs;
    }
    if (features * this.outputs > this.w.length) {
      const w = new Float64Array(Math.max(features, 2 * (this.w.length / this.outputs)) * this.outputs);
      w.set(this.w);
      this.w = w;
    }
    if (features > this.features) this.features = features;
  }

  /** out[k] = bias_k + Σ_j scale·w[idx_j, k]·v_j, for k < outputs. */
  scores(v: SparseVector, out: Float64Array): Float64Array {
    const K = this.outputs;
    const w = this.w;
    const idx = v.indices;
    const val = v.values;
    const n = v.size;
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += w[idx[j] * K + k] * val[j];
      out[k] = this.bias[k] + this.scale * sum;
    }
    return out;
  }

  /** One gradient step: w[·, k] −= η·g_k·v and bias_k −= η·g_k. */
  step(v: SparseVector, gradient: Float64Array, eta: number): void {
    const K = this.outputs;
    const w = this.w;
    const idx = v.indices;
    const val = v.values;
    const n = v.size;
    const etaOverScale = eta / this.scale;
    for (let k = 0; k < K; k++) {
      const g = gradient[k];
      if (g === 0) continue;
      this.bias[k] -= eta * g;
      const gs = g * etaOverScale;
      for (let j = 0; j < n; j++) w[idx[j] * K + k] -= gs * val[j];
    }
  }

  /** Multiplies every weight (not the intercepts) by `factor` ∈ (0, 1], in O(1). */
  shrink(factor: number): void {
    this.scale *= factor;
    if (this.scale < 1e-9) this.foldScale();
  }

  /** The true weight of feature `f` for output `k`. */
  weight(f: number, k: number): number {
    return f < this.features && k < this.outputs ? this.scale * this.w[f * this.outputs + k] : 0;
  }

  /** Copies the true weights (features × outputs, then the outputs intercepts) into one vector. */
  toVector(): Float64Array {
    const n = this.features * this.outputs;
    const x = new Float64Array(n + this.outputs);
    for (let i = 0; i < n; i++) x[i] = this.scale * this.w[i];
    x.set(this.bias, n);
    return x;
  }

  /** Inverse of `toVector`. */
  fromVector(x: Float64Array): void {
    const n = this.features * this.outputs;
    this.w.set(x.subarray(0, n));
    this.bias.set(x.subarray(n, n + this.outputs));
    this.scale = 1;
  }

  toJSON(): LinearWeightsJSON {
    const indices: number[] = [];
    const values: number[] = [];
    const n = this.features * this.outputs;
    for (let i = 0; i < n; i++) {
      if (this.w[i] !== 0) {
        indices.push(i);
        values.push(this.w[i]);
      }
    }
    return {
      outputs: this.outputs,
      features: this.features,
      scale: this.scale,
      indices,
      values: encodeNumbers(values),
      bias: encodeNumbers(this.bias),
    };
  }

  static fromJSON(json: LinearWeightsJSON): LinearWeights {
    const weights = new LinearWeights(json.outputs, json.features);
    const values = decodeNumbers(json.values);
    json.indices.forEach((i, j) => {
      weights.w[i] = values[j];
    });
    weights.bias.set(decodeNumbers(json.bias));
    weights.scale = json.scale;
    return weights;
  }

  private foldScale(): void {
    const n = this.features * this.outputs;
    for (let i = 0; i < n; i++) this.w[i] *= this.scale;
    this.scale = 1;
  }
}

/** η_t of the schedule in the header. */
export function stepSize(options: ResolvedSgdOptions, t: number): number {
  return options.learningRate / (1 + options.decay * t);
}
