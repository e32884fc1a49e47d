export { FeatureInterner, type FeatureInternerJSON } from './feature-interner.ts';
export { type LbfgsOptions, type LbfgsResult, lbfgs, type Objective } from './lbfgs.ts';
export { LinearRegression } from './linear-regression.ts';
export { LinearWeights, type LinearWeightsJSON, type SgdOptions } from './linear-weights.ts';
export { LogisticRegression, type LogisticRegressionOptions } from './logistic-regression.ts';
export { OneHotEncoder } from './one-hot-encoder.ts';
export { SparseVector } from './sparse-vector.ts';
export { StandardScaler } from './standard-scaler.ts';
