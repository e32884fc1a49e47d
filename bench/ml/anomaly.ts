/**
 * Throughput of half-space trees (River's defaults: 10 trees, height 8, window 250) on a 10-feature
 * stream: two Gaussian clusters (sd 0.025) inside [0, 1]^10 with 2 % of the points uniform in the cube
 * (the anomalies). Score-then-learn (`scoreOne` then `learnOne`), median samples/s of 3 runs, with
 * the prequential ROC-AUC of the last run (from the second window on), as one JSON line. Records are
 * generated before timing. `bench/run.ts` collects the line.
 *
 *     node bench/ml/anomaly.ts [rows]
 */

import { HalfSpaceTrees, JavaRandom, RocAuc } from '../../src/ml/index.ts';

const rows = Number(process.argv[2] ?? 200_000);
const WIDTH = 10;
const names = Array.from({ length: WIDTH }, (_, f) => `x${f}`);

const rng = new JavaRandom(42);
const centres = Array.from({ length: 2 }, () => names.map(() => 0.2 + 0.6 * rng.nextDouble()));
const points: Record<string, number>[] = [];
const anomalies: boolean[] = [];
for (let i = 0; i < rows; i++) {
  const anomaly = rng.nextDouble() < 0.02;
  const centre = centres[rng.nextInt(2)];
  const x: Record<string, number> = {};
  for (let f = 0; f < WIDTH; f++)
    x[names[f]] = anomaly ? rng.nextDouble() : centre[f] + 0.025 * rng.nextGaussian();
  points.push(x);
  anomalies.push(anomaly);
}

const rates: number[] = [];
let rocAuc = Number.NaN;
for (let run = 0; run < 3; run++) {
  const hst = new HalfSpaceTrees({ seed: 42 });
  const auc = new RocAuc({ bins: 10_000 });
  const start = performance.now();
  for (let i = 0; i < rows; i++) {
    const score = hst.scoreOne(points[i]);
    if (i >= hst.windowSize) auc.update(anomalies[i], score);
    hst.learnOne(points[i]);
  }
  rates.push(rows / ((performance.now() - start) / 1000));
  rocAuc = auc.cumulative.auc();
}
rates.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'ml-anomaly',
    learner: 'half-space-trees',
    stream: 'anomalies-10',
    mode: 'score-then-learn',
    rows,
    samplesPerSecond: Math.round(rates[1]),
    runs: rates.map(Math.round),
    rocAuc: Number(rocAuc.toFixed(4)),
  }),
);
