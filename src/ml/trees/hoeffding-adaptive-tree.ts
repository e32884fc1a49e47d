/**
 * The Hoeffding adaptive tree (HAT; Bifet & Gavaldà 2009): a Hoeffding tree that notices when a part
 * of it has gone stale and regrows that part.
 *
 * Every node keeps an ADWIN over its own 0/1 errors (the prediction of the leaf the example reaches
 * from that node, made before learning). When a node's ADWIN detects a change and the error went up,
 * the node starts an alternate subtree, a fresh leaf trained on the examples that reach the node from
 * then on. Once both the node's and the alternate's ADWIN windows hold more than 300 errors, they are
 * compared: if the alternate's error is lower by more than
 *
 *     bound = sqrt(2·e·(1 − e)·ln(2/0.05)·(1/n_alt + 1/n_node)),   e = the node's error,
 *
 * the alternate replaces the node's whole subtree; if it is higher by more than the bound, it is
 * dropped. Leaves train with Poisson(1) bootstrap weights (as MOA and River: k = 0 keeps weight 1).
 *
 * This follows MOA's `HoeffdingAdaptiveTree.java` except where River fixed MOA bugs, which we follow
 * instead: an alternate tree grows in place (MOA hands its leaves the host node's parent, so an
 * alternate leaf that splits overwrites the host), a dropped alternate subtree is really dropped, and
 * predictions come from the main tree only (MOA also sums the leaves of split alternates).
 *
 * @module
 */

import { Adwin } from '../drift/adwin.ts';
import type { FeatureSpaceJSON } from '../feature-space.ts';
import { FeatureSpace } from '../feature-space.ts';
import { LabelSet } from '../label-set.ts';
import { argMax, type Features, type Label, type ModelJSON, registerModelKind } from '../learner.ts';
import { AdaLeafNode, AdaSplitNode, errorOf, widthOf } from './adaptive-nodes.ts';
import { ALTERNATE_BRANCH, HoeffdingTree, type HoeffdingTreeOptions } from './hoeffding-tree.ts';
import type { LeafNode, SplitNode, SplitSuggestion, TreeNode } from './nodes.ts';

const DRIFT_WINDOW_THRESHOLD = 300;
const SWITCH_SIGNIFICANCE = 0.05;

/**
 * Hoeffding adaptive tree classifier.
 *
 * @example
 * const hat = new HoeffdingAdaptiveTree();
 * for (const { x, y } of stream) {
 *   hat.predictOne(x);
 *   hat.learnOne(x, y);
 * }
 */
export class HoeffdingAdaptiveTree extends HoeffdingTree {
  /** Alternate trees started, switched in, and pruned. */
  readonly stats = { alternates: 0, switched: 0, pruned: 0 };

  override learnOne(x: Features, y: Label, weight = 1): void {
    const row = this.features.encode(x);
    const c = this.labels.indexOf(y);
    this.ensureClasses(c + 1);
    this.root ??= this.newLeaf(new Float64Array(this.classCapacity));
    this.learnNode(this.root, row, c, weight, null, -1, this.predictFrom(this.root, row));
  }

  protected override get adaptive(): boolean {
    return true;
  }

  protected override newLeaf(dist: Float64Array): LeafNode {
    return new AdaLeafNode(dist);
  }

  protected override newSplit(s: SplitSuggestion, dist: Float64Array, children: TreeNode[]): SplitNode {
    return new AdaSplitNode(s.feature, s.test, s.value, dist, children);
  }

  protected override replace(parent: SplitNode | null, branch: number, node: TreeNode): void {
    if (parent !== null && branch === ALTERNATE_BRANCH) (parent as AdaSplitNode).alternate = node;
    else super.replace(parent, branch, node);
  }

  protected override childrenOf(node: SplitNode): (TreeNode | null)[] {
    const alternate = (node as AdaSplitNode).alternate;
    return alternate === null ? node.children : [...node.children, alternate];
  }

  /**
   * The class the subtree at `node` predicts for `row` (MOA: 0 when the branch has no child yet; the
   * split's own distribution when the tested feature is missing).
   */
  private predictFrom(node: TreeNode, row: Float64Array): number {
    while (!node.isLeaf) {
      const b = node.branch(row);
      if (b < 0) return argMax(node.dist, node.dist.length);
      const child = node.children[b] ?? null;
      if (child === null) return 0;
      node = child;
    }
    this.votes.fill(0);
    this.leafVotes(node, row, this.votes);
    return argMax(this.votes, this.classCapacity);
  }

  /** Feeds one error bit to a node's ADWIN; true when the error rose significantly. */
  private errorIncreased(node: AdaLeafNode | AdaSplitNode, correct: boolean): boolean {
    node.errors ??= new Adwin();
    const before = node.errors.estimation;
    return node.errors.update(correct ? 0 : 1).drift && before <= node.errors.estimation;
  }

  private learnNode(
    node: TreeNode,
    row: Float64Array,
    c: number,
    weight: number,
    parent: SplitNode | null,
    branch: number,
    predicted: number,
  ): void {
    if (node.isLeaf) {
      const leaf = node as AdaLeafNode;
      const k = leaf.rng.poisson(1);
      this.errorIncreased(leaf, predicted === c);
      leaf.learn(row, this.features.size, this.features.kinds, c, k > 0 ? weight * k : weight, this.votes);
      if (leaf.weight - leaf.weightAtLastEval >= this.options.gracePeriod) {
        this.attemptToSplit(leaf, parent, branch);
        leaf.weightAtLastEval = leaf.weight;
      }
      return;
    }
    const split = node as AdaSplitNode;
    split.rng.poisson(1); // drawn and unused by MOA's split nodes; kept so random streams stay aligned
    if (this.errorIncreased(split, predicted === c)) {
      split.alternate = this.newLeaf(new Float64Array(this.classCapacity));
      this.stats.alternates++;
    } else if (split.alternate !== null && (split.alternate as AdaLeafNode | AdaSplitNode).errors !== null) {
      const alternate = split.alternate as AdaLeafNode | AdaSplitNode;
      if (widthOf(split) > DRIFT_WINDOW_THRESHOLD && widthOf(alternate) > DRIFT_WINDOW_THRESHOLD) {
        const oldError = errorOf(split);
        const altError = errorOf(alternate);
        const n = 1 / widthOf(alternate) + 1 / widthOf(split);
        const bound = Math.sqrt(2 * oldError * (1 - oldError) * Math.log(2 / SWITCH_SIGNIFICANCE) * n);
        if (bound < oldError - altError) {
          this.replace(parent, branch, alternate);
          this.stats.switched++;
          this.learnNode(alternate, row, c, weight, parent, branch, this.predictFrom(alternate, row));
          return;
        }
        if (bound < altError - oldError) {
          split.alternate = null;
          this.stats.pruned++;
        }
      }
    }
    if (split.alternate !== null) {
      this.learnNode(
        split.alternate,
        row,
        c,
        weight,
        split,
        ALTERNATE_BRANCH,
        this.predictFrom(split.alternate, row),
      );
    }
    const b = split.branch(row);
    const child = b < 0 ? null : (split.children[b] ?? null);
    if (child !== null) this.learnNode(child, row, c, weight, split, b, predicted);
  }

  override toJSON(): ModelJSON {
    return { ...super.toJSON(), kind: 'hoeffding-adaptive-tree', stats: this.stats };
  }

  static override fromJSON(json: ModelJSON): HoeffdingAdaptiveTree {
    const tree = new HoeffdingAdaptiveTree(
      json.options as HoeffdingTreeOptions,
      FeatureSpace.fromJSON(json.features as FeatureSpaceJSON),
      new LabelSet(json.labels as Label[]),
    );
    tree.restore(json);
    Object.assign(tree.stats, json.stats);
    return tree;
  }
}

registerModelKind('hoeffding-adaptive-tree', 1, HoeffdingAdaptiveTree.fromJSON);
