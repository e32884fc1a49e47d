import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, solve } from 'ml-matrix';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  deserialize,
  type Features,
  JavaRandom,
  type Label,
  LogisticRegression,
} from '../../src/ml/index.ts';

/** Two Gaussian-ish blobs in 3-D, labelled by a hyperplane with a margin (linearly separable). */
function* separable(n: number, seed = 1) {
  const rng = new JavaRandom(seed);
  for (let i = 0; i < n; ) {
    const a = rng.nextGaussian();
    const b = rng.nextGaussian();
    const c = rng.nextGaussian();
    const z = 2 * a - b + 0.5 * c;
    if (Math.abs(z) < 0.3) continue;
    i++;
    yield { x: { a, b, c }, y: z > 0 ? 'pos' : 'neg' };
  }
}

/** A small noisy 2-feature problem with a unique regularised optimum. */
function noisy(n: number, classes: number, seed = 7): { xs: Features[]; ys: Label[] } {
  const rng = new JavaRandom(seed);
  const xs: Features[] = [];
  const ys: Label[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.nextInt(classes);
    xs.push({ u: rng.nextGaussian() + y, v: rng.nextGaussian() - 0.5 * y });
    ys.push(y);
  }
  return { xs, ys };
}

/** Mean log-loss + (λ/2)‖W‖² of a model: the objective SGD and L-BFGS both minimise. */
function objective(model: LogisticRegression, xs: Features[], ys: Label[], l2: number): number {
  let loss = 0;
  xs.forEach((x, i) => {
    loss -= Math.log(model.predictProbaOne(x).get(ys[i])!);
  });
  let squares = 0;
  for (let f = 0; f < model.weights.features; f++) {
    for (let k = 0; k < model.weights.outputs; k++) squares += model.weights.weight(f, k) ** 2;
  }
  return loss / xs.length + 0.5 * l2 * squares;
}

test('SGD on a linearly separable stream converges: the last 2,000 predictions are ≥ 99 % right', () => {
  const model = new LogisticRegression({ learningRate: 0.1 });
  let correct = 0;
  let scored = 0;
  let i = 0;
  for (const { x, y } of separable(20_000)) {
    if (i++ >= 18_000) {
      scored++;
      if (model.predictOne(x) === y) correct++;
    }
    model.learnOne(x, y);
  }
  assert.ok(correct / scored >= 0.99, `accuracy ${correct / scored}`);
});

test('L-BFGS reaches the Newton optimum of binary L2 logistic regression (computed with ml-matrix)', () => {
  const l2 = 0.1;
  const { xs, ys } = noisy(400, 2);
  const model = new LogisticRegression({ l2 });
  const result = model.fitBatch(xs, ys, { tolerance: 1e-10, maxIterations: 500 });
  assert.ok(result.converged);

  // Softmax with 2 classes and penalty (λ/2)(‖w₀‖² + ‖w₁‖²) is binary logistic regression on
  // w = w₁ − w₀ with penalty (λ/4)‖w‖² (at the optimum w₀ = −w₁). Solve that by Newton's method.
  const n = xs.length;
  const X = new Matrix(xs.map((x) => [x.u as number, x.v as number, 1]));
  const y = ys.map((label) => (label === 1 ? 1 : 0));
  let w = Matrix.zeros(3, 1);
  for (let iteration = 0; iteration < 30; iteration++) {
    const p = X.mmul(w)
      .to1DArray()
      .map((z) => 1 / (1 + Math.exp(-z)));
    const gradient = X.transpose().mmul(Matrix.columnVector(p.map((pi, i) => (pi - y[i]) / n)));
    const hessian = X.transpose().mmul(Matrix.diag(p.map((pi) => (pi * (1 - pi)) / n)).mmul(X));
    for (let j = 0; j < 2; j++) {
      gradient.set(j, 0, gradient.get(j, 0) + (l2 / 2) * w.get(j, 0));
      hessian.set(j, j, hessian.get(j, j) + l2 / 2);
    }
    w = w.sub(solve(hessian, gradient));
  }
  let optimum = 0;
  const z = X.mmul(w).to1DArray();
  z.forEach((zi, i) => {
    optimum += Math.log(1 + Math.exp(-zi)) + (1 - y[i]) * zi;
  });
  optimum = optimum / n + (l2 / 4) * (w.get(0, 0) ** 2 + w.get(1, 0) ** 2);

  assert.ok(Math.abs(result.loss - optimum) < 1e-9, `L-BFGS ${result.loss} vs Newton ${optimum}`);
  assert.ok(Math.abs(objective(model, xs, ys, l2) - optimum) < 1e-9);
  const proba = model.predictProbaOne({ u: 0.3, v: -0.2 }).get(1)!;
  const expected = 1 / (1 + Math.exp(-(0.3 * w.get(0, 0) - 0.2 * w.get(1, 0) + w.get(2, 0))));
  assert.ok(Math.abs(proba - expected) < 1e-6, `${proba} vs ${expected}`);
});

test('SGD run long with a decaying rate approaches the L-BFGS optimum (3 classes)', () => {
  const l2 = 0.01;
  const { xs, ys } = noisy(600, 3);
  const batch = new LogisticRegression({ l2 });
  const { loss } = batch.fitBatch(xs, ys, { tolerance: 1e-10, maxIterations: 500 });
  const sgd = new LogisticRegression({ l2, learningRate: 0.1, decay: 0.001 });
  for (let epoch = 0; epoch < 100; epoch++) {
    for (let i = 0; i < xs.length; i++) sgd.learnOne(xs[i], ys[i]);
  }
  const sgdLoss = objective(sgd, xs, ys, l2);
  assert.ok(sgdLoss >= loss - 1e-9, 'nothing beats the optimum');
  assert.ok(sgdLoss - loss < 2e-3, `SGD ${sgdLoss} vs L-BFGS ${loss}`);
});

test('categorical values are one-hot "name=value" columns; unseen ones are ignored at prediction', () => {
  const model = new LogisticRegression({ learningRate: 0.5 });
  for (let i = 0; i < 200; i++) {
    model.learnOne({ colour: 'red', size: 1 }, 'apple');
    model.learnOne({ colour: 'yellow', size: 1 }, 'banana');
  }
  assert.equal(model.predictOne({ colour: 'red', size: 1 }), 'apple');
  assert.equal(model.predictOne({ colour: 'yellow', size: 1 }), 'banana');
  assert.deepEqual(model.interner.names, ['colour', 'size', 'colour']);
  assert.deepEqual(model.interner.categories, ['red', null, 'yellow']);
  const before = model.interner.size;
  const proba = model.predictProbaOne({ colour: 'green', size: 1, weight: 3 });
  assert.equal(model.interner.size, before);
  assert.ok(Math.abs(proba.get('apple')! + proba.get('banana')! - 1) < 1e-12);
});

test('serialises through the model registry and predicts identically after the round trip', () => {
  const model = new LogisticRegression({ learningRate: 0.2, l2: 1e-3, decay: 1e-4 });
  for (const { x, y } of separable(500)) model.learnOne(x, y);
  model.learnOne({ a: 0, b: 1, c: 0, kind: 'odd' }, 'third');
  const copy = deserialize(model.serialize()) as LogisticRegression;
  assert.ok(copy instanceof LogisticRegression);
  for (const { x } of separable(50, 9)) assert.deepEqual(copy.predictProbaOne(x), model.predictProbaOne(x));
  assert.deepEqual(copy.predictProbaOne({ kind: 'odd' }), model.predictProbaOne({ kind: 'odd' }));
  copy.learnOne({ a: 1, b: 1, c: 1 }, 'pos');
  model.learnOne({ a: 1, b: 1, c: 1 }, 'pos');
  assert.deepEqual(copy.predictProbaOne({ a: 1 }), model.predictProbaOne({ a: 1 }));
});

test('predicts nothing before learning; rejects invalid options with SS_ERR_INVALID_OPTION', () => {
  const model = new LogisticRegression();
  assert.equal(model.predictOne({ a: 1 }), undefined);
  assert.equal(model.predictProbaOne({ a: 1 }).size, 0);
  for (const options of [
    { learningRate: 0 },
    { l2: -1 },
    { decay: Number.NaN },
    { learningRate: 1, l2: 1 },
  ]) {
    assert.throws(
      () => new LogisticRegression(options),
      (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  }
  assert.throws(
    () => model.fitBatch([{ a: 1 }], []),
    (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
  );
});
