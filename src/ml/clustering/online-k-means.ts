/**
 * Online (sequential) k-means, after MacQueen (1967): every point moves its nearest centre towards
 * itself by a step of 1/n_k, n_k being the weight the centre has absorbed,
 *
 *     k* = argmin_k ‖x − c_k‖²;   n_k* ← α·n_k* + w;   c_k* ← c_k* + (w / n_k*)·(x − c_k*)
 *
 * With the fading factor α = 1 (the default) each centre is exactly the mean of the points assigned
 * to it so far; with α < 1 old points are forgotten geometrically, the step never falls below about
 * 1 − α, and the centres follow a drifting stream (River's `cluster.KMeans` is the fixed-step case,
 * `c ← c + halflife·(x − c)`).
 *
 * Seeding. Sequential k-means is only as good as its start, so the first `initSamples` points are
 * buffered and k-means++ (Arthur & Vassilvitskii 2007) picks the k initial centres from them: the
 * first with probability ∝ weight, each next one with probability ∝ weight · D², D being the distance
 * to the nearest centre chosen so far, using a seeded `JavaRandom`, so a seed fixes the result. The
 * buffered points are then learned in arrival order from counts of 0 (each centre starts at its
 * first assigned point). Until then `predictOne` returns undefined.
 *
 * Mini-batches (`batchSize` b > 1, Sculley 2010): points are buffered; when b are in, all are
 * assigned against the centres as they were, then the updates above run in order. This is cheaper to
 * parallelise and less sensitive to the order within a batch, at the cost of b points of latency.
 *
 * Features are numeric (`FeatureSpace`); nominal features are ignored (one-hot encode them first).
 * Missing values (and features a centre has not seen yet) are left out of the distance and the
 * update: a centre's coordinate for a feature is unknown (NaN) until a point with that feature is
 * assigned to it.
 */

import { FeatureSpace, type FeatureSpaceJSON, NUMERIC } from '../feature-space.ts';
import {
  checkInteger,
  checkNumber,
  decodeNumbers,
  encodeModel,
  encodeNumbers,
  type Features,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import type { Clusterer } from './clusterer.ts';

/** Options of `OnlineKMeans`. */
export interface OnlineKMeansOptions {
  /** Number of clusters (5, River's default). */
  k?: number;
  /** Points buffered for k-means++ seeding (10·k; at least k). */
  initSamples?: number;
  /** Fading factor α in (0, 1] applied to the centre weights before each update (1: no forgetting). */
  fadingFactor?: number;
  /** Points per mini-batch (1: purely sequential). */
  batchSize?: number;
  /** Seed of the k-means++ draws (1). */
  seed?: number;
}

/**
 * Sequential k-means with k-means++ seeding, optional fading and mini-batches.
 *
 * @example
 * const km = new OnlineKMeans({ k: 2, seed: 7 });
 * for (const x of [{ u: 0, v: 0 }, { u: 10, v: 10 }, { u: 0.2, v: 0.1 }]) km.learnOne(x);
 * // after `initSamples` (here 20) points:
 * km.predictOne({ u: 9, v: 11 }); // the index of the centre near (10, 10)
 * km.centroids(); // [{ u: …, v: … }, { u: …, v: … }]
 */
export class OnlineKMeans implements Clusterer {
  readonly k: number;
  readonly initSamples: number;
  readonly fadingFactor: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly features: FeatureSpace;
  /** Coordinates per centre, `dims` each, centre-major; NaN = not known yet. Empty before seeding. */
  private centres: Float64Array = new Float64Array(0);
  private dims = 0;
  /** Weight absorbed by each centre (faded). */
  private readonly counts: Float64Array;
  private rng: JavaRandom;
  /** Points waiting for seeding (null once seeded). */
  private seeding: { rows: Float64Array[]; weights: number[] } | null = { rows: [], weights: [] };
  /**
   * The pending mini-batch, flat so that buffering a point allocates nothing: `batchCount` rows of
   * `batchWidth` values (NaN past a row's end), their weights, and their assignments.
   */
  private batchRows: Float64Array = new Float64Array(0);
  private batchWidth = 0;
  private batchCount = 0;
  private readonly batchWeights: Float64Array;
  private readonly assigned: Int32Array;

  constructor(options: OnlineKMeansOptions = {}, features = new FeatureSpace()) {
    const owner = 'OnlineKMeans';
    this.k = checkInteger(owner, 'k', options.k ?? 5, 1, 1_000_000);
    this.initSamples = checkInteger(
      owner,
      'initSamples',
      options.initSamples ?? 10 * this.k,
      this.k,
      100_000_000,
    );
    this.fadingFactor = checkNumber(owner, 'fadingFactor', options.fadingFactor ?? 1, Number.MIN_VALUE, 1);
    this.batchSize = checkInteger(owner, 'batchSize', options.batchSize ?? 1, 1, 1_000_000);
    this.seed = checkInteger(owner, 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53);
    this.features = features;
    this.counts = new Float64Array(this.k);
    this.rng = new JavaRandom(this.seed);
    this.batchWeights = new Float64Array(this.batchSize > 1 ? this.batchSize : 0);
    this.assigned = new Int32Array(this.batchWeights.length);
  }

  /** Whether the centres exist (`initSamples` points were learned). */
  get seeded(): boolean {
    return this.seeding === null;
  }

  learnOne(x: Features, weight = 1): void {
    const row = this.features.encode(x);
    if (this.seeding !== null) {
      this.seeding.rows.push(row.slice(0, this.features.size));
      this.seeding.weights.push(weight);
      if (this.seeding.rows.length >= this.initSamples) this.initialise();
      return;
    }
    this.learnRow(row, weight);
  }

  predictOne(x: Features): number | undefined {
    if (this.seeding !== null) return undefined;
    const row = this.features.encode(x);
    return this.nearest(row, 0, row.length);
  }

  /** The centres as feature records (features a centre has not seen yet are absent). */
  centroids(): Record<string, number>[] {
    const out: Record<string, number>[] = [];
    if (this.seeding !== null) return out;
    for (let j = 0; j < this.k; j++) {
      const centre: Record<string, number> = {};
      for (let f = 0; f < this.dims; f++) {
        const v = this.centres[j * this.dims + f];
        if (!Number.isNaN(v)) centre[this.features.names[f]] = v;
      }
      out.push(centre);
    }
    return out;
  }

  /** The (faded) weight each centre has absorbed. */
  weights(): number[] {
    return Array.from(this.counts);
  }

  /** Learns a seeded point: at once, or through the mini-batch. */
  private learnRow(row: Float64Array, weight: number): void {
    if (this.batchSize === 1) this.update(this.nearest(row, 0, row.length), row, 0, row.length, weight);
    else this.buffer(row, weight);
  }

  /**
   * Index of the centre nearest to the row at `data[offset, offset + length)`, by squared Euclidean
   * distance over the coordinates both know.
   */
  private nearest(data: Float64Array, offset: number, length: number): number {
    const D = Math.min(this.dims, this.features.size, length);
    const centres = this.centres;
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let j = 0, base = 0; j < this.k; j++, base += this.dims) {
      let distance = 0;
      for (let f = 0; f < D; f++) {
        const d = data[offset + f] - centres[base + f];
        if (!Number.isNaN(d)) distance += d * d; // NaN: missing in the row or unknown to the centre
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = j;
      }
    }
    return best;
  }

  /** Moves centre `j` towards the row at `data[offset, offset + length)` by w/n_j. */
  private update(j: number, data: Float64Array, offset: number, length: number, weight: number): void {
    this.ensureDims(this.features.size);
    const n = (this.counts[j] = this.fadingFactor * this.counts[j] + weight);
    const step = n > 0 ? weight / n : 0;
    const kinds = this.features.kinds;
    const base = j * this.dims;
    const D = Math.min(length, this.features.size);
    for (let f = 0; f < D; f++) {
      const v = data[offset + f];
      if (Number.isNaN(v) || kinds[f] !== NUMERIC) continue;
      const c = this.centres[base + f];
      this.centres[base + f] = Number.isNaN(c) ? v : c + step * (v - c);
    }
  }

  /** Adds a point to the mini-batch; a full batch is assigned against the old centres, then learned. */
  private buffer(row: Float64Array, weight: number): void {
    if (this.features.size > this.batchWidth) this.widenBatch(this.features.size);
    const W = this.batchWidth;
    const offset = this.batchCount * W;
    const n = Math.min(row.length, W);
    for (let f = 0; f < n; f++) this.batchRows[offset + f] = row[f];
    this.batchRows.fill(Number.NaN, offset + n, offset + W);
    this.batchWeights[this.batchCount++] = weight;
    if (this.batchCount < this.batchSize) return;
    for (let i = 0; i < this.batchCount; i++) this.assigned[i] = this.nearest(this.batchRows, i * W, W);
    for (let i = 0; i < this.batchCount; i++) {
      this.update(this.assigned[i], this.batchRows, i * W, W, this.batchWeights[i]);
    }
    this.batchCount = 0;
  }

  /** Re-lays the mini-batch buffer out with `width` values per row (new ones NaN). */
  private widenBatch(width: number): void {
    const W = Math.max(width, this.batchWidth * 2, 4);
    const rows = new Float64Array(this.batchSize * W).fill(Number.NaN);
    for (let i = 0; i < this.batchCount; i++) {
      rows.set(this.batchRows.subarray(i * this.batchWidth, (i + 1) * this.batchWidth), i * W);
    }
    this.batchRows = rows;
    this.batchWidth = W;
  }

  /** k-means++ over the buffered points, then learns them. */
  private initialise(): void {
    const { rows, weights } = this.seeding!;
    this.seeding = null;
    this.ensureDims(this.features.size);
    this.centres.fill(Number.NaN);
    const n = rows.length;
    const nearestSq = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    let chosen = this.draw(weights, null);
    for (let j = 0; j < this.k; j++) {
      const seedRow = rows[chosen];
      const base = j * this.dims;
      for (let f = 0; f < seedRow.length; f++) {
        if (this.features.kinds[f] === NUMERIC) this.centres[base + f] = seedRow[f];
      }
      if (j === this.k - 1) break;
      for (let i = 0; i < n; i++) {
        const d = this.distanceTo(j, rows[i]);
        if (d < nearestSq[i]) nearestSq[i] = d;
      }
      chosen = this.draw(weights, nearestSq);
    }
    for (let i = 0; i < n; i++) this.learnRow(rows[i], weights[i]);
  }

  /** Squared distance from centre `j` to `row` over the coordinates both know. */
  private distanceTo(j: number, row: Float64Array): number {
    let distance = 0;
    const base = j * this.dims;
    const D = Math.min(row.length, this.dims);
    for (let f = 0; f < D; f++) {
      const d = row[f] - this.centres[base + f];
      if (!Number.isNaN(d)) distance += d * d;
    }
    return distance;
  }

  /** An index drawn with probability ∝ weight·factor (uniformly by weight when all products are 0). */
  private draw(weights: number[], factors: Float64Array | null): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] * (factors === null ? 1 : factors[i]);
    if (!(total > 0) || !Number.isFinite(total)) return factors === null ? 0 : this.draw(weights, null);
    let target = this.rng.nextDouble() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i] * (factors === null ? 1 : factors[i]);
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  /** Grows the centre rows to at least `size` coordinates (new ones unknown). */
  private ensureDims(size: number): void {
    if (size <= this.dims) return;
    const dims = Math.max(size, this.dims * 2, 4);
    const centres = new Float64Array(this.k * dims).fill(Number.NaN);
    for (let j = 0; j < this.k; j++) {
      centres.set(this.centres.subarray(j * this.dims, (j + 1) * this.dims), j * dims);
    }
    this.centres = centres;
    this.dims = dims;
  }

  toJSON(): ModelJSON {
    return {
      kind: 'online-k-means',
      version: 1,
      options: {
        k: this.k,
        initSamples: this.initSamples,
        fadingFactor: this.fadingFactor,
        batchSize: this.batchSize,
        seed: this.seed,
      },
      features: this.features.toJSON(),
      dims: this.dims,
      centres: encodeNumbers(this.centres),
      counts: Array.from(this.counts),
      rng: this.rng.state(),
      seeding:
        this.seeding === null
          ? null
          : { rows: this.seeding.rows.map((r) => encodeNumbers(r)), weights: this.seeding.weights },
      batch: {
        width: this.batchWidth,
        rows: encodeNumbers(this.batchRows.subarray(0, this.batchCount * this.batchWidth)),
        weights: Array.from(this.batchWeights.subarray(0, this.batchCount)),
      },
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): OnlineKMeans {
    const km = new OnlineKMeans(
      json.options as OnlineKMeansOptions,
      FeatureSpace.fromJSON(json.features as FeatureSpaceJSON),
    );
    km.dims = json.dims as number;
    km.centres = decodeNumbers(json.centres as (number | string)[]);
    km.counts.set(json.counts as number[]);
    km.rng = JavaRandom.fromState(json.rng as [number, number, number, boolean]);
    const seeding = json.seeding as { rows: (number | string)[][]; weights: number[] } | null;
    km.seeding =
      seeding === null ? null : { rows: seeding.rows.map(decodeNumbers), weights: seeding.weights };
    const batch = json.batch as { width: number; rows: (number | string)[]; weights: number[] };
    if (batch.width > 0) {
      km.widenBatch(batch.width);
      km.batchRows.set(decodeNumbers(batch.rows));
      km.batchWeights.set(batch.weights);
      km.batchCount = batch.weights.length;
    }
    return km;
  }
}

registerModelKind('online-k-means', 1, OnlineKMeans.fromJSON);
