/**
 * Random radial basis functions, as MOA's `RandomRBFGenerator` and `RandomRBFGeneratorDrift`.
 *
 * A model random stream (seed `modelSeed`) draws `centroids` centres in [0,1)^d, each with a class,
 * a standard deviation and a weight. Each example picks a centroid with probability ∝ weight, draws a
 * uniformly random direction and a Normal(0, stdDev) distance, and labels the point with the
 * centroid's class. With `speed` > 0 the first `driftCentroids` centres move by speed·(their random
 * unit vector) before every example and bounce off the unit cube's faces.
 */

import { checkInteger, checkNumber } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { type Example, StreamGenerator } from './stream-generator.ts';

/** Options of `RandomRbfGenerator` (MOA defaults). */
export interface RandomRbfOptions {
  /** Seed of the centroid model (1). */
  modelSeed?: number;
  /** Seed of the instances (1). */
  seed?: number;
  /** Number of classes (2). */
  classes?: number;
  /** Number of attributes (10). */
  attributes?: number;
  /** Number of centroids (50). */
  centroids?: number;
  /** Centroid speed per example (0: no drift). */
  speed?: number;
  /** Number of moving centroids (50). */
  driftCentroids?: number;
}

/**
 * Random RBF stream (with optional drift); rows equal MOA's for the same seeds.
 *
 * @example
 * const rbf = new RandomRbfGenerator({ attributes: 30, speed: 0.0001 });
 * rbf.next(); // { x: { att1 … att30 }, y: 0 | 1 }
 */
export class RandomRbfGenerator extends StreamGenerator {
  private readonly rng: JavaRandom;
  private readonly centres: Float64Array[];
  private readonly labels: Int32Array;
  private readonly stdDevs: Float64Array;
  private readonly weights: Float64Array;
  private readonly weightSum: number;
  private readonly speeds: Float64Array[];
  private readonly speed: number;
  private readonly names: string[];
  private readonly template: Record<string, number>;
  private readonly direction: Float64Array;

  constructor(options: RandomRbfOptions = {}) {
    super();
    const owner = 'RandomRbfGenerator';
    const d = checkInteger(owner, 'attributes', options.attributes ?? 10, 1, 1_000_000);
    const k = checkInteger(owner, 'centroids', options.centroids ?? 50, 1, 1_000_000);
    const classes = checkInteger(owner, 'classes', options.classes ?? 2, 2, 1_000_000);
    const modelSeed = checkInteger(owner, 'modelSeed', options.modelSeed ?? 1, -(2 ** 53), 2 ** 53);
    this.speed = checkNumber(owner, 'speed', options.speed ?? 0, 0, Number.MAX_VALUE);
    const drifting = Math.min(
      k,
      checkInteger(owner, 'driftCentroids', options.driftCentroids ?? 50, 0, 2 ** 31),
    );
    this.rng = new JavaRandom(checkInteger(owner, 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53));
    this.names = Array.from({ length: d }, (_, i) => `att${i + 1}`);
    this.template = Object.fromEntries(this.names.map((name) => [name, 0]));
    this.direction = new Float64Array(d);
    const model = new JavaRandom(modelSeed);
    this.centres = [];
    this.labels = new Int32Array(k);
    this.stdDevs = new Float64Array(k);
    this.weights = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const centre = new Float64Array(d);
      for (let j = 0; j < d; j++) centre[j] = model.nextDouble();
      this.centres.push(centre);
      this.labels[i] = model.nextInt(classes);
      this.stdDevs[i] = model.nextDouble();
      this.weights[i] = model.nextDouble();
    }
    let sum = 0;
    for (const w of this.weights) sum += w;
    this.weightSum = sum;
    // MOA's drift subclass draws the speeds from a second generator with the same model seed.
    const speedRandom = new JavaRandom(modelSeed);
    this.speeds = [];
    if (this.speed > 0) {
      for (let i = 0; i < drifting; i++) {
        const v = new Float64Array(d);
        let norm = 0;
        for (let j = 0; j < d; j++) {
          v[j] = speedRandom.nextDouble();
          norm += v[j] * v[j];
        }
        norm = Math.sqrt(norm);
        for (let j = 0; j < d; j++) v[j] /= norm;
        this.speeds.push(v);
      }
    }
  }

  next(): Example {
    for (let i = 0; i < this.speeds.length; i++) {
      const centre = this.centres[i];
      const v = this.speeds[i];
      for (let j = 0; j < centre.length; j++) {
        centre[j] += v[j] * this.speed;
        if (centre[j] > 1) {
          centre[j] = 1;
          v[j] = -v[j];
        }
        if (centre[j] < 0) {
          centre[j] = 0;
          v[j] = -v[j];
        }
      }
    }
    const chosen = this.chooseCentroid();
    const dir = this.direction;
    let magnitude = 0;
    for (let j = 0; j < dir.length; j++) {
      dir[j] = this.rng.nextDouble() * 2 - 1;
      magnitude += dir[j] * dir[j];
    }
    magnitude = Math.sqrt(magnitude);
    const scale = (this.rng.nextGaussian() * this.stdDevs[chosen]) / magnitude;
    const centre = this.centres[chosen];
    // Cloning a template keeps the record in V8's fast-property mode (adding 10+ keys one by one to {}
    // turns it into a slow dictionary), as records parsed from JSON are.
    const x: Record<string, number> = { ...this.template };
    for (let j = 0; j < dir.length; j++) x[this.names[j]] = centre[j] + dir[j] * scale;
    return { x, y: this.labels[chosen] };
  }

  /** MOA's `chooseRandomIndexBasedOnWeights` (linear scan). */
  private chooseCentroid(): number {
    const target = this.rng.nextDouble() * this.weightSum;
    let index = 0;
    let sum = 0;
    while (sum <= target && index < this.weights.length) sum += this.weights[index++];
    return index - 1;
  }
}
