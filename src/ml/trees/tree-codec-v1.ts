/**
 * Layout v1 of a (possibly adaptive) Hoeffding tree's nodes inside a model's JSON state:
 *
 *     leaf:  { "leaf": true, "dist", "weight", "lastEval", "mc", "nb", "observed",
 *              "gauss": numbers (5 per feature and class: weight, mean, variance sum, min, max),
 *              "nominal": [null | { "counts": number[][], "totals": number[] }] }
 *     split: { "leaf": false, "feature", "test" (0 ≤ threshold, 1 multiway, 2 equals), "value",
 *              "dist", "children": [node | null] }
 *
 * Adaptive nodes add "errors" (an ADWIN's JSON, or null) and "rng" (the JavaRandom state); adaptive
 * splits add "alternate" (node or null). Number arrays go through `encodeNumbers` (NaN/±Infinity safe).
 */

import { Adwin } from '../drift/adwin.ts';
import { decodeNumbers, encodeNumbers, type ModelJSON } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { AdaLeafNode, AdaSplitNode } from './adaptive-nodes.ts';
import { LeafNode, SplitNode, type TreeNode } from './nodes.ts';
import { NominalObserver } from './nominal-observer.ts';

export type NodeJSON = Record<string, unknown>;

export function encodeTree(node: TreeNode): NodeJSON {
  const out: NodeJSON = node.isLeaf
    ? {
        leaf: true,
        dist: encodeNumbers(node.dist),
        weight: node.weight,
        lastEval: node.weightAtLastEval,
        mc: node.mcCorrect,
        nb: node.nbCorrect,
        observed: node.observed,
        gauss: encodeNumbers(node.gauss),
        nominal: node.nominal.map((o) => (o === null ? null : { counts: o.counts, totals: o.totals })),
      }
    : {
        leaf: false,
        feature: node.feature,
        test: node.test,
        value: node.value,
        dist: encodeNumbers(node.dist),
        children: node.children.map((child) =>
          child === null || child === undefined ? null : encodeTree(child),
        ),
      };
  if (node instanceof AdaLeafNode || node instanceof AdaSplitNode) {
    out.errors = node.errors === null ? null : node.errors.toJSON();
    out.rng = node.rng.state();
  }
  if (node instanceof AdaSplitNode)
    out.alternate = node.alternate === null ? null : encodeTree(node.alternate);
  return out;
}

export function decodeTree(json: NodeJSON, adaptive: boolean): TreeNode {
  const dist = decodeNumbers(json.dist as number[]);
  let node: TreeNode;
  if (json.leaf === true) {
    const leaf = adaptive ? new AdaLeafNode(dist) : new LeafNode(dist);
    leaf.weight = json.weight as number;
    leaf.weightAtLastEval = json.lastEval as number;
    leaf.mcCorrect = json.mc as number;
    leaf.nbCorrect = json.nb as number;
    leaf.observed = json.observed as number;
    leaf.gauss = decodeNumbers(json.gauss as number[]);
    leaf.nominal = (json.nominal as ({ counts: number[][]; totals: number[] } | null)[]).map((o) => {
      if (o === null) return null;
      const observer = new NominalObserver();
      // A class never seen at this leaf is a hole in `counts`; msgpack and JSON turn holes into null,
      // and the observer tells a missing class by `undefined`.
      o.counts.forEach((row, c) => {
        if (row != null) {
          observer.counts[c] = row;
          observer.totals[c] = o.totals[c];
        }
      });
      return observer;
    });
    node = leaf;
  } else {
    const children = (json.children as (NodeJSON | null)[]).map((c) =>
      c === null ? null : decodeTree(c, adaptive),
    );
    const Split = adaptive ? AdaSplitNode : SplitNode;
    node = new Split(json.feature as number, json.test as number, json.value as number, dist, children);
  }
  if (node instanceof AdaLeafNode || node instanceof AdaSplitNode) {
    node.errors = json.errors === null ? null : Adwin.fromJSON(json.errors as ModelJSON);
    node.rng = JavaRandom.fromState(json.rng as [number, number, number, boolean]);
  }
  if (node instanceof AdaSplitNode && json.alternate !== null)
    node.alternate = decodeTree(json.alternate as NodeJSON, true);
  return node;
}
