import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  AgrawalGenerator,
  deserialize,
  type Example,
  HoeffdingAdaptiveTree,
  HoeffdingTree,
  hoeffdingBound,
  prequential,
  RandomRbfGenerator,
  SeaGenerator,
} from '../../src/ml/index.ts';

function* concat(...parts: Iterable<Example>[]): Generator<Example> {
  for (const part of parts) yield* part;
}

test('Hoeffding bound: ε = sqrt(R² ln(1/δ) / 2n)', () => {
  assert.equal(hoeffdingBound(1, 1e-7, 200), Math.sqrt(Math.log(1e7) / 400));
  // With δ = 1e-7 and two classes the tie threshold τ = 0.05 is reached once n > ln(1e7)/(2·0.05²) ≈ 3223.6.
  assert.ok(hoeffdingBound(1, 1e-7, 3223) > 0.05 && hoeffdingBound(1, 1e-7, 3224) < 0.05);
});

test('HT on SEA (10 % noise, so ≤ 90 % is possible) reaches the 86–89 % band of MOA and River', () => {
  const { metrics, examples, unscored } = prequential(
    new HoeffdingTree(),
    new SeaGenerator({ function: 1 }).take(20_000),
  );
  assert.equal(examples, 20_000);
  assert.equal(unscored, 1, 'only the first example, before anything was learned');
  assert.equal(metrics.count, 19_999);
  const accuracy = metrics.cumulative.accuracy();
  assert.ok(accuracy > 0.86 && accuracy < 0.89, `accuracy ${accuracy}`);
});

test('HT learns nominal features (Agrawal function 3 depends on the nominal elevel)', () => {
  const tree = new HoeffdingTree();
  const { metrics } = prequential(tree, new AgrawalGenerator({ function: 3 }).take(20_000), { window: 5000 });
  assert.ok(metrics.window.accuracy() > 0.95, `window accuracy ${metrics.window.accuracy()}`);
  assert.ok(tree.size.splits > 0);
});

test('HT on a 30-feature RandomRBF stream grows and beats the majority class', () => {
  const tree = new HoeffdingTree();
  const { metrics } = prequential(tree, new RandomRbfGenerator({ attributes: 30 }).take(20_000), {
    window: 5000,
  });
  assert.ok(metrics.window.kappa() > 0.5, `kappa ${metrics.window.kappa()}`);
  assert.ok(tree.size.leaves > 1);
});

test('HAT recovers after an abrupt drift faster than HT (Agrawal F1 → F4 at 20k)', () => {
  const stream = () =>
    concat(
      new AgrawalGenerator({ function: 1, seed: 1 }).take(20_000),
      new AgrawalGenerator({ function: 4, seed: 2 }).take(4000),
    );
  const ht = prequential(new HoeffdingTree(), stream(), { window: 4000 }).metrics.window.accuracy();
  const hat = prequential(new HoeffdingAdaptiveTree(), stream(), { window: 4000 }).metrics.window.accuracy();
  assert.ok(hat > ht + 0.05, `after the drift: HAT ${hat}, HT ${ht}`);
});

test('predictions before learning, probabilities, and missing features', () => {
  const tree = new HoeffdingTree();
  assert.equal(tree.predictOne({ a: 1 }), undefined);
  assert.deepEqual([...tree.predictProbaOne({ a: 1 })], []);
  tree.learnOne({ a: 1, colour: 'red' }, 'yes');
  tree.learnOne({ a: 2, colour: 'blue' }, 'no');
  const proba = tree.predictProbaOne({ a: 1 });
  assert.deepEqual([...proba.keys()], ['yes', 'no']);
  assert.ok(Math.abs([...proba.values()].reduce((s, p) => s + p, 0) - 1) < 1e-12);
  assert.ok(['yes', 'no'].includes(tree.predictOne({}) as string));
});

test('HT and HAT serialise mid-stream and continue identically', () => {
  for (const Tree of [HoeffdingTree, HoeffdingAdaptiveTree]) {
    const a = new Tree({ gracePeriod: 50 });
    const rows = [...new AgrawalGenerator({ function: 2 }).take(6000)];
    for (const { x, y } of rows.slice(0, 3000)) a.learnOne(x, y);
    const b = deserialize(a.serialize()) as HoeffdingTree;
    assert.equal(b.constructor, Tree);
    for (const { x, y } of rows.slice(3000)) {
      assert.equal(b.predictOne(x), a.predictOne(x));
      a.learnOne(x, y);
      b.learnOne(x, y);
    }
    assert.deepEqual(b.toJSON(), a.toJSON());
  }
});

test('options are validated at construction with SS_ERR_INVALID_OPTION', () => {
  const invalid = (e: unknown) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION');
  assert.throws(() => new HoeffdingTree({ gracePeriod: 0 }), invalid);
  assert.throws(() => new HoeffdingTree({ splitConfidence: 2 }), invalid);
  assert.throws(() => new HoeffdingTree({ leafPrediction: 'xx' as 'mc' }), invalid);
  assert.throws(() => new HoeffdingAdaptiveTree({ tieThreshold: -1 }), invalid);
});
