export type { Aggregator, AggregatorResult } from './aggregator.ts';
export {
  avg,
  combine,
  count,
  type DistinctCountOptions,
  distinctCount,
  max,
  maxBy,
  min,
  sum,
} from './builtins.ts';
export { hashString, hllAdd, hllEstimate, hllMerge } from './hyperloglog.ts';
