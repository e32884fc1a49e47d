/**
 * Naive Bayes with a Gaussian per class for numeric features and add-one-smoothed value counts for
 * nominal ones: MOA's `bayes.NaiveBayes` (the default learner of its prequential task). The
 * sufficient statistics are a Hoeffding-tree `LeafNode` (so the serialised state is a leaf's), and
 * the class votes are MOA's P(c) · Π_f P(x_f | c), computed in log space:
 *
 *     log P(c | x) + const = log N_c + Σ_f [ log(1/(√(2π)·σ_fc)) − (x_f − μ_fc)² / (2σ_fc²) ]
 *
 * Why log space, and why a cache. MOA evaluates one `exp`, one `sqrt` and two divisions per
 * (feature, class) on every prediction, which capped this class at ≈ 350k predict-then-learn
 * samples/s on 30 features. Here each class keeps its derived terms (μ, 1/(2σ²), 1/(√(2π)σ)) in a
 * flat Float64Array that is refreshed only for classes that learned since the last prediction (in
 * prequential use, one class per example); a prediction is then a multiply-add per (feature, class),
 * one running product of the normalisers, and one `log` + one `exp` per class.
 *
 * Semantics kept from MOA: a class that never saw a feature gives it probability 0; a class whose
 * variance is 0 (one value seen) gives probability 1 to exactly that value and 0 to any other;
 * missing features (NaN) are skipped. One deliberate difference: the votes are scaled so the best
 * class gets exp(0) = 1 before exponentiating, so a point far from every class still predicts the
 * nearest one, where MOA's plain product underflows to all-zero votes ("no prediction"). Votes are
 * all zero only when every class has probability exactly 0.
 */

import { FeatureSpace, type FeatureSpaceJSON } from '../feature-space.ts';
import { LabelSet } from '../label-set.ts';
import {
  argMax,
  type ClassProbabilities,
  encodeModel,
  type Features,
  type Label,
  type Learner,
  type ModelJSON,
  registerModelKind,
  votesToProbabilities,
} from '../learner.ts';
import { LeafNode } from '../trees/nodes.ts';
import { decodeTree, encodeTree, type NodeJSON } from '../trees/tree-codec-v1.ts';

/** Slots of `LeafNode.gauss` per (feature, class): weight, mean, variance sum, min, max. */
const STATS = 5;
/** Slots of the derived terms per (class, feature): μ, 1/(2σ²), 1/(√(2π)σ). */
const TERMS = 3;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/**
 * The running product of normalisers is folded into the log sum when it leaves [1e-140, 1e140]:
 * a normaliser 1/(√(2π)σ) lies within about [1e-155, 1e162] for any finite positive variance, so the
 * next product stays a normal double.
 */
const FOLD_LOW = 1e-140;
const FOLD_HIGH = 1e140;

/**
 * Gaussian naive Bayes (numeric and nominal features).
 *
 * @example
 * const nb = new GaussianNaiveBayes();
 * nb.learnOne({ height: 180, weight: 80 }, 'm');
 * nb.predictProbaOne({ height: 165, weight: 55 }); // Map { 'm' => … }
 */
export class GaussianNaiveBayes implements Learner {
  readonly features: FeatureSpace;
  readonly labels: LabelSet;
  private stats = new LeafNode(new Float64Array(2));
  private votes = new Float64Array(2);
  /** Derived terms, class-major: TERMS slots per (class, feature) for `termFeatures` features. */
  private terms = new Float64Array(0);
  /** Per class, the features whose factor is not a Gaussian density (nominal, or σ = 0). */
  private irregular: number[][] = [];
  /** log N_c per class. */
  private logPriors = new Float64Array(0);
  /** 1 when a class learned since its terms were computed. */
  private stale = new Uint8Array(0);
  private termFeatures = -1;
  private termClasses = 0;

  constructor(features = new FeatureSpace(), labels = new LabelSet()) {
    this.features = features;
    this.labels = labels;
  }

  learnOne(x: Features, y: Label, weight = 1): void {
    this.learnRow(this.features.encode(x), y, weight);
  }

  /**
   * `learnOne` for a dense row in `features` order (NaN = missing, nominal values as category
   * indices): the fast path for callers that hold numeric vectors, skipping the per-key record walk.
   * Features past `row.length` count as missing.
   *
   * @example
   * const nb = new GaussianNaiveBayes();
   * nb.features.declare('u', NUMERIC);
   * nb.features.declare('v', NUMERIC);
   * nb.learnRow(Float64Array.of(0.1, 2.5), 'a');
   * nb.predictRow(Float64Array.of(0.2, 2.4)); // 'a'
   */
  learnRow(row: Float64Array, y: Label, weight = 1): void {
    const c = this.labels.indexOf(y);
    if (c >= this.stats.classes) this.stats.growClasses(Math.max(c + 1, this.stats.classes * 2));
    const n = Math.min(row.length, this.features.size);
    this.stats.observe(row, n, this.features.kinds, c, weight);
    if (c < this.termClasses) this.stale[c] = 1;
  }

  predictOne(x: Features): Label | undefined {
    if (this.labels.size === 0) return undefined;
    return this.predictRow(this.features.encode(x));
  }

  /** `predictOne` for a dense row (see `learnRow`). */
  predictRow(row: Float64Array): Label | undefined {
    if (this.labels.size === 0) return undefined;
    return this.labels.labelAt(argMax(this.classVotes(row), this.labels.size));
  }

  predictProbaOne(x: Features): ClassProbabilities {
    return this.predictProbaRow(this.features.encode(x));
  }

  /** `predictProbaOne` for a dense row (see `learnRow`). */
  predictProbaRow(row: Float64Array): ClassProbabilities {
    return votesToProbabilities(this.classVotes(row), this.labels.size, this.labels.labels);
  }

  fit(xs: Iterable<Features>, ys: Iterable<Label>): void {
    const labels = ys[Symbol.iterator]();
    for (const x of xs) this.learnOne(x, labels.next().value as Label);
  }

  /** Votes proportional to P(c | x), the largest 1 (all 0 when nothing was learned). */
  private classVotes(row: Float64Array): Float64Array {
    const K = this.labels.size;
    if (this.votes.length < K) this.votes = new Float64Array(Math.max(K, this.votes.length * 2));
    const votes = this.votes;
    votes.fill(0);
    const stats = this.stats;
    if (!(stats.weight > 0)) return votes;
    this.refreshTerms();
    const F = Math.min(this.termFeatures, row.length);
    const C = Math.min(K, stats.classes);
    const terms = this.terms;
    let best = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      let exponent = 0;
      let scale = 1;
      let logScale = this.logPriors[c];
      for (let f = 0, t = c * this.termFeatures * TERMS; f < F; f++, t += TERMS) {
        const v = row[f];
        if (Number.isNaN(v)) continue; // missing
        const d = v - terms[t];
        exponent += d * d * terms[t + 1];
        scale *= terms[t + 2];
        // Keeps the product of normalisers a normal double without a log per feature.
        if (scale < FOLD_LOW || scale > FOLD_HIGH) {
          logScale += Math.log(scale);
          scale = 1;
        }
      }
      const irregular = this.irregular[c];
      for (let i = 0; i < irregular.length; i++) {
        const f = irregular[i];
        const v = f < F ? row[f] : Number.NaN;
        if (Number.isNaN(v)) continue;
        const nominal = stats.nominal[f];
        if (nominal === null) {
          if (v !== terms[(c * this.termFeatures + f) * TERMS]) scale = 0;
        } else scale *= nominal.probability(v, c);
        if (scale < FOLD_LOW) {
          logScale += Math.log(scale);
          scale = 1;
        }
      }
      const logVote = logScale + Math.log(scale) - exponent;
      votes[c] = logVote;
      if (logVote > best) best = logVote;
    }
    if (best === Number.NEGATIVE_INFINITY) votes.fill(0, 0, C);
    else for (let c = 0; c < C; c++) votes[c] = Math.exp(votes[c] - best);
    return votes;
  }

  /** Recomputes the derived terms of classes that learned (all of them when the shape changed). */
  private refreshTerms(): void {
    const stats = this.stats;
    const F = stats.observed;
    const C = stats.classes;
    if (F !== this.termFeatures || C !== this.termClasses) {
      this.terms = new Float64Array(C * F * TERMS);
      this.logPriors = new Float64Array(C);
      this.irregular = Array.from({ length: C }, () => []);
      this.stale = new Uint8Array(C).fill(1);
      this.termFeatures = F;
      this.termClasses = C;
    }
    const gauss = stats.gauss;
    const terms = this.terms;
    for (let c = 0; c < C; c++) {
      if (this.stale[c] === 0) continue;
      this.stale[c] = 0;
      this.logPriors[c] = Math.log(stats.dist[c]);
      const irregular = this.irregular[c];
      irregular.length = 0;
      for (let f = 0, t = c * F * TERMS; f < F; f++, t += TERMS) {
        const s = (f * C + c) * STATS;
        const w = gauss[s];
        const variance = w > 1 ? gauss[s + 2] / (w - 1) : 0;
        if (stats.nominal[f] === null && variance > 0) {
          terms[t] = gauss[s + 1];
          terms[t + 1] = 1 / (2 * variance);
          terms[t + 2] = 1 / (SQRT_2PI * Math.sqrt(variance));
          continue;
        }
        // Nominal, or a point mass (σ = 0): a neutral Gaussian term, the factor comes from the
        // irregular pass. A class that never saw the feature: factor 0, whatever the value.
        const absent = stats.nominal[f] === null && !(w > 0);
        terms[t] = absent ? 0 : gauss[s + 1];
        terms[t + 1] = 0;
        terms[t + 2] = absent ? 0 : 1;
        if (!absent) irregular.push(f);
      }
    }
  }

  toJSON(): ModelJSON {
    return {
      kind: 'gaussian-naive-bayes',
      version: 1,
      features: this.features.toJSON(),
      labels: this.labels.labels,
      stats: encodeTree(this.stats),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): GaussianNaiveBayes {
    const nb = new GaussianNaiveBayes(
      FeatureSpace.fromJSON(json.features as FeatureSpaceJSON),
      new LabelSet(json.labels as Label[]),
    );
    nb.stats = decodeTree(json.stats as NodeJSON, false) as LeafNode;
    return nb;
  }
}

registerModelKind('gaussian-naive-bayes', 1, GaussianNaiveBayes.fromJSON);
