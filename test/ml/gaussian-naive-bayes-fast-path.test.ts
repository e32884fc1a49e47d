import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeModel,
  deserialize,
  FeatureSpace,
  type Features,
  GaussianNaiveBayes,
  JavaRandom,
  NUMERIC,
} from '../../src/ml/index.ts';
import { LeafNode } from '../../src/ml/trees/nodes.ts';
import { encodeTree } from '../../src/ml/trees/tree-codec-v1.ts';

/** Three classes, numeric and nominal features, 10 % missing values, one constant feature per class. */
function* mixed(n: number, seed: number): Generator<{ x: Features; y: string }> {
  const rng = new JavaRandom(seed);
  for (let i = 0; i < n; i++) {
    const c = rng.nextInt(3);
    const x: Features = {};
    for (let f = 0; f < 6; f++) {
      if (rng.nextDouble() < 0.1) continue;
      x[`n${f}`] = c * (f + 1) * 0.3 + rng.nextGaussian() * (1 + f);
    }
    if (rng.nextDouble() < 0.9) x.colour = ['red', 'green', 'blue'][(c + rng.nextInt(2)) % 3];
    x.constant = c; // σ = 0 within a class: a point mass
    yield { x, y: `class${c}` };
  }
}

/** MOA's product P(c)·Π P(x_f | c), from a Hoeffding-tree leaf holding the same statistics. */
function moaProbabilities(leaf: LeafNode, features: FeatureSpace, x: Features, classes: number): number[] {
  const votes = new Float64Array(leaf.classes);
  leaf.naiveBayes(features.encode(x), votes);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += votes[c];
  return Array.from(votes.subarray(0, classes), (v) => v / sum);
}

test('Gaussian NB (log space, cached terms) matches MOA’s product on mixed data', () => {
  const nb = new GaussianNaiveBayes();
  const features = new FeatureSpace();
  const leaf = new LeafNode(new Float64Array(3));
  const classIndex = new Map<string, number>();
  let compared = 0;
  for (const { x, y } of mixed(3000, 11)) {
    if (nb.labels.size === 3) {
      const expected = moaProbabilities(leaf, features, x, 3);
      if (expected.every(Number.isFinite)) {
        const actual = nb.predictProbaOne(x);
        for (const label of nb.labels.labels) {
          const want = expected[classIndex.get(label as string)!];
          assert.ok(Math.abs(actual.get(label)! - want) < 1e-9, `${label}: ${actual.get(label)} vs ${want}`);
        }
        compared++;
      }
    }
    nb.learnOne(x, y);
    if (!classIndex.has(y)) classIndex.set(y, classIndex.size);
    const row = features.encode(x);
    leaf.observe(row, features.size, features.kinds, classIndex.get(y)!, 1);
  }
  assert.ok(compared > 2900, `compared ${compared}`);
});

test('Gaussian NB: a point far from every class still predicts the nearest (MOA underflows)', () => {
  const nb = new GaussianNaiveBayes();
  const rng = new JavaRandom(2);
  for (let i = 0; i < 200; i++) {
    nb.learnOne({ u: rng.nextGaussian() * 0.01, v: rng.nextGaussian() * 0.01 }, 'near');
    nb.learnOne({ u: 1 + rng.nextGaussian() * 0.01, v: 1 + rng.nextGaussian() * 0.01 }, 'far');
  }
  const proba = nb.predictProbaOne({ u: 40, v: 40 });
  assert.equal(nb.predictOne({ u: 40, v: 40 }), 'far');
  assert.equal(proba.get('far'), 1);
  // Probability exactly 0 stays 0: a class whose only value of a feature differs from x's.
  const point = new GaussianNaiveBayes();
  point.learnOne({ k: 1 }, 'one');
  point.learnOne({ k: 2 }, 'two');
  assert.deepEqual(
    point.predictProbaOne({ k: 1 }),
    new Map([
      ['one', 1],
      ['two', 0],
    ]),
  );
  assert.deepEqual(point.predictProbaOne({ k: 3 }), new Map());
});

test('Gaussian NB: learnRow / predictRow agree with the record API', () => {
  const byRecord = new GaussianNaiveBayes();
  const byRow = new GaussianNaiveBayes();
  const space = byRow.features;
  for (const name of ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']) space.declare(name, NUMERIC);
  const encoder = new FeatureSpace();
  for (const name of ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']) encoder.declare(name, NUMERIC);
  for (const { x, y } of mixed(2000, 4)) {
    const numeric = Object.fromEntries(Object.entries(x).filter(([k]) => k.startsWith('n')));
    const row = encoder.encode(numeric).slice(0, 6);
    assert.equal(byRow.predictRow(row), byRecord.predictOne(numeric));
    assert.deepEqual(byRow.predictProbaRow(row), byRecord.predictProbaOne(numeric));
    byRecord.learnOne(numeric, y);
    byRow.learnRow(row, y);
  }
  // A short row: the features past its end are missing.
  assert.deepEqual(byRow.predictProbaRow(Float64Array.of(0.5)), byRecord.predictProbaOne({ n0: 0.5 }));
});

test('Gaussian NB: state written by the previous layout decodes and predicts the same', () => {
  // The serialised state is a Hoeffding-tree leaf (tree codec v1), as before the fast path.
  const features = new FeatureSpace();
  const leaf = new LeafNode(new Float64Array(2));
  const examples = [...mixed(500, 8)].filter(({ y }) => y !== 'class2');
  const labels: string[] = [];
  for (const { x, y } of examples) {
    if (!labels.includes(y)) labels.push(y);
    leaf.observe(features.encode(x), features.size, features.kinds, labels.indexOf(y), 1);
  }
  const json = {
    kind: 'gaussian-naive-bayes',
    version: 1,
    features: features.toJSON(),
    labels,
    stats: encodeTree(leaf),
  };
  const nb = decodeModel(json) as GaussianNaiveBayes;
  for (const { x } of examples.slice(0, 50)) {
    const expected = moaProbabilities(leaf, features, x, 2);
    const actual = nb.predictProbaOne(x);
    labels.forEach((label, c) => {
      assert.ok(Math.abs(actual.get(label)! - expected[c]) < 1e-9);
    });
  }
  assert.deepEqual(nb.toJSON(), json);
  const copy = deserialize(nb.serialize()) as GaussianNaiveBayes;
  assert.deepEqual(copy.predictProbaOne(examples[0].x), nb.predictProbaOne(examples[0].x));
});
