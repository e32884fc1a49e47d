/**
 * Recommenders on explicit ratings: ALS (batch, with fold-in of single users), online biased matrix
 * factorisation (SGD), grid search, splits and evaluation.
 */

export {
  AlsModel,
  type AlsOptions,
  type AlsSerializeOptions,
  type Recommendation,
  type RecommendOptions,
} from './als.ts';
export { BiasedMF, type BiasedMFOptions } from './biased-mf.ts';
export { choleskySolve } from './cholesky.ts';
export {
  chronologicalSplit,
  evaluateRatings,
  evaluateTopN,
  type RankingErrors,
  type RatingErrors,
  type RatingPredictor,
  type Recommender,
  randomSplit,
  type Split,
} from './evaluation.ts';
export { type AlsGridOptions, type AlsGridResult, gridSearchAls } from './grid-search.ts';
export { type Id, type ItemRating, type Rating, RatingMatrix } from './rating-matrix.ts';
