/**
 * Per-class value counts of one nominal feature at one leaf, as MOA's `NominalAttributeClassObserver`.
 * Used twice: by naive Bayes (P(value | class) with add-one smoothing) and to propose splits.
 */

/** Counts of one nominal feature, by class then value. */
export class NominalObserver {
  /** counts[class][value]; arrays grow as values appear (MOA's auto-expanding vectors). */
  counts: number[][] = [];
  /** Sum of counts[class]. */
  totals: number[] = [];

  observe(value: number, c: number, weight: number): void {
    let row = this.counts[c];
    if (row === undefined) {
      row = this.counts[c] = [];
      this.totals[c] = 0;
    }
    while (row.length <= value) row.push(0);
    row[value] += weight;
    this.totals[c] += weight;
  }

  /** P(value | class) = (count + 1) / (total + values seen with that class); 0 for an unseen class. */
  probability(value: number, c: number): number {
    const row = this.counts[c];
    if (row === undefined) return 0;
    return ((row[value] ?? 0) + 1) / (this.totals[c] + row.length);
  }

  /** Number of values observed (the longest per-class row). */
  maxValues(): number {
    let max = 0;
    for (const row of this.counts) if (row !== undefined && row.length > max) max = row.length;
    return max;
  }

  /** Class distribution of each value (one branch per value). */
  multiwayDists(numClasses: number): Float64Array[] {
    const dists = Array.from({ length: this.maxValues() }, () => new Float64Array(numClasses));
    this.counts.forEach((row, c) => {
      if (row !== undefined) for (let v = 0; v < row.length; v++) dists[v][c] += row[v];
    });
    return dists;
  }

  /** Class distributions of "value = v" and "value ≠ v". */
  binaryDists(value: number, numClasses: number): Float64Array[] {
    const equal = new Float64Array(numClasses);
    const other = new Float64Array(numClasses);
    this.counts.forEach((row, c) => {
      if (row !== undefined) for (let v = 0; v < row.length; v++) (v === value ? equal : other)[c] += row[v];
    });
    return [equal, other];
  }
}
