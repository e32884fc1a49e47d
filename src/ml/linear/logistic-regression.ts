/**
 * Multinomial (softmax) logistic regression, trained online by SGD or in batch by L-BFGS on the same
 * objective: the mean weighted log-loss plus (λ/2)·‖W‖² (intercepts unpenalised),
 *
 *     P(k | x) = exp(z_k) / Σ_j exp(z_j),   z_k = b_k + Σ_f W[f,k]·x_f
 *     ∂/∂W[f,k] of −log P(y | x) = (P(k | x) − [k = y])·x_f
 *
 * Features are `Record<string, number | string>`: names are interned to columns and strings are
 * one-hot encoded as "name=value" (see `FeatureInterner`), so an example costs O(its non-zero
 * features × classes). Classes are added as they appear; a new class starts with zero weights.
 * The SGD step, L2 and learning-rate schedule are those of `LinearWeights`. Inputs should be on
 * comparable scales (put a `StandardScaler` in front of raw measurements).
 *
 * Pre-hashed inputs (text) use `learnVector` / `predictProbaVector` with `columns` fixed up front.
 */

import { StreamsightError } from '../../errors/index.ts';
import { LabelSet } from '../label-set.ts';
import {
  argMax,
  type ClassProbabilities,
  checkInteger,
  encodeModel,
  type Features,
  type Label,
  type Learner,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';
import { FeatureInterner, type FeatureInternerJSON } from './feature-interner.ts';
import { type LbfgsOptions, type LbfgsResult, lbfgs } from './lbfgs.ts';
import {
  LinearWeights,
  type LinearWeightsJSON,
  type ResolvedSgdOptions,
  resolveSgdOptions,
  type SgdOptions,
  stepSize,
} from './linear-weights.ts';
import { SparseVector } from './sparse-vector.ts';

/** Options of `LogisticRegression`. */
export interface LogisticRegressionOptions extends SgdOptions {
  /**
   * A fixed number of columns for pre-hashed input (`learnVector`); 0 (the default) interns
   * feature names instead.
   */
  columns?: number;
}

/**
 * Softmax regression with online SGD (`learnOne`) and batch L-BFGS (`fitBatch`).
 *
 * @example
 * const model = new LogisticRegression({ learningRate: 0.1, l2: 1e-4 });
 * for (let i = 0; i < 100; i++) {
 *   model.learnOne({ minutes: 1.2, plan: 'free' }, 'churn');
 *   model.learnOne({ minutes: -0.4, plan: 'gold' }, 'stay');
 * }
 * model.predictOne({ minutes: 0.9, plan: 'free' }); // 'churn'
 * model.predictProbaOne({ minutes: 0.9, plan: 'free' }); // Map { 'churn' => 0.9…, 'stay' => 0.0… }
 */
export class LogisticRegression implements Learner {
  readonly options: Readonly<ResolvedSgdOptions>;
  readonly labels: LabelSet;
  interner: FeatureInterner;
  /** Fixed column count for pre-hashed input, 0 when names are interned. */
  readonly columns: number;
  weights: LinearWeights;
  /** Weight of the examples learned by SGD (the t of the learning-rate schedule). */
  seen = 0;
  private readonly vector = new SparseVector();
  private buffer = new Float64Array(2);

  constructor(options: LogisticRegressionOptions = {}) {
    this.options = resolveSgdOptions('LogisticRegression', options, 0.05);
    this.columns = checkInteger('LogisticRegression', 'columns', options.columns ?? 0, 0, 2 ** 26);
    this.labels = new LabelSet();
    this.interner = new FeatureInterner();
    this.weights = new LinearWeights(0, this.columns);
  }

  learnOne(x: Features, y: Label, weight = 1): void {
    this.learnVector(this.interner.encode(x, this.vector, true), y, weight);
  }

  /** `learnOne` for an already encoded example (column indices below `columns` or interned ones). */
  learnVector(v: SparseVector, y: Label, weight = 1): void {
    const c = this.labels.indexOf(y);
    const K = this.labels.size;
    this.weights.ensure(Math.max(this.columns, this.interner.size), K);
    if (this.buffer.length < K) this.buffer = new Float64Array(2 * K);
    const p = softmax(this.weights.scores(v, this.buffer), K);
    for (let k = 0; k < K; k++) p[k] *= weight;
    p[c] -= weight;
    const eta = stepSize(this.options, this.seen);
    this.seen += weight;
    if (this.options.l2 > 0) this.weights.shrink(1 - eta * this.options.l2);
    this.weights.step(v, p, eta);
  }

  predictOne(x: Features): Label | undefined {
    if (this.labels.size === 0) return undefined;
    const K = this.labels.size;
    return this.labels.labelAt(argMax(this.scores(this.interner.encode(x, this.vector, false)), K));
  }

  predictProbaOne(x: Features): ClassProbabilities {
    return this.predictProbaVector(this.interner.encode(x, this.vector, false));
  }

  /** The most probable class of an encoded example (undefined before any learning). */
  predictVector(v: SparseVector): Label | undefined {
    if (this.labels.size === 0) return undefined;
    return this.labels.labelAt(argMax(this.scores(v), this.labels.size));
  }

  /** Class probabilities of an encoded example. */
  predictProbaVector(v: SparseVector): ClassProbabilities {
    const out: ClassProbabilities = new Map();
    const K = this.labels.size;
    if (K === 0) return out;
    const p = softmax(this.scores(v), K);
    for (let k = 0; k < K; k++) out.set(this.labels.labelAt(k), p[k]);
    return out;
  }

  fit(xs: Iterable<Features>, ys: Iterable<Label>): void {
    const labels = ys[Symbol.iterator]();
    for (const x of xs) this.learnOne(x, labels.next().value as Label);
  }

  /**
   * Full-batch training by L-BFGS on the regularised mean log-loss, warm-started from the current
   * weights (so it also refines an SGD model). New features and classes in `xs`/`ys` are added.
   * Memory: the examples as a sparse matrix plus 2·memory vectors of (columns + 1)·classes.
   *
   * @example
   * const model = new LogisticRegression({ l2: 1e-3 });
   * const { loss, converged } = model.fitBatch(rows, labels, { maxIterations: 200 });
   */
  fitBatch(xs: Iterable<Features>, ys: Iterable<Label>, options: LbfgsOptions = {}): LbfgsResult {
    const labelIterator = ys[Symbol.iterator]();
    const rowStart: number[] = [0];
    const columns: number[] = [];
    const values: number[] = [];
    const classes: number[] = [];
    for (const x of xs) {
      const next = labelIterator.next();
      if (next.done) throw lengthMismatch();
      const v = this.interner.encode(x, this.vector, true);
      for (let j = 0; j < v.size; j++) {
        columns.push(v.indices[j]);
        values.push(v.values[j]);
      }
      rowStart.push(columns.length);
      classes.push(this.labels.indexOf(next.value));
    }
    if (!labelIterator.next().done) throw lengthMismatch();
    const K = this.labels.size;
    this.weights.ensure(Math.max(this.columns, this.interner.size), K);
    const D = this.weights.features;
    const data = {
      rowStart: Int32Array.from(rowStart),
      columns: Int32Array.from(columns),
      values: Float64Array.from(values),
      classes: Int32Array.from(classes),
    };
    const objective = softmaxObjective(data, D, K, this.options.l2);
    const result = lbfgs(objective, this.weights.toVector(), options);
    this.weights.fromVector(result.x);
    return result;
  }

  private scores(v: SparseVector): Float64Array {
    const K = this.labels.size;
    if (this.buffer.length < K) this.buffer = new Float64Array(2 * K);
    if (this.weights.outputs < K) this.weights.ensure(this.weights.features, K);
    return this.weights.scores(v, this.buffer);
  }

  toJSON(): ModelJSON {
    return {
      kind: 'logistic-regression',
      version: 1,
      options: { ...this.options, columns: this.columns },
      labels: this.labels.labels,
      interner: this.interner.toJSON(),
      weights: this.weights.toJSON(),
      seen: this.seen,
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): LogisticRegression {
    const model = new LogisticRegression(json.options as LogisticRegressionOptions);
    for (const label of json.labels as Label[]) model.labels.indexOf(label);
    model.interner = FeatureInterner.fromJSON(json.interner as FeatureInternerJSON);
    model.weights = LinearWeights.fromJSON(json.weights as LinearWeightsJSON);
    model.seen = json.seen as number;
    return model;
  }
}

/** In-place softmax of the first K scores (max-shifted, so large scores do not overflow). */
function softmax(z: Float64Array, K: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < K; k++) if (z[k] > max) max = z[k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k] - max);
  for (let k = 0; k < K; k++) z[k] /= sum;
  return z;
}

interface SparseRows {
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  classes: Int32Array;
}

/** The batch objective over parameters laid out as `LinearWeights.toVector` writes them. */
function softmaxObjective(data: SparseRows, D: number, K: number, l2: number) {
  const z = new Float64Array(K);
  const n = data.classes.length;
  return (x: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const bias = D * K;
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const start = data.rowStart[r];
      const end = data.rowStart[r + 1];
      for (let k = 0; k < K; k++) {
        let sum = x[bias + k];
        for (let j = start; j < end; j++) sum += x[data.columns[j] * K + k] * data.values[j];
        z[k] = sum;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) if (z[k] > max) max = z[k];
      let total = 0;
      for (let k = 0; k < K; k++) total += Math.exp(z[k] - max);
      const y = data.classes[r];
      loss += max + Math.log(total) - z[y];
      for (let k = 0; k < K; k++) {
        const gk = (Math.exp(z[k] - max) / total - (k === y ? 1 : 0)) / n;
        g[bias + k] += gk;
        for (let j = start; j < end; j++) g[data.columns[j] * K + k] += gk * data.values[j];
      }
    }
    loss /= n;
    if (l2 > 0) {
      let squares = 0;
      for (let i = 0; i < bias; i++) {
        squares += x[i] * x[i];
        g[i] += l2 * x[i];
      }
      loss += 0.5 * l2 * squares;
    }
    return loss;
  };
}

function lengthMismatch(): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    'LogisticRegression.fitBatch: xs and ys differ in length',
  );
}

registerModelKind('logistic-regression', 1, LogisticRegression.fromJSON);
