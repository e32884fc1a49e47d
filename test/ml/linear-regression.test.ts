import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, solve } from 'ml-matrix';
import { deserialize, JavaRandom, LinearRegression, lbfgs, StandardScaler } from '../../src/ml/index.ts';

test('StandardScaler: Welford mean and population variance match the two-pass values', () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9];
  const scaler = new StandardScaler();
  for (const v of values) scaler.learnOne({ v, tag: 'x' });
  assert.equal(scaler.mean('v'), 5);
  assert.equal(scaler.variance('v'), 4);
  assert.deepEqual(scaler.transformOne({ v: 9, tag: 'x', other: 3 }), { v: 2, tag: 'x', other: 3 });
  const copy = deserialize(scaler.serialize()) as StandardScaler;
  assert.deepEqual(copy.transformOne({ v: 1 }), { v: -2 });
  const constant = new StandardScaler();
  constant.learnOne({ c: 3 });
  constant.learnOne({ c: 3 });
  assert.deepEqual(constant.transformOne({ c: 3 }), { c: 0 });
});

test('SGD linear regression converges to the least-squares solution (ml-matrix normal equations)', () => {
  const rng = new JavaRandom(5);
  const rows: { x: { a: number; b: number; city: string }; y: number }[] = [];
  for (let i = 0; i < 4000; i++) {
    const a = rng.nextGaussian();
    const b = rng.nextGaussian();
    const city = rng.nextInt(2) === 0 ? 'paris' : 'oslo';
    rows.push({
      x: { a, b, city },
      y: 3 * a - 2 * b + (city === 'oslo' ? 1.5 : 0) + 1 + 0.1 * rng.nextGaussian(),
    });
  }
  // Exact least squares on [a, b, city=oslo, 1]; "paris" is absorbed into the intercept.
  const X = new Matrix(rows.map(({ x }) => [x.a, x.b, x.city === 'oslo' ? 1 : 0, 1]));
  const Y = Matrix.columnVector(rows.map((r) => r.y));
  const ols = solve(X.transpose().mmul(X), X.transpose().mmul(Y)).to1DArray();

  const model = new LinearRegression({ learningRate: 0.02, decay: 0.001 });
  for (let epoch = 0; epoch < 5; epoch++) for (const { x, y } of rows) model.learnOne(x, y);
  // SGD fits one-hot columns for both cities plus an intercept (an over-parameterised but equivalent
  // model), so compare what is identified: slopes, the oslo − paris gap, and predictions.
  assert.ok(Math.abs(model.coefficient('a') - ols[0]) < 0.02, `a ${model.coefficient('a')} vs ${ols[0]}`);
  assert.ok(Math.abs(model.coefficient('b') - ols[1]) < 0.02, `b ${model.coefficient('b')} vs ${ols[1]}`);
  const gap = model.coefficient('city', 'oslo') - model.coefficient('city', 'paris');
  assert.ok(Math.abs(gap - ols[2]) < 0.03, `gap ${gap} vs ${ols[2]}`);
  const predicted = model.predictOne({ a: 0.5, b: -1, city: 'paris' });
  assert.ok(Math.abs(predicted - (0.5 * ols[0] - ols[1] + ols[3])) < 0.03);

  const copy = deserialize(model.serialize()) as LinearRegression;
  assert.equal(
    copy.predictOne({ a: 0.5, b: -1, city: 'oslo' }),
    model.predictOne({ a: 0.5, b: -1, city: 'oslo' }),
  );
  assert.equal(new LinearRegression().predictOne({ a: 1 }), 0);
});

test('L2 shrinks the weights towards 0 (lazy scaling equals explicit decay)', () => {
  const plain = new LinearRegression({ learningRate: 0.1, l2: 0.5 });
  plain.learnOne({ a: 1 }, 1); // w = 0.1 (no shrink effect on zeros), bias = 0.1
  for (let i = 0; i < 3; i++) plain.learnOne({ b: 1 }, 0); // a is absent: only the shrink touches it
  let w = 0.1;
  for (let i = 0; i < 3; i++) w *= 1 - 0.1 * 0.5;
  assert.ok(Math.abs(plain.coefficient('a') - w) < 1e-15, `${plain.coefficient('a')} vs ${w}`);
});

test('lbfgs minimises the Rosenbrock function to (1, 1)', () => {
  const { x, converged, iterations } = lbfgs(
    (p, g) => {
      const [a, b] = p;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    },
    Float64Array.of(-1.2, 1),
    { tolerance: 1e-10, maxIterations: 1000 },
  );
  assert.ok(converged);
  assert.ok(iterations < 200, `${iterations} iterations`);
  assert.ok(Math.abs(x[0] - 1) < 1e-6 && Math.abs(x[1] - 1) < 1e-6, `${x}`);
});
