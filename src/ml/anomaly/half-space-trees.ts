/**
 * Half-space trees (Tan, Ting & Liu, "Fast anomaly detection for streaming data", IJCAI 2011), as
 * River's `anomaly.HalfSpaceTrees` computes them (reference §1.4).
 *
 * The model. Each of `nTrees` trees is a full binary tree of depth `height` whose splits are drawn at
 * random, once, before any mass is counted: a node picks a feature with probability proportional to
 * the width of that feature's range within the node (the ranges narrow down the tree) and splits it
 * at a uniform point of the middle 70 % of that range (padding 0.15). The trees never change shape;
 * what is learned is mass. Every node keeps a reference mass r and a latest mass l. `learnOne` adds
 * 1 to l along the point's path in each tree; every `windowSize` points the windows swap, r ← l and
 * l ← 0, so r always describes the last complete window. A point lacking the split's feature goes to
 * the child with the larger latest mass.
 *
 * The score, and its normalisation. Walking a point down each tree, River adds r·2^depth for every
 * node on the path, stopping after the first node whose r is below `sizeLimit` = 0.1·windowSize (the
 * paper's constant) or at the leaf. Normal points fall in dense regions, where deep nodes still hold
 * mass, so their sum is large. Since a node's r is at most windowSize, the sum over one tree is at
 * most windowSize·(2^0 + … + 2^height) = windowSize·(2^(height+1) − 1); dividing by nTrees times that
 * puts the total in [0, 1], and the returned score is 1 − total: 0 for a point on the densest path
 * of every tree, near 1 where the reference window held nothing. (The paper scores only the
 * terminal node, r·2^depth, and calls lower more anomalous; River's path sum ranks points alike,
 * with less variance, and this is River's.) The score is 0 during the first window (no reference).
 *
 * Feature ranges. River assumes every feature in [0, 1] (min-max scaled upstream). Here `limits`
 * gives a feature's [min, max] explicitly; any other numeric feature seen in the first window gets
 * the range it showed in that window (a constant feature: a unit-wide range around its value). So
 * the trees are built at the end of the first window, from that window's points, which are then
 * counted as River counts them, the output being identical to building at the first point (the first
 * window scores 0 either way). Values outside a range simply fall into the outermost half-spaces.
 * Nominal features, and features first seen after the first window, are never split on.
 *
 * Layout: the nodes of tree t are stored in heap order (children of i at 2i + 1 and 2i + 2) at
 * t·(2^(height+1) − 1) in the mass arrays, and its internal nodes at t·(2^height − 1) in the split
 * arrays, so a walk is index arithmetic over typed arrays.
 */

import { StreamsightError } from '../../errors/index.ts';
import { FeatureSpace, type FeatureSpaceJSON, NUMERIC } from '../feature-space.ts';
import {
  checkInteger,
  decodeNumbers,
  encodeModel,
  encodeNumbers,
  type Features,
  type ModelJSON,
  registerModelKind,
} from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import type { AnomalyDetector } from './anomaly-detector.ts';

/** Share of a node's range left out on each side when drawing a split point (River's padding). */
const PADDING = 0.15;
/** The paper's mass threshold below which scoring stops, as a share of the window. */
const SIZE_LIMIT_SHARE = 0.1;

/** Options of `HalfSpaceTrees` (River's defaults). */
export interface HalfSpaceTreesOptions {
  /** Number of trees (10). */
  nTrees?: number;
  /** Depth of each tree (8): 2^(height+1) − 1 nodes per tree. */
  height?: number;
  /** Points per mass window (250). */
  windowSize?: number;
  /** [min, max] of features whose range is known; other features learn theirs from the first window. */
  limits?: Record<string, readonly [number, number]>;
  /** Seed of the random splits (1). */
  seed?: number;
}

/**
 * Streaming anomaly detection with half-space trees.
 *
 * @example
 * const hst = new HalfSpaceTrees({ limits: { cpu: [0, 100], latency: [0, 2000] }, seed: 42 });
 * for (const x of metrics) {
 *   const score = hst.scoreOne(x); // in [0, 1], higher = more anomalous; 0 in the first 250 points
 *   hst.learnOne(x);
 * }
 */
export class HalfSpaceTrees implements AnomalyDetector {
  readonly nTrees: number;
  readonly height: number;
  readonly windowSize: number;
  readonly limits: Readonly<Record<string, readonly [number, number]>>;
  readonly seed: number;
  readonly features: FeatureSpace;
  private readonly nodesPerTree: number;
  private readonly splitsPerTree: number;
  private readonly sizeLimit: number;
  private readonly maxScore: number;
  /** Split feature per internal node (−1: no usable feature, every point goes left). */
  private readonly splitFeature: Int32Array;
  private readonly threshold: Float64Array;
  /** Latest and reference masses per node. */
  private latest: Float64Array;
  private reference: Float64Array;
  /** Points of the current window. */
  private counter = 0;
  /** Completed windows (0: no reference mass yet). */
  private windows = 0;
  /** The first window's points, kept until the trees are built (null afterwards). */
  private pending: Float64Array[] | null = [];
  private rng: JavaRandom;

  constructor(options: HalfSpaceTreesOptions = {}, features = new FeatureSpace()) {
    const owner = 'HalfSpaceTrees';
    this.nTrees = checkInteger(owner, 'nTrees', options.nTrees ?? 10, 1, 100_000);
    this.height = checkInteger(owner, 'height', options.height ?? 8, 1, 24);
    this.windowSize = checkInteger(owner, 'windowSize', options.windowSize ?? 250, 1, 1_000_000_000);
    this.seed = checkInteger(owner, 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53);
    this.limits = checkLimits(options.limits ?? {});
    this.features = features;
    this.nodesPerTree = 2 ** (this.height + 1) - 1;
    this.splitsPerTree = 2 ** this.height - 1;
    this.sizeLimit = SIZE_LIMIT_SHARE * this.windowSize;
    this.maxScore = this.nTrees * this.windowSize * this.nodesPerTree;
    this.splitFeature = new Int32Array(this.nTrees * this.splitsPerTree).fill(-1);
    this.threshold = new Float64Array(this.nTrees * this.splitsPerTree);
    this.latest = new Float64Array(this.nTrees * this.nodesPerTree);
    this.reference = new Float64Array(this.nTrees * this.nodesPerTree);
    this.rng = new JavaRandom(this.seed);
  }

  learnOne(x: Features): void {
    const row = this.features.encode(x);
    if (this.pending !== null) {
      this.pending.push(row.slice(0, this.features.size));
      if (this.pending.length === this.windowSize) {
        const window = this.pending;
        this.pending = null;
        this.build(window);
        for (const r of window) this.count(r);
      }
      return;
    }
    this.count(row);
  }

  scoreOne(x: Features): number {
    if (this.windows === 0) return 0;
    const row = this.features.encode(x);
    const reference = this.reference;
    const sizeLimit = this.sizeLimit;
    const height = this.height;
    let score = 0;
    for (let t = 0; t < this.nTrees; t++) {
      const base = t * this.nodesPerTree;
      let node = 0;
      for (let depth = 0, weight = 1; ; depth++, weight *= 2) {
        const mass = reference[base + node];
        score += mass * weight;
        if (mass < sizeLimit || depth === height) break;
        node = this.child(t, node, row);
      }
    }
    return 1 - score / this.maxScore;
  }

  /** Adds a point to the latest masses along its paths; swaps the windows when one is complete. */
  private count(row: Float64Array): void {
    const latest = this.latest;
    const height = this.height;
    for (let t = 0; t < this.nTrees; t++) {
      const base = t * this.nodesPerTree;
      let node = 0;
      for (let depth = 0; ; depth++) {
        latest[base + node] += 1;
        if (depth === height) break;
        node = this.child(t, node, row);
      }
    }
    if (++this.counter === this.windowSize) {
      // r ← l, l ← 0, by swapping the arrays and clearing the old reference.
      const previous = this.reference;
      this.reference = latest;
      previous.fill(0);
      this.latest = previous;
      this.counter = 0;
      this.windows++;
    }
  }

  /** The child of internal node `node` of tree `t` that `row` goes to. */
  private child(t: number, node: number, row: Float64Array): number {
    const s = t * this.splitsPerTree + node;
    const f = this.splitFeature[s];
    const left = 2 * node + 1;
    const v = f >= 0 && f < row.length ? row[f] : Number.NaN;
    // Branch-free on the random direction (a mispredicted branch per level otherwise).
    if (!Number.isNaN(v)) return left + Number(v >= this.threshold[s]);
    if (f < 0) return left;
    const base = t * this.nodesPerTree;
    return this.latest[base + left] < this.latest[base + left + 1] ? left + 1 : left;
  }

  /** Draws every tree's splits from the feature ranges (given, or seen in `window`). */
  private build(window: Float64Array[]): void {
    const F = this.features.size;
    const low = new Float64Array(F).fill(Number.NaN);
    const high = new Float64Array(F).fill(Number.NaN);
    for (let f = 0; f < F; f++) {
      if (this.features.kinds[f] !== NUMERIC) continue;
      const given = this.limits[this.features.names[f]];
      if (given !== undefined) {
        [low[f], high[f]] = given;
        continue;
      }
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const row of window) {
        const v = f < row.length ? row[f] : Number.NaN;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min > max) continue; // never seen with a value
      if (min === max) {
        min -= 0.5;
        max += 0.5;
      }
      low[f] = min;
      high[f] = max;
    }
    for (let t = 0; t < this.nTrees; t++) this.grow(t, 0, 0, low, high);
  }

  /** Draws the split of internal node `node` (at `depth`) and, depth first, of its subtrees. */
  private grow(t: number, node: number, depth: number, low: Float64Array, high: Float64Array): void {
    if (depth === this.height) return;
    let total = 0;
    for (let f = 0; f < low.length; f++) if (high[f] > low[f]) total += high[f] - low[f];
    if (!(total > 0)) return; // no usable feature: the split stays −1
    let target = this.rng.nextDouble() * total;
    let f = 0;
    for (; f < low.length; f++) {
      if (!(high[f] > low[f])) continue;
      target -= high[f] - low[f];
      if (target < 0) break;
    }
    if (f === low.length) f = lastUsable(low, high);
    const a = low[f];
    const b = high[f];
    const at = a + PADDING * (b - a) + this.rng.nextDouble() * (1 - 2 * PADDING) * (b - a);
    const s = t * this.splitsPerTree + node;
    this.splitFeature[s] = f;
    this.threshold[s] = at;
    high[f] = at;
    this.grow(t, 2 * node + 1, depth + 1, low, high);
    high[f] = b;
    low[f] = at;
    this.grow(t, 2 * node + 2, depth + 1, low, high);
    low[f] = a;
  }

  toJSON(): ModelJSON {
    return {
      kind: 'half-space-trees',
      version: 1,
      options: {
        nTrees: this.nTrees,
        height: this.height,
        windowSize: this.windowSize,
        limits: this.limits,
        seed: this.seed,
      },
      features: this.features.toJSON(),
      counter: this.counter,
      windows: this.windows,
      pending: this.pending === null ? null : this.pending.map((row) => encodeNumbers(row)),
      rng: this.rng.state(),
      splitFeature: Array.from(this.splitFeature),
      threshold: encodeNumbers(this.threshold),
      latest: Array.from(this.latest),
      reference: Array.from(this.reference),
    };
  }

  serialize(): Uint8Array {
    return encodeModel(this);
  }

  static fromJSON(json: ModelJSON): HalfSpaceTrees {
    const hst = new HalfSpaceTrees(
      json.options as HalfSpaceTreesOptions,
      FeatureSpace.fromJSON(json.features as FeatureSpaceJSON),
    );
    hst.counter = json.counter as number;
    hst.windows = json.windows as number;
    const pending = json.pending as (number | string)[][] | null;
    hst.pending = pending === null ? null : pending.map(decodeNumbers);
    hst.rng = JavaRandom.fromState(json.rng as [number, number, number, boolean]);
    hst.splitFeature.set(json.splitFeature as number[]);
    hst.threshold.set(decodeNumbers(json.threshold as (number | string)[]));
    hst.latest.set(json.latest as number[]);
    hst.reference.set(json.reference as number[]);
    return hst;
  }
}

/** The last feature with a non-empty range (guards the draw against rounding at the top end). */
function lastUsable(low: Float64Array, high: Float64Array): number {
  let last = 0;
  for (let f = 0; f < low.length; f++) if (high[f] > low[f]) last = f;
  return last;
}

/** Throws SS_ERR_INVALID_OPTION unless every limit is a finite [min, max] with min < max. */
function checkLimits(
  limits: Record<string, readonly [number, number]>,
): Record<string, readonly [number, number]> {
  const out: Record<string, readonly [number, number]> = {};
  for (const name of Object.keys(limits)) {
    const range = limits[name];
    if (
      !Array.isArray(range) ||
      range.length !== 2 ||
      !Number.isFinite(range[0]) ||
      !Number.isFinite(range[1]) ||
      !(range[0] < range[1])
    ) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `HalfSpaceTrees: limits.${name} must be [min, max] with finite min < max, got ${JSON.stringify(range)}`,
        { details: { option: `limits.${name}`, value: range } },
      );
    }
    out[name] = [range[0], range[1]];
  }
  return out;
}

registerModelKind('half-space-trees', 1, HalfSpaceTrees.fromJSON);
