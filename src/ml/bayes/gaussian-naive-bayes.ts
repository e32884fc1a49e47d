/**
 * Naive Bayes with a Gaussian per class for numeric features and add-one-smoothed value counts for
 * nominal ones: MOA's `bayes.NaiveBayes` (the default learner of its prequential task), computed
 * with the same estimators a Hoeffding-tree leaf keeps, so a one-leaf tree and this model agree.
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

  constructor(features = new FeatureSpace(), labels = new LabelSet()) {
    this.features = features;
    this.labels = labels;
  }

  learnOne(x: Features, y: Label, weight = 1): void {
    const row = this.features.encode(x);
    const c = this.labels.indexOf(y);
    if (c >= this.stats.classes) {
      const n = Math.max(c + 1, this.stats.classes * 2);
      this.stats.growClasses(n);
      this.votes = new Float64Array(n);
    }
    this.stats.observe(row, this.features.size, this.features.kinds, c, weight);
  }

  predictOne(x: Features): Label | undefined {
    if (this.labels.size === 0) return undefined;
    return this.labels.labelAt(argMax(this.classVotes(x), this.labels.size));
  }

  predictProbaOne(x: Features): ClassProbabilities {
    return votesToProbabilities(this.classVotes(x), this.labels.size, this.labels.labels);
  }

  fit(xs: Iterable<Features>, ys: Iterable<Label>): void {
    const labels = ys[Symbol.iterator]();
    for (const x of xs) this.learnOne(x, labels.next().value as Label);
  }

  private classVotes(x: Features): Float64Array {
    this.votes.fill(0);
    if (this.stats.weight > 0) this.stats.naiveBayes(this.features.encode(x), this.votes);
    return this.votes;
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
    nb.votes = new Float64Array(nb.stats.classes);
    return nb;
  }
}

registerModelKind('gaussian-naive-bayes', 1, GaussianNaiveBayes.fromJSON);
