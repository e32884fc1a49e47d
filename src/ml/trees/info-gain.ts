/**
 * The information-gain split criterion, as MOA's `InfoGainSplitCriterion` (entropies in bits, with
 * `log2(x)` computed as `ln(x)/ln(2)` like Weka's `Utils.log2`, so ties break the same way).
 */

/** Fraction of the weight a branch must exceed for the split to count as real (MOA `minBranchFrac`). */
export const MIN_BRANCH_FRACTION = 0.01;

function log2(x: number): number {
  return Math.log(x) / Math.LN2;
}

/** Entropy (bits) of a class distribution. */
export function entropy(dist: ArrayLike<number>): number {
  let h = 0;
  let sum = 0;
  for (let i = 0; i < dist.length; i++) {
    const d = dist[i];
    if (d > 0) {
      h -= d * log2(d);
      sum += d;
    }
  }
  return sum > 0 ? (h + sum * log2(sum)) / sum : 0;
}

function sum(dist: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < dist.length; i++) s += dist[i];
  return s;
}

/**
 * Information gain of splitting `pre` into `post` branches; −∞ unless at least two branches hold more
 * than 1 % of the weight.
 */
export function infoGain(pre: ArrayLike<number>, post: readonly ArrayLike<number>[]): number {
  let total = 0;
  const weights = post.map(sum);
  for (const w of weights) total += w;
  let useful = 0;
  for (const w of weights) if (w / total > MIN_BRANCH_FRACTION) useful++;
  if (useful < 2) return Number.NEGATIVE_INFINITY;
  let h = 0;
  for (let i = 0; i < post.length; i++) h += weights[i] * entropy(post[i]);
  return entropy(pre) - h / total;
}

/** Range R of the info gain for the Hoeffding bound: log2 of the number of classes (at least 2). */
export function infoGainRange(numClasses: number): number {
  return log2(Math.max(numClasses, 2));
}
