/**
 * In-place Cholesky factorisation and solve for the small (k ≤ ~50) symmetric positive-definite
 * systems of ALS. Hand-written on a flat Float64Array: at this size a general matrix library's
 * object and bounds-checking overhead costs more than the k³/6 flops of the factorisation itself.
 */

import { StreamsightError } from '../../errors/index.ts';

/**
 * Solves A·x = b for a symmetric positive-definite k×k matrix A (row-major; only the lower triangle
 * is read) and writes x to `out[offset .. offset + k)`. Destroys `a` (it becomes the factor L, with
 * A = L·Lᵀ) and `b`. Throws SS_ERR_NUMERIC when a pivot is not positive (A is not positive definite
 * or holds non-finite values).
 *
 * @example
 * const a = Float64Array.of(4, 0, 2, 3); // [[4, 2], [2, 3]], lower triangle read
 * const x = new Float64Array(2);
 * choleskySolve(a, Float64Array.of(2, 1), 2, x, 0); // x = [0.5, 0]
 */
export function choleskySolve(
  a: Float64Array,
  b: Float64Array,
  k: number,
  out: Float64Array,
  offset: number,
): void {
  for (let j = 0; j < k; j++) {
    const rowJ = j * k;
    let d = a[rowJ + j];
    for (let p = 0; p < j; p++) d -= a[rowJ + p] * a[rowJ + p];
    if (!(d > 0) || d === Number.POSITIVE_INFINITY) {
      throw new StreamsightError('SS_ERR_NUMERIC', 'Cholesky: matrix is not positive definite', {
        details: { pivot: d, column: j },
      });
    }
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      const rowI = i * k;
      let s = a[rowI + j];
      for (let p = 0; p < j; p++) s -= a[rowI + p] * a[rowJ + p];
      a[rowI + j] = s / ljj;
    }
  }
  // Forward substitution L·y = b (y overwrites b), then back substitution Lᵀ·x = y.
  for (let i = 0; i < k; i++) {
    const rowI = i * k;
    let s = b[i];
    for (let p = 0; p < i; p++) s -= a[rowI + p] * b[p];
    b[i] = s / a[rowI + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < k; p++) s -= a[p * k + i] * out[offset + p];
    out[offset + i] = s / a[i * k + i];
  }
}
