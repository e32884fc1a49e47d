/**
 * Interns feature names to dense column indices for linear models, and one-hot encodes categorical
 * values: a number v under name f is column "f" with value v; a string s under f is column "f=s"
 * with value 1. Zero, missing and non-finite numbers produce no entry (a linear model ignores them
 * anyway), so an example costs O(its non-zero features), whatever the number of columns.
 *
 * Columns are only appended, so a column index, once given, never changes. Learning grows the
 * columns; prediction does not (an unseen feature has weight 0, so it is skipped).
 */

import type { Features } from '../learner.ts';
import type { SparseVector } from './sparse-vector.ts';

/** Serialised form of a `FeatureInterner`: per column, its feature name and category (null = numeric). */
export interface FeatureInternerJSON {
  names: string[];
  categories: (string | null)[];
}

/**
 * Feature names (and categorical values) → column indices.
 *
 * @example
 * const columns = new FeatureInterner();
 * const v = columns.encode({ age: 31, plan: 'gold' }, new SparseVector(), true);
 * // v: indices [0, 1], values [31, 1]; columns.names → ['age', 'plan'], categories → [null, 'gold']
 */
export class FeatureInterner {
  /** Per column: the feature name. */
  readonly names: string[] = [];
  /** Per column: the categorical value it one-hot encodes, or null for a numeric feature. */
  readonly categories: (string | null)[] = [];
  private readonly numeric = new Map<string, number>();
  private readonly nominal = new Map<string, Map<string, number>>();
  // The previous example's keys by position and their numeric columns (−1: none yet). Streams
  // usually list keys in the same order, and comparing a key with the previous one at its position
  // is a pointer comparison for V8's internalised strings, which skips the hash lookup.
  private readonly order: string[] = [];
  private readonly orderColumn: number[] = [];

  /** Number of columns. */
  get size(): number {
    return this.names.length;
  }

  /** Writes `x` into `out` (cleared first); `grow` adds columns for unseen features. */
  encode(x: Features, out: SparseVector, grow: boolean): SparseVector {
    out.clear();
    const order = this.order;
    const orderColumn = this.orderColumn;
    let i = 0;
    for (const name in x) {
      const value = x[name];
      const position = i++;
      if (typeof value === 'number') {
        if (value === 0 || !Number.isFinite(value)) continue;
        let f: number;
        if (order[position] === name && orderColumn[position] >= 0) f = orderColumn[position];
        else {
          f = this.numeric.get(name) ?? -1;
          if (f < 0 && grow) f = this.add(name, null);
          order[position] = name;
          orderColumn[position] = f;
          if (f < 0) continue;
        }
        out.push(f, value);
      } else if (typeof value === 'string') {
        let values = this.nominal.get(name);
        let f = values?.get(value);
        if (f === undefined) {
          if (!grow) continue;
          if (values === undefined) this.nominal.set(name, (values = new Map()));
          f = this.add(name, value);
          values.set(value, f);
        }
        out.push(f, 1);
      }
    }
    return out;
  }

  /** The column of a numeric feature, or of `name=category` (−1 when unknown). */
  columnOf(name: string, category?: string): number {
    if (category === undefined) return this.numeric.get(name) ?? -1;
    return this.nominal.get(name)?.get(category) ?? -1;
  }

  toJSON(): FeatureInternerJSON {
    return { names: [...this.names], categories: [...this.categories] };
  }

  static fromJSON(json: FeatureInternerJSON): FeatureInterner {
    const interner = new FeatureInterner();
    json.names.forEach((name, f) => {
      const category = json.categories[f];
      if (category === null) interner.add(name, null);
      else {
        let values = interner.nominal.get(name);
        if (values === undefined) interner.nominal.set(name, (values = new Map()));
        values.set(category, interner.add(name, category));
      }
    });
    return interner;
  }

  private add(name: string, category: string | null): number {
    const f = this.names.length;
    this.names.push(name);
    this.categories.push(category);
    if (category === null) this.numeric.set(name, f);
    return f;
  }
}
