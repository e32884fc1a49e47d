/**
 * Recommender benchmarks on MovieLens ml-latest-small (100,836 ratings, 610 users, 9,724 rated
 * movies), read from the shared data folder (never from the repository; GroupLens terms apply):
 *
 * - `als`: AlsModel.train on all ratings, rank 10, regParam 0.1, 10 iterations (the target is
 *   ≤ 3 s); seconds include building the rating matrix from the parsed rows. Median of 3.
 * - `biased-mf`: BiasedMF.learnOne over all ratings in time order, one pass from a fresh model,
 *   updates per second. Median of 3.
 *
 * Prints one JSON line per benchmark; exits 0 with a message when the data is absent.
 *
 *     node bench/ml/als.ts
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlsModel, BiasedMF, type Rating } from '../../src/ml/index.ts';

const sharedDir = process.env.STREAMSIGHT_SHARED_DIR ?? join(import.meta.dirname, '../../../shared');
const csv = join(sharedDir, 'data/movielens/ml-latest-small/ratings.csv');

if (!existsSync(csv)) {
  console.log(
    `skipped: MovieLens not found at ${csv} (set STREAMSIGHT_SHARED_DIR to the folder holding data/movielens)`,
  );
} else {
  const lines = readFileSync(csv, 'utf8').split('\n');
  const ratings: Rating[] = [];
  for (let j = 1; j < lines.length; j++) {
    if (lines[j] === '') continue;
    const f = lines[j].split(',');
    ratings.push({ user: Number(f[0]), item: Number(f[1]), rating: Number(f[2]), timestamp: Number(f[3]) });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const seconds: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    AlsModel.train(ratings, { rank: 10, regParam: 0.1, iterations: 10 });
    seconds.push((performance.now() - start) / 1000);
  }
  console.log(
    JSON.stringify({
      bench: 'ml-als',
      data: 'ml-latest-small',
      ratings: ratings.length,
      rank: 10,
      iterations: 10,
      seconds: Number(median(seconds).toFixed(3)),
      runs: seconds.map((s) => Number(s.toFixed(3))),
    }),
  );

  const stream = [...ratings].sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const mf = new BiasedMF();
    const start = performance.now();
    for (const r of stream) mf.learnOne(r.user, r.item, r.rating);
    rates.push(stream.length / ((performance.now() - start) / 1000));
  }
  console.log(
    JSON.stringify({
      bench: 'ml-biased-mf',
      data: 'ml-latest-small',
      factors: 10,
      updatesPerSecond: Math.round(median(rates)),
      runs: rates.map(Math.round),
    }),
  );
}
