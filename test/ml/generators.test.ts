import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  AgrawalGenerator,
  HyperplaneGenerator,
  RandomRbfGenerator,
  SeaGenerator,
} from '../../src/ml/index.ts';

// First rows of MOA's SEAGenerator and RandomRBFGenerator, transcribed to Java and run on a JVM.
const moa = JSON.parse(readFileSync(new URL('./fixtures/moa-generators.json', import.meta.url), 'utf8'));

test('SEA: the first rows equal MOA SEAGenerator (function 1, seed 1, 10 % noise)', () => {
  const rows = [...new SeaGenerator().take(5)].map(({ x, y }) => [x.attrib1, x.attrib2, x.attrib3, y]);
  assert.deepEqual(rows, moa.sea);
});

test('RandomRBF: the first rows equal MOA RandomRBFGenerator (3 attributes, 4 centroids)', () => {
  const rows = [...new RandomRbfGenerator({ attributes: 3, centroids: 4 }).take(5)].map(({ x, y }) => [
    x.att1,
    x.att2,
    x.att3,
    y,
  ]);
  assert.deepEqual(rows, moa.rbf);
});

test('SEA: class follows attrib1 + attrib2 ≤ θ apart from the noise, which is ≈ 10 %', () => {
  let flipped = 0;
  const n = 20_000;
  for (const { x, y } of new SeaGenerator({ function: 3, seed: 5 }).take(n)) {
    if (((x.attrib1 as number) + (x.attrib2 as number) <= 7 ? 0 : 1) !== y) flipped++;
  }
  assert.ok(Math.abs(flipped / n - 0.1) < 0.01, `noise ${flipped / n}`);
});

test('Agrawal: attribute ranges, nominal names, and function 1 labels (no perturbation)', () => {
  for (const { x, y } of new AgrawalGenerator({ perturbFraction: 0 }).take(2000)) {
    const age = x.age as number;
    assert.equal(y, age < 40 || age >= 60 ? 0 : 1);
    assert.ok((x.salary as number) >= 20000 && (x.salary as number) <= 150000);
    assert.match(x.elevel as string, /^level[0-4]$/);
    assert.match(x.car as string, /^car([1-9]|1\d|20)$/);
    assert.match(x.zipcode as string, /^zipcode[1-9]$/);
  }
  const balanced = [...new AgrawalGenerator({ function: 5, balanceClasses: true }).take(10)].map((e) => e.y);
  assert.deepEqual(balanced, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
});

test('Hyperplane: without magnitude the concept is fixed; with it the weights drift', () => {
  const still = new HyperplaneGenerator({ noisePercentage: 0 });
  const moving = new HyperplaneGenerator({ noisePercentage: 0, magnitude: 0.01, driftAttributes: 10 });
  const a = [...still.take(5000)].map((e) => e.y);
  const b = [...moving.take(5000)].map((e) => e.y);
  assert.deepEqual(a.slice(0, 1), b.slice(0, 1));
  assert.notDeepEqual(a, b);
});

test('RandomRBF drift: centroids move, so rows differ from the static stream after the first', () => {
  const plain = new RandomRbfGenerator({ seed: 3 }).take(2);
  const drift = new RandomRbfGenerator({ seed: 3, speed: 0.01 }).take(2);
  const [p1, p2] = [...plain];
  const [d1, d2] = [...drift];
  assert.equal(p1.y, d1.y);
  assert.notEqual(p2.x.att1, d2.x.att1);
});

test('generators validate options once, at construction', () => {
  assert.throws(
    () => new SeaGenerator({ function: 5 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
  assert.throws(
    () => new AgrawalGenerator({ function: 0 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
  assert.throws(
    () => new HyperplaneGenerator({ driftAttributes: 11 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
});
