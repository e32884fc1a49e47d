/**
 * Explicit ratings and the sparse matrix the recommenders train on.
 *
 * A `RatingMatrix` numbers users and items densely in the order first seen (two `LabelSet`s) and
 * keeps the ratings twice in compressed sparse row form: grouped by user (`userOffsets`,
 * `userItems`, `userRatings`) and grouped by item (`itemOffsets`, `itemUsers`, `itemRatings`).
 * ALS reads one grouping per half-sweep, so each solve touches one contiguous slice. Row r's
 * entries are `[offsets[r], offsets[r + 1])`; within a row, ratings keep their input order.
 * A repeated (user, item) pair is kept as two entries, as Spark MLlib does.
 */

import { StreamsightError } from '../../errors/index.ts';
import { LabelSet } from '../label-set.ts';

/** A user or item id, as it appears in the caller's data. */
export type Id = string | number;

/** One explicit rating; `timestamp` (any unit, larger = later) is needed only for chronological splits. */
export interface Rating {
  user: Id;
  item: Id;
  rating: number;
  timestamp?: number;
}

/** One item the user rated, the input of a fold-in. */
export interface ItemRating {
  item: Id;
  rating: number;
}

/** Throws SS_ERR_INVALID_RATING unless `id` is a string or a finite number. */
export function checkId(id: unknown, role: 'user' | 'item'): Id {
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  throw new StreamsightError('SS_ERR_INVALID_RATING', `${role} id must be a string or a finite number`, {
    details: { [role]: id },
  });
}

/** Throws SS_ERR_INVALID_RATING unless `value` is a finite number. */
export function checkRatingValue(value: unknown, user: unknown, item: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new StreamsightError('SS_ERR_INVALID_RATING', `rating must be a finite number, got ${value}`, {
    details: { user, item, rating: value },
  });
}

/**
 * Ratings as a sparse user × item matrix, indexed both ways.
 *
 * @example
 * const matrix = RatingMatrix.from([
 *   { user: 'ann', item: 'alien', rating: 5 },
 *   { user: 'bob', item: 'alien', rating: 3 },
 * ]);
 * matrix.size; // 2
 * matrix.users.find('bob'); // 1
 */
export class RatingMatrix {
  readonly users: LabelSet;
  readonly items: LabelSet;
  readonly userOffsets: Int32Array;
  readonly userItems: Int32Array;
  readonly userRatings: Float64Array;
  readonly itemOffsets: Int32Array;
  readonly itemUsers: Int32Array;
  readonly itemRatings: Float64Array;

  private constructor(users: LabelSet, items: LabelSet, u: Int32Array, i: Int32Array, r: Float64Array) {
    this.users = users;
    this.items = items;
    [this.userOffsets, this.userItems, this.userRatings] = group(u, i, r, users.size);
    [this.itemOffsets, this.itemUsers, this.itemRatings] = group(i, u, r, items.size);
  }

  /** Number of ratings (non-zero entries). */
  get size(): number {
    return this.userItems.length;
  }

  /**
   * Builds the matrix; throws SS_ERR_INVALID_RATING on a rating without a usable id or value.
   *
   * @example
   * const matrix = RatingMatrix.from(ratings);
   */
  static from(ratings: Iterable<Rating>): RatingMatrix {
    const users = new LabelSet();
    const items = new LabelSet();
    let u = new Int32Array(1024);
    let i = new Int32Array(1024);
    let r = new Float64Array(1024);
    let n = 0;
    for (const rating of ratings) {
      if (n === u.length) {
        u = grow(u, n * 2);
        i = grow(i, n * 2);
        r = grow(r, n * 2);
      }
      const value = checkRatingValue(rating.rating, rating.user, rating.item);
      u[n] = users.indexOf(checkId(rating.user, 'user'));
      i[n] = items.indexOf(checkId(rating.item, 'item'));
      r[n] = value;
      n++;
    }
    return new RatingMatrix(users, items, u.subarray(0, n), i.subarray(0, n), r.subarray(0, n));
  }
}

/** Counting sort of (row, col, value) triples into CSR. */
function group(
  rows: Int32Array,
  cols: Int32Array,
  values: Float64Array,
  nRows: number,
): [Int32Array, Int32Array, Float64Array] {
  const offsets = new Int32Array(nRows + 1);
  for (let j = 0; j < rows.length; j++) offsets[rows[j] + 1]++;
  for (let row = 0; row < nRows; row++) offsets[row + 1] += offsets[row];
  const next = offsets.slice(0, nRows);
  const outCols = new Int32Array(rows.length);
  const outValues = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const at = next[rows[j]]++;
    outCols[at] = cols[j];
    outValues[at] = values[j];
  }
  return [offsets, outCols, outValues];
}

/** A copy of `array` with room for `length` elements. */
export function grow<T extends Int32Array | Float64Array>(array: T, length: number): T {
  const out = new (array.constructor as new (n: number) => T)(length);
  out.set(array);
  return out;
}
