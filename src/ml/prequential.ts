/**
 * Prequential (interleaved test-then-train) evaluation: for each example, predict, score, then
 * learn — never learn first. Examples arriving before the learner can predict at all (before its
 * first learned example) are learned but not scored, and counted in `unscored`.
 */

import type { Features, Label, Learner } from './learner.ts';
import { ClassificationMetrics } from './metrics/classification-metrics.ts';
import type { ViewOptions } from './metrics/views.ts';

/** Options of `prequential`. */
export interface PrequentialOptions extends ViewOptions {
  /** Also score class probabilities (log-loss); costs a `predictProbaOne` per example (false). */
  probabilities?: boolean;
  /** Called after every example with its index and the metrics so far. */
  onExample?: (index: number, metrics: ClassificationMetrics) => void;
}

/** What `prequential` returns. */
export interface PrequentialResult {
  metrics: ClassificationMetrics;
  /** Examples seen. */
  examples: number;
  /** Examples learned but not scored (the learner could not predict yet). */
  unscored: number;
  /** Wall-clock milliseconds. */
  elapsedMs: number;
}

/**
 * Runs test-then-train over `stream` and returns the metrics in cumulative, window and fading views.
 *
 * @example
 * const { metrics } = prequential(new HoeffdingTree(), new SeaGenerator().take(10_000));
 * metrics.cumulative.accuracy();
 */
export function prequential(
  learner: Learner,
  stream: Iterable<{ x: Features; y: Label }>,
  options: PrequentialOptions = {},
): PrequentialResult {
  const metrics = new ClassificationMetrics(options);
  const start = performance.now();
  let examples = 0;
  let unscored = 0;
  for (const { x, y } of stream) {
    if (options.probabilities) {
      const probabilities = learner.predictProbaOne(x);
      const predicted = learner.predictOne(x);
      if (predicted === undefined) unscored++;
      else metrics.update(y, predicted, probabilities);
    } else {
      const predicted = learner.predictOne(x);
      if (predicted === undefined) unscored++;
      else metrics.update(y, predicted);
    }
    learner.learnOne(x, y);
    options.onExample?.(examples, metrics);
    examples++;
  }
  return { metrics, examples, unscored, elapsedMs: performance.now() - start };
}
