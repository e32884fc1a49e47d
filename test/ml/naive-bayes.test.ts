import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deserialize,
  GaussianNaiveBayes,
  JavaRandom,
  MultinomialNaiveBayes,
  prequential,
} from '../../src/ml/index.ts';

function* gaussianClasses(n: number) {
  const rng = new JavaRandom(3);
  for (let i = 0; i < n; i++) {
    const y = rng.nextInt(2);
    yield { x: { u: rng.nextGaussian() + 2 * y, v: rng.nextGaussian() + 2 * y }, y };
  }
}

test('Gaussian NB on two Gaussian classes reaches the Bayes rate Φ(√2) ≈ 92.1 %', () => {
  const { metrics } = prequential(new GaussianNaiveBayes(), gaussianClasses(20_000));
  const accuracy = metrics.cumulative.accuracy();
  assert.ok(Math.abs(accuracy - 0.921) < 0.01, `accuracy ${accuracy}`);
});

test('Gaussian NB: hand-checked posterior with one numeric and one nominal feature', () => {
  const nb = new GaussianNaiveBayes();
  nb.learnOne({ t: 1, sky: 'sun' }, 'play');
  nb.learnOne({ t: 3, sky: 'sun' }, 'play');
  nb.learnOne({ t: 10, sky: 'rain' }, 'stay');
  nb.learnOne({ t: 12, sky: 'rain' }, 'stay');
  // play: mean 2, sd √2; P(sun|play) = (2+1)/(2+1) = 1 (values seen with play: 1). stay: mean 11, sd √2; P(sun|stay) = (0+1)/(2+2).
  const pdf = (x: number, m: number) => Math.exp(-((x - m) ** 2) / 4) / Math.sqrt(4 * Math.PI);
  const play = 0.5 * pdf(5, 2) * 1;
  const stay = 0.5 * pdf(5, 11) * (1 / 4);
  const proba = nb.predictProbaOne({ t: 5, sky: 'sun' });
  assert.ok(Math.abs(proba.get('play')! - play / (play + stay)) < 1e-12);
  const copy = deserialize(nb.serialize()) as GaussianNaiveBayes;
  assert.deepEqual(copy.predictProbaOne({ t: 5, sky: 'sun' }), proba);
});

test('Multinomial NB: hand-computed Laplace-smoothed posterior', () => {
  const nb = new MultinomialNaiveBayes();
  nb.fit([{ great: 2, fun: 1 }, { boring: 2 }], ['pos', 'neg']);
  // |V| = 3; pos: N = 3, P(great|pos) = 3/6; neg: N = 2, P(great|neg) = 1/5; equal priors.
  const pos = 0.5 * (3 / 6);
  const neg = 0.5 * (1 / 5);
  const proba = nb.predictProbaOne({ great: 1, unknown: 4 });
  assert.ok(Math.abs(proba.get('pos')! - pos / (pos + neg)) < 1e-12);
  assert.equal(nb.predictOne({ boring: 1 }), 'neg');
  nb.learnOne({ tone: 'dull' }, 'neg');
  const copy = deserialize(nb.serialize()) as MultinomialNaiveBayes;
  assert.deepEqual(
    copy.predictProbaOne({ tone: 'dull', great: 1 }),
    nb.predictProbaOne({ tone: 'dull', great: 1 }),
  );
});
