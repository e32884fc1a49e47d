/**
 * Turns feature records (`{ name: number | string }`) into dense rows of doubles, so learners index
 * arrays instead of hashing names on every statistic they update.
 *
 * A feature's kind is fixed the first time it is seen: a number makes it numeric, a string makes it
 * nominal (categorical). Nominal values are numbered in first-seen order and stored as that index.
 * A missing feature, a non-finite number, or a string where a number is expected is encoded as NaN
 * ("missing", which the learners skip, as MOA does); a number given for a nominal feature is treated
 * as its decimal string. Features are only ever appended, so an index, once given, never changes.
 */

import type { Features } from './learner.ts';

/** Kind code of a numeric feature in `FeatureSpace.kinds`. */
export const NUMERIC = 0;
/** Kind code of a nominal (categorical) feature in `FeatureSpace.kinds`. */
export const NOMINAL = 1;

/** Serialised form of a feature space. */
export interface FeatureSpaceJSON {
  names: string[];
  kinds: number[];
  categories: (string[] | null)[];
}

/**
 * The schema a learner has discovered so far, and the encoder into its reusable row buffer.
 *
 * @example
 * const space = new FeatureSpace();
 * const row = space.encode({ price: 0.4, day: 'mon' }); // Float64Array [0.4, 0]
 */
export class FeatureSpace {
  readonly names: string[] = [];
  kinds = new Uint8Array(8);
  /** For nominal features, the values in index order; null for numeric features. */
  readonly categories: (string[] | null)[] = [];
  private readonly index = new Map<string, number>();
  private readonly categoryIndex: (Map<string, number> | null)[] = [];
  /** The previous record's keys in order, and their feature indices (−1: not a feature yet). */
  private readonly order: string[] = [];
  private readonly orderIndex: number[] = [];
  /** The row `encode` writes into; reused across calls (copy it to keep it). */
  row = new Float64Array(8);

  get size(): number {
    return this.names.length;
  }

  /** Encodes `x` into `this.row` (length ≥ `size`; features absent from `x` are NaN). */
  encode(x: Features): Float64Array {
    let row = this.row;
    row.fill(Number.NaN, 0, this.names.length);
    // Records of one stream usually list their keys in the same order: comparing each key with the
    // previous record's key at that position (a pointer comparison for V8's interned strings) skips
    // the hash lookup.
    const order = this.order;
    const orderIndex = this.orderIndex;
    let i = 0;
    for (const name in x) {
      let f: number | undefined;
      if (order[i] === name) f = orderIndex[i];
      else {
        f = this.index.get(name);
        order[i] = name;
        orderIndex[i] = f ?? -1;
      }
      i++;
      const value = x[name];
      if (f === undefined || f < 0) {
        f = this.index.get(name);
        if (f === undefined) {
          if (value === undefined || value === null) continue;
          f = this.add(name, typeof value === 'string' ? NOMINAL : NUMERIC);
          row = this.row;
        }
        orderIndex[i - 1] = f;
      }
      if (this.kinds[f] === NUMERIC) {
        row[f] = typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
      } else if (value !== undefined && value !== null) {
        row[f] = this.categoryOf(f, typeof value === 'string' ? value : String(value));
      }
    }
    return row;
  }

  /** Declares a feature (optionally nominal with known values, e.g. from an ARFF header). */
  declare(name: string, kind: typeof NUMERIC | typeof NOMINAL, values: readonly string[] = []): number {
    const f = this.index.get(name) ?? this.add(name, kind);
    for (const value of values) this.categoryOf(f, value);
    return f;
  }

  toJSON(): FeatureSpaceJSON {
    return {
      names: [...this.names],
      kinds: Array.from(this.kinds.subarray(0, this.names.length)),
      categories: this.categories.map((c) => (c === null ? null : [...c])),
    };
  }

  static fromJSON(json: FeatureSpaceJSON): FeatureSpace {
    const space = new FeatureSpace();
    json.names.forEach((name, f) => {
      space.declare(name, json.kinds[f] === NOMINAL ? NOMINAL : NUMERIC, json.categories[f] ?? []);
    });
    return space;
  }

  private add(name: string, kind: number): number {
    const f = this.names.length;
    this.names.push(name);
    this.index.set(name, f);
    if (f >= this.kinds.length) {
      const kinds = new Uint8Array(this.kinds.length * 2);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const row = new Float64Array(this.row.length * 2);
      row.set(this.row);
      this.row = row;
    }
    this.kinds[f] = kind;
    this.row[f] = Number.NaN;
    this.categories.push(kind === NOMINAL ? [] : null);
    this.categoryIndex.push(kind === NOMINAL ? new Map() : null);
    return f;
  }

  private categoryOf(f: number, value: string): number {
    const map = this.categoryIndex[f]!;
    let c = map.get(value);
    if (c === undefined) {
      c = map.size;
      map.set(value, c);
      this.categories[f]!.push(value);
    }
    return c;
  }
}
