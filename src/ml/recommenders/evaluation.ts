/**
 * Offline evaluation of recommenders: train/test splits, rating error (RMSE, MAE through
 * `RegressionMetrics`) and top-k quality (precision, recall, nDCG through `RankingMetrics`).
 *
 * A random split lets a model train on a user's later ratings and be tested on earlier ones, so it
 * flatters; the per-user chronological split (each user's latest ratings as test) is closer to
 * serving, where only the past is known (reference online-ml.md §5). Pairs whose user or item the
 * model never saw are dropped from the error and counted, as Spark's `coldStartStrategy = "drop"`.
 */

import { StreamsightError } from '../../errors/index.ts';
import { checkNumber } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { RankingMetrics } from '../metrics/ranking-metrics.ts';
import { RegressionMetrics } from '../metrics/regression-metrics.ts';
import type { Id, Rating } from './rating-matrix.ts';

/** A model that predicts ratings: NaN means it cannot (cold start). */
export interface RatingPredictor {
  predictOne(user: Id, item: Id): number;
}

/** A model that recommends items to a user, best first, leaving out the items it saw the user rate. */
export interface Recommender {
  recommend(user: Id, n: number): { item: Id }[];
}

/** A train/test split. */
export interface Split {
  train: Rating[];
  test: Rating[];
}

/** Rating error over the pairs the model could predict. */
export interface RatingErrors {
  rmse: number;
  mae: number;
  /** Pairs predicted. */
  count: number;
  /** Pairs dropped because the model returned NaN (unknown user or item). */
  dropped: number;
}

/** Mean top-k metrics over the test users. */
export interface RankingErrors {
  precision: number;
  recall: number;
  ndcg: number;
  /** Users evaluated: known to the model and with at least one relevant test item. */
  users: number;
}

/**
 * Random split: each rating goes to test with probability `testFraction`, drawn from a seeded
 * `JavaRandom`, so the split is reproducible.
 *
 * @example
 * const { train, test } = randomSplit(ratings, { testFraction: 0.2, seed: 7 });
 */
export function randomSplit(
  ratings: Iterable<Rating>,
  options: { testFraction?: number; seed?: number } = {},
): Split {
  const fraction = checkNumber('randomSplit', 'testFraction', options.testFraction ?? 0.2, 0, 1);
  const rng = new JavaRandom(options.seed ?? 42);
  const split: Split = { train: [], test: [] };
  for (const r of ratings) (rng.nextDouble() < fraction ? split.test : split.train).push(r);
  return split;
}

/**
 * Per-user chronological split: each user's latest round(n · testFraction) ratings by timestamp go
 * to test (equal timestamps keep input order). Throws SS_ERR_INVALID_RATING for a rating without a
 * finite timestamp.
 *
 * @example
 * const { train, test } = chronologicalSplit(ratings, { testFraction: 0.2 });
 */
export function chronologicalSplit(
  ratings: Iterable<Rating>,
  options: { testFraction?: number } = {},
): Split {
  const fraction = checkNumber('chronologicalSplit', 'testFraction', options.testFraction ?? 0.2, 0, 1);
  const byUser = new Map<Id, Rating[]>();
  for (const r of ratings) {
    if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp)) {
      throw new StreamsightError('SS_ERR_INVALID_RATING', 'chronologicalSplit needs a finite timestamp', {
        details: { user: r.user, item: r.item, timestamp: r.timestamp },
      });
    }
    let list = byUser.get(r.user);
    if (list === undefined) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const split: Split = { train: [], test: [] };
  for (const list of byUser.values()) {
    list.sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
    const cut = list.length - Math.round(list.length * fraction);
    for (let j = 0; j < list.length; j++) (j < cut ? split.train : split.test).push(list[j]);
  }
  return split;
}

/**
 * RMSE and MAE of `model` on `ratings`, dropping the pairs it cannot predict.
 *
 * @example
 * evaluateRatings(model, test); // { rmse: 0.87, mae: 0.67, count: 19_870, dropped: 301 }
 */
export function evaluateRatings(model: RatingPredictor, ratings: Iterable<Rating>): RatingErrors {
  const metrics = new RegressionMetrics();
  let dropped = 0;
  for (const r of ratings) {
    const predicted = model.predictOne(r.user, r.item);
    if (Number.isNaN(predicted)) dropped++;
    else metrics.update(r.rating, predicted);
  }
  const tally = metrics.cumulative;
  return { rmse: tally.rmse(), mae: tally.mae(), count: tally.n, dropped };
}

/**
 * Mean precision@k, recall@k and nDCG@k over the users of `test`: for each user, the model's top k
 * (which leaves out what it saw in training) is scored against that user's test items rated at
 * least `minRating` (default: all of them).
 *
 * @example
 * evaluateTopN(model, test, { k: 10, minRating: 4 }); // { precision, recall, ndcg, users }
 */
export function evaluateTopN(
  model: Recommender,
  test: Iterable<Rating>,
  options: { k?: number; minRating?: number } = {},
): RankingErrors {
  const minRating = options.minRating ?? Number.NEGATIVE_INFINITY;
  const metrics = new RankingMetrics({ k: options.k ?? 10 });
  const relevant = new Map<Id, Set<Id>>();
  for (const r of test) {
    if (r.rating < minRating) continue;
    let set = relevant.get(r.user);
    if (set === undefined) relevant.set(r.user, (set = new Set()));
    set.add(r.item);
  }
  for (const [user, items] of relevant) {
    const ranked = model.recommend(user, metrics.k);
    if (ranked.length === 0) continue;
    metrics.update(
      ranked.map((rec) => rec.item),
      items,
    );
  }
  const tally = metrics.cumulative;
  return { precision: tally.precision(), recall: tally.recall(), ndcg: tally.ndcg(), users: tally.n };
}
