/**
 * Throughput of the linear and text learners, as the median samples/s of 3 runs, one JSON line each:
 *
 * - `logistic-regression` (SGD) on a dense 10-feature stream (`Record<string, number>`, standard
 *   normal features, labels from a fixed hyperplane): `learnOne` alone, and predict-then-learn.
 * - `multinomial-naive-bayes` on the emotion tweets: tokenize → bag of words → `learnOne`.
 * - `text-classifier` on the emotion tweets: `learnOne` (tokenize, hash, TF-IDF, SGD) and `predictOne`.
 *   The 16,000 training tweets are passed 4 times per run (64,000 samples), so a run lasts long
 *   enough to time.
 *
 * Inputs are built before timing. The tweet rows need the shared data folder
 * (`STREAMSIGHT_SHARED_DIR`, default `../shared` beside the repository); without it they are skipped.
 *
 *     node bench/ml/linear.ts [rows]
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  JavaRandom,
  LogisticRegression,
  MultinomialNaiveBayes,
  TextClassifier,
  tokenize,
} from '../../src/ml/index.ts';

const rows = Number(process.argv[2] ?? 1_000_000);

/** Runs `body` 3 times and prints the median rate. */
function report(fields: Record<string, unknown>, samples: number, body: () => void): void {
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    body();
    rates.push(samples / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'ml-linear',
      ...fields,
      samples,
      samplesPerSecond: Math.round(rates[1]),
      runs: rates.map(Math.round),
    }),
  );
}

const rng = new JavaRandom(42);
const names = Array.from({ length: 10 }, (_, f) => `x${f}`);
const hyperplane = names.map(() => rng.nextGaussian());
const xs: Record<string, number>[] = [];
const ys: number[] = [];
for (let i = 0; i < rows; i++) {
  const x: Record<string, number> = {};
  let z = 0;
  for (let f = 0; f < 10; f++) z += hyperplane[f] * (x[names[f]] = rng.nextGaussian());
  xs.push(x);
  ys.push(z > 0 ? 1 : 0);
}
report({ learner: 'logistic-regression', stream: 'dense-10', mode: 'learn' }, rows, () => {
  const model = new LogisticRegression({ learningRate: 0.05, l2: 1e-5 });
  for (let i = 0; i < rows; i++) model.learnOne(xs[i], ys[i]);
});
report({ learner: 'logistic-regression', stream: 'dense-10', mode: 'predict-then-learn' }, rows, () => {
  const model = new LogisticRegression({ learningRate: 0.05, l2: 1e-5 });
  for (let i = 0; i < rows; i++) {
    model.predictOne(xs[i]);
    model.learnOne(xs[i], ys[i]);
  }
});

const sharedDir = process.env.STREAMSIGHT_SHARED_DIR ?? join(import.meta.dirname, '../../../shared');
const tweetsFile = join(sharedDir, 'data/emotion-tweets/train.txt');
if (!existsSync(tweetsFile)) {
  console.log(JSON.stringify({ bench: 'ml-linear', skipped: `no emotion tweets at ${tweetsFile}` }));
} else {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const line of readFileSync(tweetsFile, 'utf8').split('\n')) {
    const cut = line.lastIndexOf(';');
    if (cut < 0) continue;
    texts.push(line.slice(0, cut));
    labels.push(line.slice(cut + 1));
  }
  const n = texts.length;
  const passes = 4;
  report({ learner: 'multinomial-naive-bayes', stream: 'emotion-tweets', mode: 'learn' }, passes * n, () => {
    const nb = new MultinomialNaiveBayes();
    for (let pass = 0; pass < passes; pass++) {
      for (let i = 0; i < n; i++) {
        const bag: Record<string, number> = {};
        for (const token of tokenize(texts[i])) bag[token] = (bag[token] ?? 0) + 1;
        nb.learnOne(bag, labels[i]);
      }
    }
  });
  report({ learner: 'text-classifier', stream: 'emotion-tweets', mode: 'learn' }, passes * n, () => {
    const classifier = new TextClassifier();
    for (let pass = 0; pass < passes; pass++)
      for (let i = 0; i < n; i++) classifier.learnOne(texts[i], labels[i]);
  });
  const trained = new TextClassifier();
  trained.fit(texts, labels, { epochs: 5 });
  report({ learner: 'text-classifier', stream: 'emotion-tweets', mode: 'predict' }, passes * n, () => {
    for (let pass = 0; pass < passes; pass++) for (let i = 0; i < n; i++) trained.predictOne(texts[i]);
  });
}
