/**
 * Throughput of the online learners: prequential learn + predict (predictOne then learnOne) on a
 * 30-feature RandomRBF stream (MOA defaults otherwise), the shape of the CapyMOA benchmark in which
 * MOA's Hoeffding tree runs at ≈ 88k rows/s. Gaussian naive Bayes also runs on a 10-feature RandomRBF
 * stream, and in `rows` mode (`predictRow` then `learnRow` on pre-encoded Float64Array rows, the
 * dense fast path) beside the default `records` mode. Rows are generated (and encoded) before timing.
 * Prints one JSON line per learner, stream and mode with the median samples/s of 3 runs.
 *
 *     node bench/ml/learners.ts [rows]
 */

import {
  type Example,
  GaussianNaiveBayes,
  HoeffdingAdaptiveTree,
  HoeffdingTree,
  type Label,
  type Learner,
  RandomRbfGenerator,
} from '../../src/ml/index.ts';

const rows = Number(process.argv[2] ?? 100_000);
const streams = new Map<number, Example[]>();
function stream(attributes: number): Example[] {
  let examples = streams.get(attributes);
  if (examples === undefined) {
    examples = [...new RandomRbfGenerator({ attributes }).take(rows)];
    streams.set(attributes, examples);
  }
  return examples;
}

/** Runs one prequential pass 3 times and prints the median rate; `pass` returns the correct count. */
function report(fields: Record<string, unknown>, pass: () => number): void {
  const rates: number[] = [];
  let accuracy = 0;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    const correct = pass();
    rates.push(rows / ((performance.now() - start) / 1000));
    accuracy = correct / rows;
  }
  rates.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'ml-learners',
      ...fields,
      rows,
      samplesPerSecond: Math.round(rates[1]),
      runs: rates.map(Math.round),
      accuracy: Number(accuracy.toFixed(4)),
    }),
  );
}

function recordsPass(create: () => Learner, examples: Example[]): () => number {
  return () => {
    const learner = create();
    let correct = 0;
    for (const { x, y } of examples) {
      if (learner.predictOne(x) === y) correct++;
      learner.learnOne(x, y);
    }
    return correct;
  };
}

const learners: [string, () => Learner, number[]][] = [
  ['hoeffding-tree', () => new HoeffdingTree(), [30]],
  ['hoeffding-adaptive-tree', () => new HoeffdingAdaptiveTree(), [30]],
  ['gaussian-naive-bayes', () => new GaussianNaiveBayes(), [10, 30]],
];

for (const [name, create, widths] of learners) {
  for (const attributes of widths) {
    report(
      { learner: name, stream: `random-rbf-${attributes}`, mode: 'records' },
      recordsPass(create, stream(attributes)),
    );
  }
}

for (const attributes of [10, 30]) {
  const encoder = new GaussianNaiveBayes();
  const encoded: Float64Array[] = stream(attributes).map(({ x }) => encoder.features.encode(x).slice());
  const labels: Label[] = stream(attributes).map(({ y }) => y);
  report({ learner: 'gaussian-naive-bayes', stream: `random-rbf-${attributes}`, mode: 'rows' }, () => {
    const nb = new GaussianNaiveBayes(encoder.features);
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      if (nb.predictRow(encoded[i]) === labels[i]) correct++;
      nb.learnRow(encoded[i], labels[i]);
    }
    return correct;
  });
}
