/**
 * Throughput of online k-means (k = 5; sequential, and mini-batches of 64) on 10-feature Gaussian
 * blobs (5 unit-variance blobs with centres uniform in [0, 20]^10), as the median samples/s of 3 runs,
 * one JSON line per mode: `learnOne` alone, and predict-then-learn (`predictOne` then `learnOne`).
 * Records (`Record<string, number>`) are generated before timing. `bench/run.ts` collects the lines.
 *
 *     node bench/ml/clustering.ts [rows]
 */

import { JavaRandom, OnlineKMeans } from '../../src/ml/index.ts';

const rows = Number(process.argv[2] ?? 200_000);
const WIDTH = 10;
const names = Array.from({ length: WIDTH }, (_, f) => `x${f}`);

const rng = new JavaRandom(42);
const centres = Array.from({ length: 5 }, () => names.map(() => rng.nextDouble() * 20));
const blobs: Record<string, number>[] = [];
for (let i = 0; i < rows; i++) {
  const centre = centres[rng.nextInt(centres.length)];
  const x: Record<string, number> = {};
  for (let f = 0; f < WIDTH; f++) x[names[f]] = centre[f] + rng.nextGaussian();
  blobs.push(x);
}

/** Runs `body` 3 times and prints the median rate. */
function report(fields: Record<string, unknown>, body: () => void): void {
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    body();
    rates.push(rows / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'ml-clustering',
      ...fields,
      rows,
      samplesPerSecond: Math.round(rates[1]),
      runs: rates.map(Math.round),
    }),
  );
}

for (const batchSize of [1, 64]) {
  const options = { k: 5, seed: 1, batchSize };
  report({ learner: 'online-k-means', stream: 'blobs-10', mode: 'learn', batchSize }, () => {
    const km = new OnlineKMeans(options);
    for (let i = 0; i < rows; i++) km.learnOne(blobs[i]);
  });
  report({ learner: 'online-k-means', stream: 'blobs-10', mode: 'predict-then-learn', batchSize }, () => {
    const km = new OnlineKMeans(options);
    for (let i = 0; i < rows; i++) {
      km.predictOne(blobs[i]);
      km.learnOne(blobs[i]);
    }
  });
}
