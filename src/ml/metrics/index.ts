export { ClassificationMetrics, ConfusionTally } from './classification-metrics.ts';
export { ndcgAtK, precisionAtK, RankingMetrics, RankingTally, recallAtK } from './ranking-metrics.ts';
export { RegressionMetrics, RegressionTally } from './regression-metrics.ts';
export { RocAuc, RocTally } from './roc-auc.ts';
export type { Tally, ViewOptions } from './views.ts';
