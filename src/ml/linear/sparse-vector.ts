/**
 * A reusable sparse vector: parallel arrays of indices and values plus a length. Linear models and
 * text featurisers write into one instance per model instead of allocating per example (DESIGN §7);
 * the arrays only grow, by doubling.
 */

/**
 * Indices and values of the non-zero entries of one example, reused across examples.
 *
 * @example
 * const v = new SparseVector();
 * v.push(3, 0.5);
 * v.push(17, -1);
 * v.size; // 2
 * v.clear(); // ready for the next example
 */
export class SparseVector {
  indices: Int32Array;
  values: Float64Array;
  /** Number of entries in use (entries past it are stale). */
  size = 0;

  constructor(capacity = 16) {
    this.indices = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Empties the vector (keeps its storage). */
  clear(): void {
    this.size = 0;
  }

  /** Appends one entry; an index may repeat (consumers treat the vector as a sum of its entries). */
  push(index: number, value: number): void {
    if (this.size === this.indices.length) {
      const indices = new Int32Array(this.size * 2);
      indices.set(this.indices);
      this.indices = indices;
      const values = new Float64Array(this.size * 2);
      values.set(this.values);
      this.values = values;
    }
    this.indices[this.size] = index;
    this.values[this.size++] = value;
  }

  /** Multiplies every value by `factor`. */
  scale(factor: number): void {
    for (let j = 0; j < this.size; j++) this.values[j] *= factor;
  }

  /** The Euclidean norm (assumes distinct indices). */
  norm(): number {
    let sum = 0;
    for (let j = 0; j < this.size; j++) sum += this.values[j] * this.values[j];
    return Math.sqrt(sum);
  }
}
