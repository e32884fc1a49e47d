import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aggregator } from '../../src/dataflow/index.ts';
import {
  avg,
  combine,
  count,
  distinctCount,
  max,
  maxBy,
  min,
  msgpackCodec,
  sum,
} from '../../src/dataflow/index.ts';

/** Adds values, splitting them over two accumulators merged at the end, through a msgpack round-trip. */
function run<T, A, R>(agg: Aggregator<T, A, R>, values: T[]): R {
  const half = Math.floor(values.length / 2);
  let a = agg.init();
  let b = agg.init();
  for (const v of values.slice(0, half)) a = agg.add(a, v);
  for (const v of values.slice(half)) b = agg.add(b, v);
  const roundTrip = (x: A) => msgpackCodec.decode(msgpackCodec.encode(x)) as A;
  return agg.result(agg.merge(roundTrip(a), roundTrip(b)));
}

describe('aggregators (combinable, checkpointable)', () => {
  const xs = [{ v: 3 }, { v: -1 }, { v: 7 }, { v: 7 }, { v: 2 }];
  it('count, sum, avg, min, max', () => {
    assert.equal(run(count(), xs), 5);
    assert.equal(
      run(
        sum((x: { v: number }) => x.v),
        xs,
      ),
      18,
    );
    assert.equal(
      run(
        avg((x: { v: number }) => x.v),
        xs,
      ),
      3.6,
    );
    assert.equal(
      run(
        min((x: { v: number }) => x.v),
        xs,
      ),
      -1,
    );
    assert.equal(
      run(
        max((x: { v: number }) => x.v),
        xs,
      ),
      7,
    );
    assert.equal(
      run(
        avg((x: { v: number }) => x.v),
        [],
      ),
      null,
    );
    assert.equal(
      run(
        max((x: { v: number }) => x.v),
        [],
      ),
      null,
    );
  });

  it('maxBy keeps every tie', () => {
    const r = run(
      maxBy((x: { v: number }) => x.v),
      xs,
    );
    assert.equal(r.max, 7);
    assert.equal(r.items.length, 2);
  });

  it('exact distinct count', () => {
    assert.equal(
      run(
        distinctCount((x: { v: number }) => x.v),
        xs,
      ),
      4,
    );
  });

  it('HyperLogLog distinct count is within 3 standard errors at several cardinalities', () => {
    for (const n of [10, 1000, 50_000, 300_000]) {
      const values = Array.from({ length: n * 2 }, (_, i) => `user-${i % n}`);
      const estimate = run(
        distinctCount((s: string) => s, { method: 'hll' }),
        values,
      );
      const error = Math.abs(estimate - n) / n;
      assert.ok(error < 3 * (1.04 / 64), `n=${n}: estimate ${estimate}, error ${(error * 100).toFixed(2)} %`);
    }
  });

  it('combine runs several aggregators at once', () => {
    const r = run(
      combine({ n: count(), total: sum((x: { v: number }) => x.v), top: max((x: { v: number }) => x.v) }),
      xs,
    );
    assert.deepEqual(r, { n: 5, total: 18, top: 7 });
  });

  it('rejects bad options with coded errors', () => {
    assert.throws(() => distinctCount((x: string) => x, { method: 'hll', precision: 30 }), {
      code: 'SS_ERR_INVALID_OPTION',
    });
    assert.throws(() => distinctCount((x: string) => x, { method: 'nope' as 'hll' }), {
      code: 'SS_ERR_INVALID_OPTION',
    });
  });
});
