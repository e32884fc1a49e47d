/**
 * Signed feature hashing of word n-grams (Weinberger et al., "Feature Hashing for Large Scale
 * Multitask Learning", ICML 2009): each n-gram's 32-bit hash picks a bucket (its low `bits` bits)
 * and a sign (bit 31), and the vector holds Σ sign·count per bucket. Signs make collisions cancel
 * in expectation instead of adding up, and the dimension is fixed, so no vocabulary is kept and
 * the model's size does not grow with the stream.
 *
 * Unigram hash: MurmurHash3 (x86, 32-bit) of the token (`hashString`). An n-gram's hash extends the
 * (n−1)-gram's with one MurmurHash3 block step on the next unigram's hash plus the finaliser, so a
 * bigram costs two multiplications and no string is built. Hashes depend only on the tokens' UTF-16
 * code units, so they are stable across runs, processes and machines.
 */

import { hashString } from '../../dataflow/aggregators/hyperloglog.ts';
import { checkInteger } from '../learner.ts';
import { SparseVector } from '../linear/sparse-vector.ts';

/** Options of `HashedNgrams`. */
export interface HashedNgramsOptions {
  /** log2 of the number of buckets (18 → 262,144). */
  bits?: number;
  /** Longest n-gram (2 = unigrams and bigrams). */
  ngrams?: number;
}

/**
 * Tokens → a signed, hashed bag of n-grams.
 *
 * @example
 * const hasher = new HashedNgrams({ bits: 18, ngrams: 2 });
 * const v = hasher.transform(['not', 'happy']); // 3 entries: "not", "happy", "not happy"
 */
export class HashedNgrams {
  readonly bits: number;
  readonly ngrams: number;
  /** Number of buckets, 2^bits. */
  readonly dimension: number;
  private readonly mask: number;
  // Dense accumulator + list of touched buckets: merges repeated buckets in O(entries).
  private readonly accumulator: Float64Array;
  private readonly vector = new SparseVector();
  private hashes = new Int32Array(64);

  constructor(options: HashedNgramsOptions = {}) {
    this.bits = checkInteger('HashedNgrams', 'bits', options.bits ?? 18, 1, 26);
    this.ngrams = checkInteger('HashedNgrams', 'ngrams', options.ngrams ?? 2, 1, 8);
    this.dimension = 2 ** this.bits;
    this.mask = this.dimension - 1;
    this.accumulator = new Float64Array(this.dimension);
  }

  /**
   * The hashed n-gram counts of `tokens`, one entry per distinct bucket, written into `out`
   * (by default a vector owned by this hasher and overwritten by the next call).
   */
  transform(tokens: readonly string[], out: SparseVector = this.vector): SparseVector {
    out.clear();
    const n = tokens.length;
    if (this.hashes.length < n) this.hashes = new Int32Array(2 * n);
    const hashes = this.hashes;
    for (let i = 0; i < n; i++) hashes[i] = hashString(tokens[i]);
    const acc = this.accumulator;
    for (let i = 0; i < n; i++) {
      let h = hashes[i];
      for (let k = 0; k < this.ngrams && i + k < n; k++) {
        if (k > 0) h = extendHash(h, hashes[i + k]);
        const bucket = h & this.mask;
        if (acc[bucket] === 0) out.push(bucket, 0);
        acc[bucket] += h < 0 ? -1 : 1;
        // A bucket whose signed count cancels to 0 stays marked as listed, so it is not listed twice.
        if (acc[bucket] === 0) acc[bucket] = Number.MIN_VALUE;
      }
    }
    let size = 0;
    for (let j = 0; j < out.size; j++) {
      const bucket = out.indices[j];
      const value = acc[bucket];
      acc[bucket] = 0;
      if (value === Number.MIN_VALUE) continue; // cancelled out
      out.indices[size] = bucket;
      out.values[size++] = value;
    }
    out.size = size;
    return out;
  }
}

/**
 * The hash of an n-gram from its (n−1)-gram prefix's hash and the next token's hash.
 *
 * @example
 * const bigram = extendHash(hashString('not'), hashString('happy')); // bucket: bigram & (2 ** 18 − 1)
 */
export function extendHash(prefix: number, next: number): number {
  let k = Math.imul(next, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = prefix ^ k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
