/**
 * Online learning inside pipelines: the operators behind `keyed.learn`, `keyed.predict` and
 * `keyed.evaluate`, their training schedules, and checkpointable prequential metrics.
 */

export { type EvaluateOptions, type EvaluationReport, evaluateOperator } from './evaluate-operator.ts';
export type { ExampleOptions } from './examples.ts';
export {
  type LearnOptions,
  learnOperator,
  type ModelVersion,
  type VersionReason,
} from './learn-operator.ts';
export { type ClassMetrics, type MetricsSnapshot, snapshotMetrics } from './metrics-snapshot.ts';
export { type Prediction, type PredictOptions, predictOperator } from './predict-operator.ts';
export {
  PrequentialMetrics,
  type PrequentialMetricsState,
  type PrequentialReport,
} from './prequential-metrics.ts';
export {
  type BatchTrainingOptions,
  everyInterval,
  everyRecords,
  onDrift,
  online,
  type TrainingSchedule,
  type TrainingSet,
} from './schedules.ts';
