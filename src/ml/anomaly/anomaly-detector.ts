/** The contract of an online anomaly detector: learn normal behaviour, score how unusual a point is. */

import type { Features, Serializable } from '../learner.ts';

/**
 * An unsupervised online anomaly detector. Scores lie in [0, 1], higher = more anomalous; score a
 * point before learning it (prequential), so an anomaly is judged against the past only.
 *
 * @example
 * const detector: AnomalyDetector = new HalfSpaceTrees({ seed: 42 });
 * for (const x of stream) {
 *   if (detector.scoreOne(x) > 0.9) alert(x);
 *   detector.learnOne(x);
 * }
 */
export interface AnomalyDetector extends Serializable {
  /** Updates the model of normal behaviour with one point. */
  learnOne(x: Features): void;
  /** How anomalous `x` is, in [0, 1] (0 while the detector has not learned enough to judge). */
  scoreOne(x: Features): number;
}
