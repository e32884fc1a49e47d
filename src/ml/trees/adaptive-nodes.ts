/**
 * Nodes of the Hoeffding adaptive tree: the Hoeffding tree's nodes plus, each, an ADWIN over its
 * 0/1 prediction errors and a Java-compatible random stream (seed 1, as MOA) for Poisson(1)
 * bootstrap weights; split nodes may also grow an alternate subtree.
 */

import type { Adwin } from '../drift/adwin.ts';
import { JavaRandom } from '../math/java-random.ts';
import { LeafNode, SplitNode, type TreeNode } from './nodes.ts';

/** The drift state both adaptive node kinds carry. */
export interface AdaptiveState {
  /** ADWIN over this node's errors; null until the node has predicted once. */
  errors: Adwin | null;
  rng: JavaRandom;
}

export class AdaLeafNode extends LeafNode implements AdaptiveState {
  errors: Adwin | null = null;
  rng = new JavaRandom(1);
}

export class AdaSplitNode extends SplitNode implements AdaptiveState {
  errors: Adwin | null = null;
  rng = new JavaRandom(1);
  alternate: TreeNode | null = null;
}

/** Error estimate of a node (0 before its first prediction). */
export function errorOf(node: AdaptiveState): number {
  return node.errors === null ? 0 : node.errors.estimation;
}

/** Number of errors the node's ADWIN window holds values for (0 before its first prediction). */
export function widthOf(node: AdaptiveState): number {
  return node.errors === null ? 0 : node.errors.width;
}
