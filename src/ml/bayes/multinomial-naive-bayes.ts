/**
 * Multinomial naive Bayes over counts (bag of words, event counts), with Lidstone smoothing α:
 *
 *     log P(c | x) ∝ log P(c) + Σ_f x_f · log((N_cf + α) / (N_c + α·|V|))
 *
 * N_cf is the total count of feature f in class c, N_c = Σ_f N_cf and |V| the number of features seen.
 * Numeric values are counts (negative or non-finite ones are ignored); a string value v of feature
 * f counts once as the token "f=v". Features never seen in training are ignored at prediction.
 */

import { LabelSet } from '../label-set.ts';
import {
  argMax,
  type ClassProbabilities,
  checkNumber,
  encodeModel,
  type Features,
  type Label,
  type Learner,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';

/** Options of `MultinomialNaiveBayes`. */
export interface MultinomialNaiveBayesOptions {
  /** Additive smoothing α (1 = Laplace). */
  alpha?: number;
}

/**
 * Multinomial naive Bayes.
 *
 * @example
 * const nb = new MultinomialNaiveBayes();
 * nb.learnOne({ great: 2, movie: 1 }, 'pos');
 * nb.predictOne({ great: 1 }); // 'pos'
 */
export class MultinomialNaiveBayes implements Learner {
  readonly alpha: number;
  readonly labels = new LabelSet();
  private readonly vocabulary = new Map<string, number>();
  /** counts[class][feature]. */
  private counts: number[][] = [];
  private classTotals: number[] = [];
  private classWeights: number[] = [];
  private weight = 0;

  constructor(options: MultinomialNaiveBayesOptions = {}) {
    this.alpha = checkNumber(
      'MultinomialNaiveBayes',
      'alpha',
      options.alpha ?? 1,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
    );
  }

  learnOne(x: Features, y: Label, weight = 1): void {
    const c = this.labels.indexOf(y);
    while (this.counts.length <= c) {
      this.counts.push([]);
      this.classTotals.push(0);
      this.classWeights.push(0);
    }
    this.classWeights[c] += weight;
    this.weight += weight;
    const row = this.counts[c];
    for (const name in x) {
      const [token, count] = tokenOf(name, x[name]);
      if (count <= 0) continue;
      let f = this.vocabulary.get(token);
      if (f === undefined) this.vocabulary.set(token, (f = this.vocabulary.size));
      while (row.length <= f) row.push(0);
      row[f] += count * weight;
      this.classTotals[c] += count * weight;
    }
  }

  /** Unnormalised log-posteriors per class. */
  private logScores(x: Features): number[] {
    const V = this.vocabulary.size;
    const scores = this.classWeights.map((w) => Math.log(w / this.weight));
    for (const name in x) {
      const [token, count] = tokenOf(name, x[name]);
      const f = this.vocabulary.get(token);
      if (f === undefined || count <= 0) continue;
      for (let c = 0; c < scores.length; c++) {
        const n = this.counts[c][f] ?? 0;
        scores[c] += count * Math.log((n + this.alpha) / (this.classTotals[c] + this.alpha * V));
      }
    }
    return scores;
  }

  predictOne(x: Features): Label | undefined {
    if (this.labels.size === 0) return undefined;
    const scores = this.logScores(x);
    return this.labels.labelAt(argMax(scores, scores.length));
  }

  predictProbaOne(x: Features): ClassProbabilities {
    const out: ClassProbabilities = new Map();
    if (this.labels.size === 0) return out;
    const scores = this.logScores(x);
    const max = Math.max(...scores);
    let sum = 0;
    for (const s of scores) sum += Math.exp(s - max);
    scores.forEach((s, c) => {
      out.set(this.labels.labelAt(c), Math.exp(s - max) / sum);
    });
    return out;
  }

  fit(xs: Iterable<Features>, ys: Iterable<Label>): void {
    const labels = ys[Symbol.iterator]();
    for (const x of xs) this.learnOne(x, labels.next().value as Label);
  }

  toJSON(): ModelJSON {
    return {
      kind: 'multinomial-naive-bayes',
      version: 1,
      options: { alpha: this.alpha },
      labels: this.labels.labels,
      vocabulary: [...this.vocabulary.keys()],
      counts: this.counts,
      classTotals: this.classTotals,
      classWeights: this.classWeights,
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): MultinomialNaiveBayes {
    const nb = new MultinomialNaiveBayes(json.options as MultinomialNaiveBayesOptions);
    for (const label of json.labels as Label[]) nb.labels.indexOf(label);
    for (const token of json.vocabulary as string[]) nb.vocabulary.set(token, nb.vocabulary.size);
    nb.counts = json.counts as number[][];
    nb.classTotals = json.classTotals as number[];
    nb.classWeights = json.classWeights as number[];
    nb.weight = nb.classWeights.reduce((a, b) => a + b, 0);
    return nb;
  }
}

function tokenOf(name: string, value: Features[string]): [string, number] {
  if (typeof value === 'string') return [`${name}=${value}`, 1];
  return [name, typeof value === 'number' && Number.isFinite(value) ? value : 0];
}

registerModelKind('multinomial-naive-bayes', 1, MultinomialNaiveBayes.fromJSON);
