/**
 * Classification metrics from a weighted confusion matrix, in cumulative, sliding-window and fading
 * views (see `views.ts`).
 *
 * Definitions (MOA's where MOA has them):
 * - accuracy = Σ_k M[k,k] / n.
 * - Cohen's κ = (p0 − pc)/(1 − pc), p0 = accuracy, pc = Σ_k (row_k/n)(col_k/n).
 * - κ-temporal: the same with pc = accuracy of the no-change classifier (predicting the previous
 *   true label); negative when the model is worse than repeating the last label.
 * - per class: precision = M[c,c]/col_c, recall = M[c,c]/row_c, F1 = 2PR/(P + R). A class that was
 *   never predicted has precision 0 (not undefined), one that never occurred has recall 0, and F1 is
 *   0 when P + R = 0, so that macro averages penalise classes the model ignores (scikit-learn's
 *   `zero_division=0`).
 * - macro = unweighted mean over the classes seen (as truth or prediction) in the view;
 *   micro precision = micro recall = micro F1 = accuracy, since every example has exactly one label.
 * - log-loss = mean of −ln(max(p_true, 1e-15)) over updates that gave probabilities.
 * Ratios over an empty view, and κ when pc = 1, are NaN.
 */

import { LabelSet } from '../label-set.ts';
import type { ClassProbabilities, Label } from '../learner.ts';
import { type Tally, type ViewOptions, Views } from './views.ts';

const RECORD = 4; // true class, predicted class, no-change correct (0/1), log-loss (NaN if none)
const MIN_PROBABILITY = 1e-15;

/** A weighted confusion matrix plus the no-change and log-loss sums: one view's state. */
export class ConfusionTally implements Tally {
  /** M[true·capacity + predicted]. */
  matrix = new Float64Array(4);
  capacity = 2;
  total = 0;
  noChangeCorrect = 0;
  logLossSum = 0;
  logLossWeight = 0;
  private readonly labels: LabelSet;

  constructor(labels: LabelSet) {
    this.labels = labels;
  }

  add(r: Float64Array, w: number): void {
    const y = r[0];
    const p = r[1];
    if (y >= this.capacity || p >= this.capacity) this.grow(Math.max(y, p) + 1);
    this.matrix[y * this.capacity + p] += w;
    this.total += w;
    this.noChangeCorrect += r[2] * w;
    if (!Number.isNaN(r[3])) {
      this.logLossSum += r[3] * w;
      this.logLossWeight += w;
    }
  }

  scale(f: number): void {
    for (let i = 0; i < this.matrix.length; i++) this.matrix[i] *= f;
    this.total *= f;
    this.noChangeCorrect *= f;
    this.logLossSum *= f;
    this.logLossWeight *= f;
  }

  private grow(n: number): void {
    let capacity = this.capacity;
    while (capacity < n) capacity *= 2;
    const matrix = new Float64Array(capacity * capacity);
    for (let i = 0; i < this.capacity; i++) {
      matrix.set(this.matrix.subarray(i * this.capacity, (i + 1) * this.capacity), i * capacity);
    }
    this.matrix = matrix;
    this.capacity = capacity;
  }

  private cell(t: number, p: number): number {
    return t < this.capacity && p < this.capacity ? this.matrix[t * this.capacity + p] : 0;
  }

  private row(t: number): number {
    let s = 0;
    for (let p = 0; p < this.capacity; p++) s += this.cell(t, p);
    return s;
  }

  private col(p: number): number {
    let s = 0;
    for (let t = 0; t < this.capacity; t++) s += this.cell(t, p);
    return s;
  }

  accuracy(): number {
    let correct = 0;
    for (let k = 0; k < this.capacity; k++) correct += this.cell(k, k);
    return correct / this.total;
  }

  kappa(): number {
    let pc = 0;
    for (let k = 0; k < this.capacity; k++) pc += (this.row(k) / this.total) * (this.col(k) / this.total);
    return kappaOf(this.accuracy(), pc);
  }

  kappaTemporal(): number {
    return kappaOf(this.accuracy(), this.noChangeCorrect / this.total);
  }

  precision(label: Label): number {
    const c = this.labels.find(label);
    if (c < 0 || !(this.total > 0)) return Number.NaN;
    const col = this.col(c);
    return col > 0 ? this.cell(c, c) / col : 0;
  }

  recall(label: Label): number {
    const c = this.labels.find(label);
    if (c < 0 || !(this.total > 0)) return Number.NaN;
    const row = this.row(c);
    return row > 0 ? this.cell(c, c) / row : 0;
  }

  f1(label: Label): number {
    const p = this.precision(label);
    const r = this.recall(label);
    return p + r > 0 ? (2 * p * r) / (p + r) : Number.isNaN(p + r) ? Number.NaN : 0;
  }

  macroPrecision(): number {
    return this.macro((l) => this.precision(l));
  }

  macroRecall(): number {
    return this.macro((l) => this.recall(l));
  }

  macroF1(): number {
    return this.macro((l) => this.f1(l));
  }

  /** Micro-averaged F1, equal to accuracy for single-label classification. */
  microF1(): number {
    return this.accuracy();
  }

  logLoss(): number {
    return this.logLossSum / this.logLossWeight;
  }

  /** The matrix as rows of true labels and columns of predicted labels, for the labels seen. */
  confusionMatrix(): { labels: Label[]; matrix: number[][] } {
    const n = this.labels.size;
    return {
      labels: this.labels.labels.slice(0, n),
      matrix: Array.from({ length: n }, (_, t) => Array.from({ length: n }, (_, p) => this.cell(t, p))),
    };
  }

  private macro(metric: (label: Label) => number): number {
    let sum = 0;
    let n = 0;
    for (let c = 0; c < this.labels.size; c++) {
      if (this.row(c) > 0 || this.col(c) > 0) {
        sum += metric(this.labels.labelAt(c));
        n++;
      }
    }
    return sum / n;
  }
}

function kappaOf(p0: number, pc: number): number {
  return pc === 1 ? Number.NaN : (p0 - pc) / (1 - pc);
}

/**
 * Classification metrics in three views.
 *
 * @example
 * const metrics = new ClassificationMetrics({ window: 1000, fading: 0.999 });
 * metrics.update('UP', 'DOWN');
 * metrics.cumulative.accuracy(); // 0
 * metrics.window.kappaTemporal();
 */
export class ClassificationMetrics {
  readonly labels = new LabelSet();
  private readonly views: Views<ConfusionTally>;
  private readonly record = new Float64Array(RECORD);
  private previous = -1;
  /** Number of updates. */
  count = 0;

  constructor(options: ViewOptions = {}) {
    this.views = new Views(() => new ConfusionTally(this.labels), RECORD, options);
  }

  get cumulative(): ConfusionTally {
    return this.views.cumulative;
  }

  get window(): ConfusionTally {
    return this.views.window;
  }

  get fading(): ConfusionTally {
    return this.views.fading;
  }

  /** Scores one prediction; `probabilities`, when given, feed the log-loss. */
  update(actual: Label, predicted: Label, probabilities?: ClassProbabilities): void {
    const y = this.labels.indexOf(actual);
    const r = this.record;
    r[0] = y;
    r[1] = this.labels.indexOf(predicted);
    r[2] = this.previous === y ? 1 : 0;
    r[3] =
      probabilities === undefined
        ? Number.NaN
        : -Math.log(Math.max(probabilities.get(actual) ?? 0, MIN_PROBABILITY));
    this.previous = y;
    this.count++;
    this.views.push(r);
  }
}
