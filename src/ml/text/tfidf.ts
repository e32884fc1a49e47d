/**
 * Online TF-IDF over a fixed-dimension (hashed) vocabulary. Document frequencies are updated one
 * document at a time, so the weights follow the stream without a fitting pass:
 *
 *     idf(f) = ln((1 + N) / (1 + df(f))) + 1          (scikit-learn's smooth_idf)
 *     tf     = count, or sign(count)·(1 + ln |count|) with `sublinear`
 *     x_f    = tf · idf(f), then x / ‖x‖₂             (with `normalize`, the default)
 *
 * N counts the documents learned and df(f) those with a non-zero count at f. `learnOne` counts a
 * document before it is weighted, as scikit-learn's `fit_transform` does for its training set.
 */

import { checkInteger, decodeNumbers, encodeNumbers } from '../learner.ts';
import type { SparseVector } from '../linear/sparse-vector.ts';

/** Options of `OnlineTfIdf`. */
export interface OnlineTfIdfOptions {
  /** Number of features (buckets); indices must be below it. */
  dimension: number;
  /** tf = 1 + ln(count) instead of the count (false). */
  sublinear?: boolean;
  /** Scale each document to unit Euclidean norm (true). */
  normalize?: boolean;
}

/** Serialised form of `OnlineTfIdf`. */
export interface OnlineTfIdfJSON {
  options: Required<OnlineTfIdfOptions>;
  documents: number;
  indices: number[];
  frequencies: (number | string)[];
}

/**
 * Document frequencies and the TF-IDF transform.
 *
 * @example
 * const tfidf = new OnlineTfIdf({ dimension: 2 ** 18 });
 * const v = hasher.transform(tokenize(text));
 * tfidf.learnOne(v); // df += 1 for each bucket of v, N += 1
 * tfidf.transform(v); // v now holds unit-length TF-IDF weights
 */
export class OnlineTfIdf {
  readonly options: Readonly<Required<OnlineTfIdfOptions>>;
  /** Documents learned. */
  documents = 0;
  private readonly df: Float64Array;

  constructor(options: OnlineTfIdfOptions) {
    this.options = {
      dimension: checkInteger('OnlineTfIdf', 'dimension', options.dimension, 1, 2 ** 26),
      sublinear: options.sublinear ?? false,
      normalize: options.normalize ?? true,
    };
    this.df = new Float64Array(this.options.dimension);
  }

  /** Counts one document (its distinct non-zero features). */
  learnOne(v: SparseVector): void {
    this.documents++;
    for (let j = 0; j < v.size; j++) if (v.values[j] !== 0) this.df[v.indices[j]]++;
  }

  /** idf(f) for the documents learned so far. */
  idf(f: number): number {
    return Math.log((1 + this.documents) / (1 + this.df[f])) + 1;
  }

  /** The number of learned documents containing feature `f`. */
  documentFrequency(f: number): number {
    return this.df[f];
  }

  /** Replaces counts by TF-IDF weights in place (indices must be distinct). */
  transform(v: SparseVector): SparseVector {
    const logN = Math.log(1 + this.documents);
    const values = v.values;
    for (let j = 0; j < v.size; j++) {
      const count = values[j];
      const tf =
        this.options.sublinear && count !== 0 ? Math.sign(count) * (1 + Math.log(Math.abs(count))) : count;
      values[j] = tf * (logN - Math.log(1 + this.df[v.indices[j]]) + 1);
    }
    if (this.options.normalize) {
      const norm = v.norm();
      if (norm > 0) v.scale(1 / norm);
    }
    return v;
  }

  toJSON(): OnlineTfIdfJSON {
    const indices: number[] = [];
    const frequencies: number[] = [];
    for (let f = 0; f < this.df.length; f++) {
      if (this.df[f] !== 0) {
        indices.push(f);
        frequencies.push(this.df[f]);
      }
    }
    return {
      options: { ...this.options },
      documents: this.documents,
      indices,
      frequencies: encodeNumbers(frequencies),
    };
  }

  static fromJSON(json: OnlineTfIdfJSON): OnlineTfIdf {
    const tfidf = new OnlineTfIdf(json.options);
    tfidf.documents = json.documents;
    const frequencies = decodeNumbers(json.frequencies);
    json.indices.forEach((f, j) => {
      tfidf.df[f] = frequencies[j];
    });
    return tfidf;
  }
}
