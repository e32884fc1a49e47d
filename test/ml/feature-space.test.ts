import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FeatureSpace, NOMINAL, NUMERIC } from '../../src/ml/index.ts';

test('FeatureSpace: kinds fixed at first sight, categories in first-seen order, missing = NaN', () => {
  const space = new FeatureSpace();
  assert.deepEqual([...space.encode({ a: 1, colour: 'red' }).subarray(0, 2)], [1, 0]);
  assert.deepEqual([...space.encode({ colour: 'blue', a: 2 }).subarray(0, 2)], [2, 1]);
  const row = space.encode({ b: 5, a: 'oops', colour: 3, none: null });
  assert.deepEqual([...row.subarray(0, 3)], [Number.NaN, 2, 5]);
  assert.deepEqual(space.names, ['a', 'colour', 'b']);
  assert.deepEqual([...space.kinds.subarray(0, 3)], [NUMERIC, NOMINAL, NUMERIC]);
  assert.deepEqual(space.categories[1], ['red', 'blue', '3']);
  assert.deepEqual([...space.encode({ a: 1, none: 4 }).subarray(0, 4)], [1, Number.NaN, Number.NaN, 4]);
  assert.deepEqual([...space.encode({ a: 1, none: 4 }).subarray(0, 4)], [1, Number.NaN, Number.NaN, 4]);
  const copy = FeatureSpace.fromJSON(space.toJSON());
  assert.deepEqual([...copy.encode({ colour: 'blue', b: 1 }).subarray(0, 4)], [Number.NaN, 1, 1, Number.NaN]);
});
