/**
 * Throughput of the online learners: prequential learn + predict (predictOne then learnOne) on a
 * 30-feature RandomRBF stream (MOA defaults otherwise), the shape of the CapyMOA benchmark in which
 * MOA's Hoeffding tree runs at ≈ 88k rows/s. Rows are generated before timing. Prints one JSON line
 * per learner with the median samples/s of 3 runs.
 *
 *     node bench/ml/learners.ts [rows]
 */

import {
  type Example,
  GaussianNaiveBayes,
  HoeffdingAdaptiveTree,
  HoeffdingTree,
  type Learner,
  RandomRbfGenerator,
} from '../../src/ml/index.ts';

const rows = Number(process.argv[2] ?? 100_000);
const stream: Example[] = [...new RandomRbfGenerator({ attributes: 30 }).take(rows)];

const learners: [string, () => Learner][] = [
  ['hoeffding-tree', () => new HoeffdingTree()],
  ['hoeffding-adaptive-tree', () => new HoeffdingAdaptiveTree()],
  ['gaussian-naive-bayes', () => new GaussianNaiveBayes()],
];

for (const [name, create] of learners) {
  const rates: number[] = [];
  let accuracy = 0;
  for (let run = 0; run < 3; run++) {
    const learner = create();
    let correct = 0;
    const start = performance.now();
    for (const { x, y } of stream) {
      if (learner.predictOne(x) === y) correct++;
      learner.learnOne(x, y);
    }
    rates.push(rows / ((performance.now() - start) / 1000));
    accuracy = correct / rows;
  }
  rates.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'ml-learners',
      learner: name,
      stream: 'random-rbf-30',
      rows,
      samplesPerSecond: Math.round(rates[1]),
      runs: rates.map(Math.round),
      accuracy: Number(accuracy.toFixed(4)),
    }),
  );
}
