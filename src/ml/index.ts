/**
 * Online machine learning: learners that predict and learn one example at a time, drift detectors,
 * streaming metrics, MOA-compatible stream generators and prequential evaluation. Depends on nothing
 * but math; dataflow operators wrap it.
 */

export type { AnomalyDetector } from './anomaly/anomaly-detector.ts';
export { HalfSpaceTrees, type HalfSpaceTreesOptions } from './anomaly/half-space-trees.ts';
export { GaussianNaiveBayes } from './bayes/gaussian-naive-bayes.ts';
export { MultinomialNaiveBayes, type MultinomialNaiveBayesOptions } from './bayes/multinomial-naive-bayes.ts';
export type { Clusterer } from './clustering/clusterer.ts';
export { OnlineKMeans, type OnlineKMeansOptions } from './clustering/online-k-means.ts';
export * from './dataflow/index.ts';
export * from './drift/index.ts';
export { FeatureSpace, type FeatureSpaceJSON, NOMINAL, NUMERIC } from './feature-space.ts';
export * from './generators/index.ts';
export { LabelSet } from './label-set.ts';
export {
  type ClassProbabilities,
  decodeModel,
  deserialize,
  encodeModel,
  type Features,
  type Label,
  type Learner,
  type ModelJSON,
  registerModelKind,
  type Serializable,
} from './learner.ts';
export * from './linear/index.ts';
export { JavaRandom } from './math/java-random.ts';
export * from './metrics/index.ts';
export { type PrequentialOptions, type PrequentialResult, prequential } from './prequential.ts';
export * from './recommenders/index.ts';
export * from './sentiment/index.ts';
export * from './store/index.ts';
export * from './text/index.ts';
export { HoeffdingAdaptiveTree } from './trees/hoeffding-adaptive-tree.ts';
export { HoeffdingTree, type HoeffdingTreeOptions, hoeffdingBound } from './trees/hoeffding-tree.ts';
