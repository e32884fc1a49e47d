/**
 * Classification metrics as plain, JSON-ready data: what the `.evaluate` operator emits, what the
 * model store records with each version and what `streamsight model evaluate --json` prints. Ratios
 * that are undefined (an empty view, κ when chance agreement is 1) are `null`, not NaN, because JSON
 * and PostgreSQL's jsonb have no NaN.
 */

import type { ConfusionTally } from '../metrics/classification-metrics.ts';

/** Precision, recall and F1 of one class, and how often it truly occurred. */
export interface ClassMetrics {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Weight of the examples whose true class this is. */
  support: number;
}

/** One view (cumulative or sliding window) of a confusion matrix, summarised. */
export interface MetricsSnapshot {
  /** Weight of the scored examples in the view. */
  examples: number;
  accuracy: number | null;
  /** Cohen's κ. */
  kappa: number | null;
  /** κ against the no-change classifier (predicting the previous true label). */
  kappaTemporal: number | null;
  macroPrecision: number | null;
  macroRecall: number | null;
  macroF1: number | null;
  /** Per class, keyed by the label as text. */
  classes: Record<string, ClassMetrics>;
  /** Rows: true labels; columns: predicted labels, in `labels` order. */
  confusionMatrix: { labels: (string | number)[]; matrix: number[][] };
}

/**
 * Summarises one view of `ClassificationMetrics` (or of the operators' prequential metrics).
 *
 * @example
 * const metrics = new ClassificationMetrics();
 * metrics.update('a', 'b');
 * snapshotMetrics(metrics.cumulative).accuracy; // 0
 */
export function snapshotMetrics(tally: ConfusionTally): MetricsSnapshot {
  const confusionMatrix = tally.confusionMatrix();
  const classes: Record<string, ClassMetrics> = {};
  confusionMatrix.labels.forEach((label, i) => {
    classes[String(label)] = {
      precision: finite(tally.precision(label)),
      recall: finite(tally.recall(label)),
      f1: finite(tally.f1(label)),
      support: confusionMatrix.matrix[i].reduce((a, b) => a + b, 0),
    };
  });
  return {
    examples: tally.total,
    accuracy: finite(tally.accuracy()),
    kappa: finite(tally.kappa()),
    kappaTemporal: finite(tally.kappaTemporal()),
    macroPrecision: finite(tally.macroPrecision()),
    macroRecall: finite(tally.macroRecall()),
    macroF1: finite(tally.macroF1()),
    classes,
    confusionMatrix,
  };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
