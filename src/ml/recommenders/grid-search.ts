/**
 * Grid search of ALS hyper-parameters on a validation split. Sweep t of an ALS run does not depend
 * on how many sweeps follow, so each (rank, regParam) pair is trained once, up to the largest
 * iteration count, and scored after each requested count: the grid costs |ranks| · |regParams|
 * trainings, not |ranks| · |regParams| · |iterations|.
 */

import { StreamsightError } from '../../errors/index.ts';
import { checkInteger } from '../learner.ts';
import { AlsModel } from './als.ts';
import { evaluateRatings } from './evaluation.ts';
import { type Rating, RatingMatrix } from './rating-matrix.ts';

/** Options of `gridSearchAls`. */
export interface AlsGridOptions {
  /** Ratings to train on. */
  train: RatingMatrix | Iterable<Rating>;
  /** Held-out ratings scored by RMSE (pairs with an unseen user or item are dropped). */
  validation: readonly Rating[];
  /** Ranks to try (default [10]). */
  ranks?: readonly number[];
  /** regParam values to try (default [0.1]). */
  regParams?: readonly number[];
  /** Iteration counts to try (default [10]). */
  iterations?: readonly number[];
  /** Seed of every training run (default 42). */
  seed?: number;
}

/** One grid point and its validation error. */
export interface AlsGridResult {
  rank: number;
  regParam: number;
  iterations: number;
  rmse: number;
  mae: number;
  /** Seconds spent training up to this iteration count (validation time excluded). */
  seconds: number;
}

/**
 * Trains ALS at every grid point and returns the one with the lowest validation RMSE (the first in
 * grid order on a tie) and all results in grid order (ranks, then regParams, then iterations ascending).
 * Throws SS_ERR_INVALID_OPTION on an empty grid axis.
 *
 * @example
 * const { train, test } = randomSplit(ratings, { testFraction: 0.2 });
 * const { best, results } = gridSearchAls({ train, validation: test, ranks: [5, 10], regParams: [0.05, 0.1] });
 * const model = AlsModel.train(ratings, best);
 */
export function gridSearchAls(options: AlsGridOptions): { best: AlsGridResult; results: AlsGridResult[] } {
  const ranks = nonEmpty('ranks', options.ranks ?? [10]);
  const regParams = nonEmpty('regParams', options.regParams ?? [0.1]);
  const counts = new Set(nonEmpty('iterations', options.iterations ?? [10]));
  for (const n of counts) checkInteger('gridSearchAls', 'iterations', n, 1, 1000);
  const maxIterations = Math.max(...counts);
  const matrix = options.train instanceof RatingMatrix ? options.train : RatingMatrix.from(options.train);
  const results: AlsGridResult[] = [];
  for (const rank of ranks) {
    for (const regParam of regParams) {
      const start = performance.now();
      let evaluating = 0;
      AlsModel.train(matrix, {
        rank,
        regParam,
        iterations: maxIterations,
        seed: options.seed,
        onIteration: (iterations, model) => {
          if (!counts.has(iterations)) return;
          const now = performance.now();
          const { rmse, mae } = evaluateRatings(model, options.validation);
          results.push({ rank, regParam, iterations, rmse, mae, seconds: (now - start - evaluating) / 1000 });
          evaluating += performance.now() - now;
        },
      });
    }
  }
  let best = results[0];
  for (const r of results) if (r.rmse < best.rmse) best = r;
  return { best, results };
}

function nonEmpty(name: string, values: readonly number[]): readonly number[] {
  if (values.length === 0) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `gridSearchAls: ${name} must not be empty`, {
      details: { option: name },
    });
  }
  return values;
}
