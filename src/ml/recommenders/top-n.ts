/**
 * Selection of the n best-scored candidates with a size-n min-heap: O(m log n) for m candidates and
 * no sort of all m scores (a catalogue of 10k items and n = 10 costs ~10k comparisons).
 */

/**
 * A bounded collector of the n largest (score, index) pairs; ties keep the lower index.
 *
 * @example
 * const top = new TopN(2);
 * for (const [i, s] of [0.1, 0.9, 0.5].entries()) top.offer(i, s);
 * top.drain(); // [[1, 0.9], [2, 0.5]]
 */
export class TopN {
  private readonly indices: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;
  readonly n: number;

  constructor(n: number) {
    this.n = n;
    this.indices = new Int32Array(n);
    this.scores = new Float64Array(n);
  }

  /** Considers one candidate. */
  offer(index: number, score: number): void {
    if (this.size < this.n) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(index, score, this.indices[parent], this.scores[parent])) break;
        this.indices[i] = this.indices[parent];
        this.scores[i] = this.scores[parent];
        i = parent;
      }
      this.indices[i] = index;
      this.scores[i] = score;
    } else if (this.n > 0 && worse(this.indices[0], this.scores[0], index, score)) {
      this.siftDown(index, score);
    }
  }

  /** The collected pairs, best first; empties the collector. */
  drain(): [index: number, score: number][] {
    const out: [number, number][] = new Array(this.size);
    for (let at = this.size - 1; at >= 0; at--) {
      out[at] = [this.indices[0], this.scores[0]];
      const lastIndex = this.indices[at];
      const lastScore = this.scores[at];
      this.size = at;
      if (at > 0) this.siftDown(lastIndex, lastScore);
    }
    return out;
  }

  /** Replaces the root with (index, score) and restores the heap. */
  private siftDown(index: number, score: number): void {
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (
        right < this.size &&
        worse(this.indices[right], this.scores[right], this.indices[child], this.scores[child])
      )
        child = right;
      if (!worse(this.indices[child], this.scores[child], index, score)) break;
      this.indices[i] = this.indices[child];
      this.scores[i] = this.scores[child];
      i = child;
    }
    this.indices[i] = index;
    this.scores[i] = score;
  }
}

/** True when (ia, sa) ranks below (ib, sb): a lower score, or an equal score with a higher index. */
function worse(ia: number, sa: number, ib: number, sb: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}
