/**
 * Columns in typed arrays, for state kept per row (an RSVP, a counter) instead of per object: the
 * garbage collector has nothing to trace, and a row is a few bytes.
 */

type Column = Float64Array | Int32Array | Uint16Array | Uint8Array;

/**
 * A copy of `column` with room for `length` rows (the rows past the old length are zero).
 *
 * @example
 * if (row >= mtime.length) mtime = grown(mtime, mtime.length * 2);
 */
export function grown<C extends Column>(column: C, length: number): C {
  const copy = new (column.constructor as new (length: number) => C)(length);
  copy.set(column);
  return copy;
}
