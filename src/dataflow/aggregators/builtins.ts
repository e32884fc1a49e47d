/**
 * The built-in aggregators. Each is combinable (see aggregator.ts) and its accumulator survives msgpack.
 */

import { StreamsightError } from '../../errors/index.ts';
import type { Aggregator } from './aggregator.ts';
import { hashString, hllAdd, hllEstimate, hllMerge } from './hyperloglog.ts';

type Field<T> = (value: T) => number;

/**
 * Number of records.
 *
 * @example
 * stream.keyBy((b) => b.auction).window(tumbling({ size: '10s' })).aggregate(count())
 */
export function count<T = unknown>(): Aggregator<T, number, number> {
  return { init: () => 0, add: (acc) => acc + 1, merge: (a, b) => a + b, result: (acc) => acc };
}

/**
 * Sum of a numeric field.
 *
 * @example
 * aggregate(sum((b) => b.price))
 */
export function sum<T>(field: Field<T>): Aggregator<T, number, number> {
  return { init: () => 0, add: (acc, v) => acc + field(v), merge: (a, b) => a + b, result: (acc) => acc };
}

/**
 * Arithmetic mean of a numeric field; `null` for an empty window.
 *
 * @example
 * aggregate(avg((b) => b.price))
 */
export function avg<T>(field: Field<T>): Aggregator<T, [number, number], number | null> {
  return {
    init: () => [0, 0],
    add: (acc, v) => {
      acc[0] += field(v);
      acc[1] += 1;
      return acc;
    },
    merge: (a, b) => {
      a[0] += b[0];
      a[1] += b[1];
      return a;
    },
    result: (acc) => (acc[1] === 0 ? null : acc[0] / acc[1]),
  };
}

/**
 * Minimum of a numeric field; `null` for an empty window.
 *
 * @example
 * aggregate(min((b) => b.price))
 */
export function min<T>(field: Field<T>): Aggregator<T, number | null, number | null> {
  return {
    init: () => null,
    add: (acc, v) => {
      const x = field(v);
      return acc === null || x < acc ? x : acc;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
    result: (acc) => acc,
  };
}

/**
 * Maximum of a numeric field; `null` for an empty window.
 *
 * @example
 * aggregate(max((b) => b.price))
 */
export function max<T>(field: Field<T>): Aggregator<T, number | null, number | null> {
  return {
    init: () => null,
    add: (acc, v) => {
      const x = field(v);
      return acc === null || x > acc ? x : acc;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
    result: (acc) => acc,
  };
}

/**
 * The records with the greatest value of a field (all of them when several tie), in arrival order.
 *
 * @example
 * // Nexmark q7: the highest bids of each 10 s window
 * aggregate(maxBy((b) => b.price))
 */
export function maxBy<T>(
  field: Field<T>,
): Aggregator<T, { max: number | null; items: T[] }, { max: number | null; items: T[] }> {
  return {
    init: () => ({ max: null, items: [] }),
    add: (acc, v) => {
      const x = field(v);
      if (acc.max === null || x > acc.max) {
        acc.max = x;
        acc.items = [v];
      } else if (x === acc.max) acc.items.push(v);
      return acc;
    },
    merge: (a, b) => {
      if (b.max === null) return a;
      if (a.max === null || b.max > a.max) return { max: b.max, items: b.items.slice() };
      if (b.max === a.max) a.items.push(...b.items);
      return a;
    },
    result: (acc) => acc,
  };
}

export interface DistinctCountOptions {
  /**
   * 'exact' keeps every distinct value (memory grows with cardinality); 'hll' keeps a HyperLogLog
   * sketch of 2^precision bytes with a standard error of about 1.04 / sqrt(2^precision). Default 'exact'.
   */
  method?: 'exact' | 'hll';
  /** HyperLogLog precision, 4..16 (default 12: 4 KiB, ≈1.6 % error). */
  precision?: number;
}

/**
 * Number of distinct values of a field, exact or estimated with HyperLogLog.
 *
 * @example
 * aggregate(distinctCount((r) => r.member.member_id))                       // exact
 * aggregate(distinctCount((r) => r.member.member_id, { method: 'hll' }))    // ≈1.6 % error, 4 KiB
 */
export function distinctCount<T>(
  field: (value: T) => string | number,
  options: DistinctCountOptions = {},
): Aggregator<T, Record<string, 1> | Uint8Array, number> {
  const method = options.method ?? 'exact';
  if (method === 'exact') {
    // A plain object as the set: it survives msgpack and merges by key.
    return {
      init: () => ({}),
      add: (acc, v) => {
        (acc as Record<string, 1>)[String(field(v))] = 1;
        return acc;
      },
      merge: (a, b) => Object.assign(a, b),
      result: (acc) => Object.keys(acc).length,
    };
  }
  if (method !== 'hll') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `distinctCount.method: expected 'exact' or 'hll', got ${method}`,
    );
  }
  const precision = options.precision ?? 12;
  if (!Number.isInteger(precision) || precision < 4 || precision > 16) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'distinctCount.precision must be an integer in 4..16',
    );
  }
  return {
    init: () => new Uint8Array(1 << precision),
    add: (acc, v) => {
      hllAdd(acc as Uint8Array, precision, hashString(String(field(v))));
      return acc;
    },
    merge: (a, b) => hllMerge(a as Uint8Array, b as Uint8Array),
    result: (acc) => hllEstimate(acc as Uint8Array),
  };
}

type Results<S> = { [K in keyof S]: S[K] extends Aggregator<any, any, infer R> ? R : never };

/**
 * Several aggregators over the same records, as one aggregator producing an object.
 *
 * @example
 * aggregate(combine({ bids: count(), total: sum((b) => b.price), top: max((b) => b.price) }))
 */
export function combine<T, S extends Record<string, Aggregator<T, any, any>>>(
  aggregators: S,
): Aggregator<T, Record<string, unknown>, Results<S>> {
  const names = Object.keys(aggregators);
  const parts = names.map((n) => aggregators[n]);
  return {
    init: () => {
      const acc: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) acc[names[i]] = parts[i].init();
      return acc;
    },
    add: (acc, v) => {
      for (let i = 0; i < names.length; i++) acc[names[i]] = parts[i].add(acc[names[i]], v);
      return acc;
    },
    merge: (a, b) => {
      for (let i = 0; i < names.length; i++) a[names[i]] = parts[i].merge(a[names[i]], b[names[i]]);
      return a;
    },
    result: (acc) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) out[names[i]] = parts[i].result(acc[names[i]]);
      return out as Results<S>;
    },
  };
}
