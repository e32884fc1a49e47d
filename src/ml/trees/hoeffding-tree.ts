/**
 * The Hoeffding tree (VFDT; Domingos & Hulten 2000), ported from MOA's `HoeffdingTree.java` with its
 * defaults, so that on the same stream it grows the same tree and makes the same predictions.
 *
 * ## Deciding a split without seeing the whole stream
 *
 * Every example is routed to one leaf, which updates its sufficient statistics: the class
 * distribution and, per feature, a Gaussian per class (numeric features) or value counts per class
 * (nominal features). Those statistics are enough to estimate, at any moment, the information gain
 * of every candidate split: ten equally spaced thresholds between a numeric feature's smallest and
 * largest value (the class weights on each side estimated from the Gaussians), and for a nominal
 * feature a branch per value (multiway) or one value against the rest.
 *
 * The question is when the best candidate is good enough to commit to. The Hoeffding bound answers
 * it: after n independent observations of a quantity with range R, its true mean is within
 *
 *     ε = sqrt(R² · ln(1/δ) / (2n))
 *
 * of the observed mean with probability 1 − δ. With R = log2(#classes) for the information gain and
 * δ = `splitConfidence` (1e-7), if the best candidate beats the second best by more than ε, it is
 * (with probability 1 − δ) the split a batch learner would choose on infinite data, and the leaf
 * splits. Each new leaf starts with the class distribution its branch was estimated to receive.
 *
 * Two refinements make this practical. Evaluating candidates costs far more than updating counts, so
 * a leaf only tries every `gracePeriod` (200) examples. And when two candidates are nearly equally
 * good, their difference may never exceed ε; waiting would stall the tree for nothing, since either
 * split is fine. So once ε itself drops below the tie threshold τ (0.05) the leaf splits on the best
 * candidate anyway. With pre-pruning (on by default) a "null split" competes too; as its information
 * gain is −∞ it only wins when no feature offers a split at all, and then MOA's memory manager
 * immediately replaces the leaf by a fresh one with the same class distribution and empty feature
 * statistics, which is what this tree does (MOA's byte-size estimates are unset before its first
 * memory check at 1M examples, so that is all the manager does; this port has no memory cap).
 *
 * ## Predicting at a leaf: NB-adaptive
 *
 * A leaf can predict its majority class, or run naive Bayes over its feature statistics (which are
 * there anyway), often far more accurate on small leaves. Neither is always better, so each leaf
 * counts, before learning each example, whether the majority class and whether naive Bayes would have
 * predicted it correctly, and predicts with whichever has been right more often (MOA's "NBAdaptive",
 * the default; `leafPrediction: 'mc' | 'nb'` force one).
 *
 * Differences from MOA, on purpose: features and classes are discovered from the stream (nominal
 * values numbered in first-seen order, see `FeatureSpace`), and there is no memory cap
 * (`removePoorAtts` is off, as in MOA's default). A new leaf's "empty distribution" counts as having
 * no majority class, as MOA's empty vector does.
 */

import { FeatureSpace, type FeatureSpaceJSON } from '../feature-space.ts';
import { LabelSet } from '../label-set.ts';
import {
  argMax,
  type ClassProbabilities,
  checkChoice,
  checkInteger,
  checkNumber,
  encodeModel,
  type Features,
  type Label,
  type Learner,
  type ModelJSON,
  registerModelKind,
  votesToProbabilities,
} from '../learner.ts';
import { infoGain, infoGainRange } from './info-gain.ts';
import { LeafNode, nonZero, SplitNode, type SplitSuggestion, type TreeNode } from './nodes.ts';
import { decodeTree, encodeTree, type NodeJSON } from './tree-codec-v1.ts';

/** Options of `HoeffdingTree` (defaults are MOA's). */
export interface HoeffdingTreeOptions {
  /** Examples a leaf sees between split attempts (200). */
  gracePeriod?: number;
  /** δ of the Hoeffding bound: the allowed probability of a wrong split (1e-7). */
  splitConfidence?: number;
  /** τ: split anyway once the bound is below this (0.05). */
  tieThreshold?: number;
  /** Leaf prediction: majority class, naive Bayes, or NB-adaptive ('nba'). */
  leafPrediction?: 'mc' | 'nb' | 'nba';
  /** With 'nb', the weight a leaf needs before naive Bayes is used (0). */
  nbThreshold?: number;
  /** Only binary splits: nominal features split one value against the rest (false). */
  binarySplits?: boolean;
  /** Let the null split compete, MOA's pre-pruning (true; CapyMOA turns it off). */
  prePrune?: boolean;
}

type ResolvedOptions = Required<HoeffdingTreeOptions>;

/** The position of a node: its parent and the branch it hangs on (parent null = root). */
export const ALTERNATE_BRANCH = -999;

/**
 * Hoeffding tree classifier.
 *
 * @example
 * const tree = new HoeffdingTree({ gracePeriod: 50 });
 * tree.learnOne({ price: 0.06, day: '2' }, 'UP');
 * tree.predictOne({ price: 0.07, day: '2' }); // 'UP'
 */
export class HoeffdingTree implements Learner {
  readonly options: ResolvedOptions;
  root: TreeNode | null = null;
  readonly features: FeatureSpace;
  readonly labels: LabelSet;
  /** Scratch buffer for class votes (length ≥ number of classes). */
  protected votes = new Float64Array(2);
  protected classCapacity = 2;

  constructor(options: HoeffdingTreeOptions = {}, features = new FeatureSpace(), labels = new LabelSet()) {
    const name = this.constructor.name;
    this.options = {
      gracePeriod: checkInteger(name, 'gracePeriod', options.gracePeriod ?? 200, 1, 2 ** 31),
      splitConfidence: checkNumber(
        name,
        'splitConfidence',
        options.splitConfidence ?? 1e-7,
        Number.MIN_VALUE,
        1,
      ),
      tieThreshold: checkNumber(name, 'tieThreshold', options.tieThreshold ?? 0.05, 0, 1),
      leafPrediction: checkChoice(name, 'leafPrediction', options.leafPrediction ?? 'nba', [
        'mc',
        'nb',
        'nba',
      ]),
      nbThreshold: checkNumber(name, 'nbThreshold', options.nbThreshold ?? 0, 0, Number.MAX_VALUE),
      binarySplits: options.binarySplits ?? false,
      prePrune: options.prePrune ?? true,
    };
    this.features = features;
    this.labels = labels;
    this.ensureClasses(labels.size);
  }

  learnOne(x: Features, y: Label, weight = 1): void {
    const row = this.features.encode(x);
    const c = this.labels.indexOf(y);
    this.ensureClasses(c + 1);
    this.root ??= this.newLeaf(new Float64Array(this.classCapacity));
    let node: TreeNode = this.root;
    let parent: SplitNode | null = null;
    let branch = -1;
    while (!node.isLeaf) {
      const b = node.branch(row);
      if (b < 0) return; // the tested feature is missing: MOA stops here and learns nothing
      let child: TreeNode | null = node.children[b] ?? null;
      if (child === null) child = node.children[b] = this.newLeaf(new Float64Array(this.classCapacity));
      parent = node;
      branch = b;
      node = child;
    }
    const leaf = node as LeafNode;
    leaf.learn(row, this.features.size, this.features.kinds, c, weight, this.votes);
    if (leaf.weight - leaf.weightAtLastEval >= this.options.gracePeriod) {
      this.attemptToSplit(leaf, parent, branch);
      leaf.weightAtLastEval = leaf.weight;
    }
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

  /** Number of split nodes, leaves, and the depth. */
  get size(): { splits: number; leaves: number; depth: number } {
    const walk = (node: TreeNode | null): [number, number, number] => {
      if (node === null) return [0, 0, 0];
      if (node.isLeaf) return [0, 1, 0];
      let splits = 1;
      let leaves = 0;
      let depth = 0;
      for (const child of node.children) {
        const [s, l, d] = walk(child);
        splits += s;
        leaves += l;
        depth = Math.max(depth, d);
      }
      return [splits, leaves, depth + 1];
    };
    const [splits, leaves, depth] = walk(this.root);
    return { splits, leaves, depth };
  }

  /** The class votes of the leaf `x` reaches (into the shared scratch buffer). */
  protected classVotes(x: Features): Float64Array {
    const votes = this.votes;
    votes.fill(0);
    if (this.root === null) return votes;
    const row = this.features.encode(x);
    let node: TreeNode = this.root;
    while (!node.isLeaf) {
      const b = node.branch(row);
      const child = b < 0 ? null : (node.children[b] ?? null);
      if (child === null) {
        votes.set(node.dist);
        return votes;
      }
      node = child;
    }
    this.leafVotes(node, row, votes);
    return votes;
  }

  /** A leaf's votes under the configured leaf prediction. */
  protected leafVotes(leaf: LeafNode, row: Float64Array, votes: Float64Array): void {
    const mode = this.options.leafPrediction;
    const useNb =
      mode === 'nba'
        ? leaf.mcCorrect <= leaf.nbCorrect
        : mode === 'nb' && leaf.weight >= this.options.nbThreshold;
    if (useNb && leaf.weight > 0) leaf.naiveBayes(row, votes);
    else votes.set(leaf.dist);
  }

  /** MOA's `attemptToSplit`: rank the candidates and split when the Hoeffding bound allows. */
  protected attemptToSplit(leaf: LeafNode, parent: SplitNode | null, branch: number): void {
    if (nonZero(leaf.dist) < 2) return;
    const candidates: (SplitSuggestion | null)[] = [];
    if (this.options.prePrune) candidates.push(null);
    candidates.push(...leaf.suggestions(this.features.kinds, !this.options.binarySplits));
    const merit = (s: SplitSuggestion | null) => (s === null ? infoGain(leaf.dist, [leaf.dist]) : s.merit);
    const ranked = candidates
      .map((s) => ({ s, merit: merit(s) }))
      .sort((a, b) => (a.merit < b.merit ? -1 : a.merit > b.merit ? 1 : 0)); // stable, as Java's sort
    let shouldSplit: boolean;
    if (ranked.length < 2) shouldSplit = ranked.length > 0;
    else {
      const epsilon = hoeffdingBound(
        infoGainRange(lastNonZero(leaf.dist)),
        this.options.splitConfidence,
        leaf.weight,
      );
      const best = ranked[ranked.length - 1].merit;
      const second = ranked[ranked.length - 2].merit;
      shouldSplit = best - second > epsilon || epsilon < this.options.tieThreshold;
    }
    if (!shouldSplit) return;
    const decision = ranked[ranked.length - 1].s;
    if (decision === null) {
      this.replace(parent, branch, this.newLeaf(leaf.dist.slice()));
      return;
    }
    const children = decision.dists.map((d) => this.newLeaf(fit(d, this.classCapacity)) as TreeNode);
    const split = this.newSplit(decision, leaf.dist.slice(), children);
    this.replace(parent, branch, split);
  }

  /** Whether nodes carry HAT's drift state (for the codec). */
  protected get adaptive(): boolean {
    return false;
  }

  protected newLeaf(dist: Float64Array): LeafNode {
    return new LeafNode(dist);
  }

  protected newSplit(s: SplitSuggestion, dist: Float64Array, children: TreeNode[]): SplitNode {
    return new SplitNode(s.feature, s.test, s.value, dist, children);
  }

  protected replace(parent: SplitNode | null, branch: number, node: TreeNode): void {
    if (parent === null) this.root = node;
    else parent.children[branch] = node;
  }

  /** Grows every class array when a new label appears. */
  protected ensureClasses(n: number): void {
    if (n <= this.classCapacity) return;
    while (this.classCapacity < n) this.classCapacity *= 2;
    this.votes = new Float64Array(this.classCapacity);
    this.forEachLeaf(this.root, (leaf) => leaf.growClasses(this.classCapacity));
    this.forEachSplit(this.root, (split) => {
      split.dist = fit(split.dist, this.classCapacity);
    });
  }

  protected forEachLeaf(node: TreeNode | null, fn: (leaf: LeafNode) => void): void {
    if (node === null) return;
    if (node.isLeaf) fn(node);
    else for (const child of this.childrenOf(node)) this.forEachLeaf(child, fn);
  }

  protected forEachSplit(node: TreeNode | null, fn: (split: SplitNode) => void): void {
    if (node === null || node.isLeaf) return;
    fn(node);
    for (const child of this.childrenOf(node)) this.forEachSplit(child, fn);
  }

  /** Children to visit for whole-tree updates (HAT adds the alternate tree). */
  protected childrenOf(node: SplitNode): (TreeNode | null)[] {
    return node.children;
  }

  toJSON(): ModelJSON {
    return {
      kind: 'hoeffding-tree',
      version: 1,
      options: this.options,
      features: this.features.toJSON(),
      labels: this.labels.labels,
      classCapacity: this.classCapacity,
      root: this.root === null ? null : encodeTree(this.root),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): HoeffdingTree {
    const tree = new HoeffdingTree(
      json.options as HoeffdingTreeOptions,
      FeatureSpace.fromJSON(json.features as FeatureSpaceJSON),
      new LabelSet(json.labels as Label[]),
    );
    tree.restore(json);
    return tree;
  }

  /** Restores the node state written by `toJSON`. */
  protected restore(json: ModelJSON): void {
    this.ensureClasses(json.classCapacity as number);
    this.root = json.root === null ? null : decodeTree(json.root as NodeJSON, this.adaptive);
  }
}

/**
 * The Hoeffding bound ε = sqrt(R² ln(1/δ) / 2n).
 *
 * @example
 * hoeffdingBound(1, 1e-7, 200); // ≈ 0.2007: two classes, δ = 1e-7, after one grace period
 */
export function hoeffdingBound(range: number, confidence: number, n: number): number {
  return Math.sqrt((range * range * Math.log(1 / confidence)) / (2 * n));
}

/** MOA's class-vector length: one past the last class with weight. */
function lastNonZero(dist: Float64Array): number {
  for (let c = dist.length - 1; c >= 0; c--) if (dist[c] !== 0) return c + 1;
  return 0;
}

function fit(dist: Float64Array, n: number): Float64Array {
  if (dist.length === n) return dist;
  const out = new Float64Array(n);
  out.set(dist.subarray(0, Math.min(n, dist.length)));
  return out;
}

registerModelKind('hoeffding-tree', 1, HoeffdingTree.fromJSON);
