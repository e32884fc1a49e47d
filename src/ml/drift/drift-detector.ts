/** The contract of every drift detector and monitor in `src/ml/drift`. */

import type { Serializable } from '../learner.ts';

/** What one update concluded. `drift` is an event: true only on the update that detects the change. */
export interface DriftSignal {
  readonly drift: boolean;
  readonly warning: boolean;
}

/** Frozen signals shared by all detectors, so `update` never allocates. */
export const NO_DRIFT: DriftSignal = Object.freeze({ drift: false, warning: false });
export const WARNING: DriftSignal = Object.freeze({ drift: false, warning: true });
export const DRIFT: DriftSignal = Object.freeze({ drift: true, warning: false });

/**
 * A change detector fed one value at a time (an error bit, a loss, a metric).
 *
 * @example
 * const detector = new Adwin();
 * for (const error of errors) if (detector.update(error).drift) retrain();
 */
export interface DriftDetector extends Serializable {
  update(x: number): DriftSignal;
}
