/**
 * The nodes of a Hoeffding tree. A `LeafNode` holds the sufficient statistics MOA's learning nodes
 * hold: the class distribution, per feature a Gaussian estimator per class (numeric features) or a
 * `NominalObserver` (nominal features), and the NB-adaptive counters. A `SplitNode` routes a row to a
 * child by one test and keeps the class distribution it had when it was created.
 *
 * Gaussian statistics live in one flat Float64Array per leaf, 5 slots per (feature, class):
 * weight, mean, variance sum (Knuth/Welford, weighted as MOA's `GaussianEstimator`), min, max. Rows
 * are dense Float64Arrays from `FeatureSpace`, NaN = missing.
 */

import { NOMINAL } from '../feature-space.ts';
import { argMax } from '../learner.ts';
import { normalCdf } from '../math/normal.ts';
import { infoGain } from './info-gain.ts';
import { NominalObserver } from './nominal-observer.ts';

const STATS = 5;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Number of candidate thresholds per numeric feature (MOA `numBins`). */
export const NUMERIC_SPLIT_POINTS = 10;

/** Split test kinds. */
export const NUMERIC_TEST = 0;
export const MULTIWAY_TEST = 1;
export const EQUALS_TEST = 2;

/** A candidate split of a leaf (`feature` −1 is the null split: do not split). */
export interface SplitSuggestion {
  feature: number;
  test: number;
  /** The threshold (numeric, `≤` goes left) or the category index (equals test). */
  value: number;
  merit: number;
  /** Class distribution of each resulting branch. */
  dists: Float64Array[];
}

export type TreeNode = LeafNode | SplitNode;

export class SplitNode {
  readonly isLeaf = false;
  readonly feature: number;
  readonly test: number;
  readonly value: number;
  readonly children: (TreeNode | null)[];
  /** Class distribution when the node was created (the prediction for unseen branches). */
  dist: Float64Array;

  constructor(
    feature: number,
    test: number,
    value: number,
    dist: Float64Array,
    children: (TreeNode | null)[],
  ) {
    this.feature = feature;
    this.test = test;
    this.value = value;
    this.dist = dist;
    this.children = children;
  }

  /** The branch a row takes, or −1 when the tested feature is missing. */
  branch(row: Float64Array): number {
    const v = row[this.feature];
    if (Number.isNaN(v)) return -1;
    if (this.test === NUMERIC_TEST) return v <= this.value ? 0 : 1;
    if (this.test === EQUALS_TEST) return v === this.value ? 0 : 1;
    return v;
  }
}

export class LeafNode {
  readonly isLeaf = true;
  dist: Float64Array;
  /** Total weight seen (the sum of `dist`). */
  weight: number;
  weightAtLastEval: number;
  mcCorrect = 0;
  nbCorrect = 0;
  /** Observers exist for features [0, observed): MOA creates them on the first example at the leaf. */
  observed = 0;
  gauss: Float64Array;
  nominal: (NominalObserver | null)[] = [];
  /** Bumped on every update; the naive-Bayes cache is valid for one version. */
  private version = 0;
  private cachedVersion = -1;
  private cachedRow: Float64Array | null = null;
  private cachedVotes: Float64Array | null = null;

  constructor(dist: Float64Array) {
    this.dist = dist;
    let w = 0;
    for (let c = 0; c < dist.length; c++) w += dist[c];
    this.weight = w;
    this.weightAtLastEval = w;
    this.gauss = new Float64Array(0);
  }

  /** Class capacity (length of the class arrays). */
  get classes(): number {
    return this.dist.length;
  }

  /** Grows the class arrays to `n` classes (rare: a new label appeared). */
  growClasses(n: number): void {
    this.version++;
    const old = this.dist.length;
    const dist = new Float64Array(n);
    dist.set(this.dist);
    this.dist = dist;
    const gauss = new Float64Array(this.observed * n * STATS);
    for (let f = 0; f < this.observed; f++) {
      gauss.set(this.gauss.subarray(f * old * STATS, (f + 1) * old * STATS), f * n * STATS);
    }
    this.gauss = gauss;
  }

  /** Updates the statistics with one row of class `c` (NB-adaptive counters first, as MOA does). */
  learn(
    row: Float64Array,
    features: number,
    kinds: Uint8Array,
    c: number,
    weight: number,
    votes: Float64Array,
  ): void {
    if (this.weight > 0 && argMax(this.dist, this.dist.length) === c) this.mcCorrect += weight;
    this.naiveBayes(row, votes);
    if (argMax(votes, this.dist.length) === c) this.nbCorrect += weight;
    this.observe(row, features, kinds, c, weight);
  }

  /** Updates the class distribution and feature statistics only (no NB-adaptive counters). */
  observe(row: Float64Array, features: number, kinds: Uint8Array, c: number, weight: number): void {
    if (this.observed < features) this.addObservers(features, kinds);
    this.version++;
    this.dist[c] += weight;
    this.weight += weight;
    const C = this.dist.length;
    const gauss = this.gauss;
    for (let f = 0; f < features; f++) {
      const v = row[f];
      if (Number.isNaN(v)) continue;
      const nominal = this.nominal[f];
      if (nominal !== null) {
        nominal.observe(v, c, weight);
        continue;
      }
      const s = (f * C + c) * STATS;
      const w = gauss[s];
      if (w > 0) {
        const total = w + weight;
        const last = gauss[s + 1];
        const mean = last + (weight * (v - last)) / total;
        gauss[s] = total;
        gauss[s + 1] = mean;
        gauss[s + 2] += weight * (v - last) * (v - mean);
        if (v < gauss[s + 3]) gauss[s + 3] = v;
        if (v > gauss[s + 4]) gauss[s + 4] = v;
      } else {
        gauss[s] = weight;
        gauss[s + 1] = v;
        gauss[s + 3] = v;
        gauss[s + 4] = v;
      }
    }
  }

  /**
   * MOA's `doNaiveBayesPrediction` into `votes`: P(c) · Π P(x_f | c) over the features observed here,
   * as a plain product (MOA's arithmetic, underflow included).
   */
  naiveBayes(row: Float64Array, votes: Float64Array): void {
    const C = this.dist.length;
    // Prequential use asks for the same row's votes twice in a row (predict, then the NB-adaptive
    // check in learn) with no update in between: reuse them.
    const cached = this.cachedRow;
    if (this.cachedVersion === this.version && cached !== null && sameRow(cached, row, this.observed)) {
      votes.set(this.cachedVotes!.subarray(0, C));
      return;
    }
    const gauss = this.gauss;
    for (let c = 0; c < C; c++) {
      let p = this.dist[c] / this.weight;
      for (let f = 0; f < this.observed; f++) {
        const v = row[f];
        if (Number.isNaN(v)) continue;
        const nominal = this.nominal[f];
        if (nominal !== null) {
          p *= nominal.probability(v, c);
          continue;
        }
        const s = (f * C + c) * STATS;
        const w = gauss[s];
        if (w > 0) {
          const std = w > 1 ? Math.sqrt(gauss[s + 2] / (w - 1)) : 0;
          if (std > 0) {
            const d = v - gauss[s + 1];
            p *= Math.exp(-(d * d) / (2 * std * std)) / (SQRT_2PI * std);
          } else if (v !== gauss[s + 1]) p = 0;
        } else p = 0;
      }
      votes[c] = p;
    }
    if (cached === null || cached.length < this.observed)
      this.cachedRow = new Float64Array(Math.max(this.observed, 1));
    this.cachedRow!.set(row.subarray(0, this.observed));
    if (this.cachedVotes === null || this.cachedVotes.length < C) this.cachedVotes = new Float64Array(C);
    this.cachedVotes.set(votes.subarray(0, C));
    this.cachedVersion = this.version;
  }

  /** The best split of each observed feature (MOA's `getBestSplitSuggestions`, without the null split). */
  suggestions(kinds: Uint8Array, multiway: boolean): SplitSuggestion[] {
    const out: SplitSuggestion[] = [];
    for (let f = 0; f < this.observed; f++) {
      const s = kinds[f] === NOMINAL ? this.nominalSuggestion(f, multiway) : this.numericSuggestion(f);
      if (s !== null) out.push(s);
    }
    return out;
  }

  private numericSuggestion(f: number): SplitSuggestion | null {
    const C = this.dist.length;
    const g = this.gauss;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      const s = (f * C + c) * STATS;
      if (g[s] > 0) {
        if (g[s + 3] < min) min = g[s + 3];
        if (g[s + 4] > max) max = g[s + 4];
      }
    }
    if (min === Number.POSITIVE_INFINITY) return null;
    let best: SplitSuggestion | null = null;
    let previous = Number.NaN;
    const range = max - min;
    for (let i = 0; i < NUMERIC_SPLIT_POINTS; i++) {
      const split = (range / (NUMERIC_SPLIT_POINTS + 1)) * (i + 1) + min;
      if (!(split > min && split < max) || split === previous) continue;
      previous = split;
      const left = new Float64Array(C);
      const right = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        const s = (f * C + c) * STATS;
        const w = g[s];
        if (!(w > 0)) continue;
        if (split < g[s + 3]) right[c] += w;
        else if (split >= g[s + 4]) left[c] += w;
        else {
          const mean = g[s + 1];
          const std = w > 1 ? Math.sqrt(g[s + 2] / (w - 1)) : 0;
          let equal: number;
          if (std > 0) {
            const d = split - mean;
            equal = (Math.exp(-(d * d) / (2 * std * std)) / (SQRT_2PI * std)) * w;
          } else equal = split === mean ? w : 0;
          const less = std > 0 ? normalCdf((split - mean) / std) * w - equal : split < mean ? w - equal : 0;
          const greater = Math.max(0, w - equal - less);
          left[c] += less + equal;
          right[c] += greater;
        }
      }
      const merit = infoGain(this.dist, [left, right]);
      if (best === null || merit > best.merit) {
        best = { feature: f, test: NUMERIC_TEST, value: split, merit, dists: [left, right] };
      }
    }
    return best;
  }

  private nominalSuggestion(f: number, multiway: boolean): SplitSuggestion | null {
    const C = this.dist.length;
    const observer = this.nominal[f]!;
    let best: SplitSuggestion | null = null;
    if (multiway) {
      const dists = observer.multiwayDists(C);
      best = { feature: f, test: MULTIWAY_TEST, value: -1, merit: infoGain(this.dist, dists), dists };
    }
    const values = observer.maxValues();
    for (let v = 0; v < values; v++) {
      const dists = observer.binaryDists(v, C);
      const merit = infoGain(this.dist, dists);
      if (best === null || merit > best.merit)
        best = { feature: f, test: EQUALS_TEST, value: v, merit, dists };
    }
    return best;
  }

  private addObservers(features: number, kinds: Uint8Array): void {
    const C = this.dist.length;
    const gauss = new Float64Array(features * C * STATS);
    gauss.set(this.gauss);
    this.gauss = gauss;
    for (let f = this.observed; f < features; f++)
      this.nominal[f] = kinds[f] === NOMINAL ? new NominalObserver() : null;
    this.observed = features;
  }
}

/** True when the first `n` values of two rows are identical (NaN equals NaN). */
function sameRow(a: Float64Array, b: Float64Array, n: number): boolean {
  if (a.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Number of classes with weight (MOA's `numNonZeroEntries`). */
export function nonZero(dist: Float64Array): number {
  let n = 0;
  for (let c = 0; c < dist.length; c++) if (dist[c] !== 0) n++;
  return n;
}
