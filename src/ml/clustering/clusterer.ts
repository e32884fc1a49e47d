/** The contract of an online clusterer: learn one point at a time, assign points to clusters. */

import type { Features, Serializable } from '../learner.ts';

/**
 * An online clusterer (no labels): `learnOne` updates the clusters, `predictOne` names the cluster
 * of a point by its index.
 *
 * @example
 * const clusterer: Clusterer = new OnlineKMeans({ k: 3 });
 * for (const x of points) clusterer.learnOne(x);
 * clusterer.predictOne({ u: 0.2, v: 0.9 }); // 0, 1 or 2
 */
export interface Clusterer extends Serializable {
  /** Updates the clusters with one point. */
  learnOne(x: Features, weight?: number): void;
  /** The index of the cluster `x` belongs to, or undefined while there are no clusters yet. */
  predictOne(x: Features): number | undefined;
}
