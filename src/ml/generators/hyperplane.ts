/**
 * The rotating hyperplane (Hulten, Spencer & Domingos 2001), as MOA's `HyperplaneGenerator`: weights
 * w_i ~ U[0,1) drawn at start, x_i ~ U[0,1), class 1 iff Σ w_i·x_i ≥ ½·Σ w_i, labels flipped with
 * `noisePercentage`%. After each example the first `driftAttributes` weights move by σ_i·`magnitude`,
 * each σ_i reversing with probability `sigmaPercentage`% — a gradual, endless drift.
 */

import { checkInteger, checkNumber } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { type Example, StreamGenerator } from './stream-generator.ts';

/** Options of `HyperplaneGenerator` (MOA defaults). */
export interface HyperplaneOptions {
  seed?: number;
  /** Number of attributes d (10). */
  attributes?: number;
  /** Attributes whose weights drift, k (2). */
  driftAttributes?: number;
  /** Weight change per example, t (0: no drift). */
  magnitude?: number;
  /** Percentage of labels flipped (5). */
  noisePercentage?: number;
  /** Percentage chance per example that a drift direction reverses (10). */
  sigmaPercentage?: number;
}

/**
 * Rotating-hyperplane stream; rows equal MOA's for the same seed.
 *
 * @example
 * const hyper = new HyperplaneGenerator({ driftAttributes: 10, magnitude: 0.001 });
 * hyper.next(); // { x: { att1 … att10 }, y: 0 | 1 }
 */
export class HyperplaneGenerator extends StreamGenerator {
  private readonly rng: JavaRandom;
  private readonly weights: Float64Array;
  private readonly sigma: Int8Array;
  private readonly names: string[];
  private readonly template: Record<string, number>;
  private readonly driftAttributes: number;
  private readonly magnitude: number;
  private readonly noise: number;
  private readonly sigmaPercentage: number;

  constructor(options: HyperplaneOptions = {}) {
    super();
    const d = checkInteger('HyperplaneGenerator', 'attributes', options.attributes ?? 10, 1, 1_000_000);
    this.driftAttributes = checkInteger(
      'HyperplaneGenerator',
      'driftAttributes',
      options.driftAttributes ?? 2,
      0,
      d,
    );
    this.magnitude = checkNumber('HyperplaneGenerator', 'magnitude', options.magnitude ?? 0, 0, 1);
    this.noise = checkInteger('HyperplaneGenerator', 'noisePercentage', options.noisePercentage ?? 5, 0, 100);
    this.sigmaPercentage = checkInteger(
      'HyperplaneGenerator',
      'sigmaPercentage',
      options.sigmaPercentage ?? 10,
      0,
      100,
    );
    this.rng = new JavaRandom(
      checkInteger('HyperplaneGenerator', 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53),
    );
    this.names = Array.from({ length: d }, (_, i) => `att${i + 1}`);
    this.template = Object.fromEntries(this.names.map((name) => [name, 0]));
    this.weights = new Float64Array(d);
    this.sigma = new Int8Array(d);
    for (let i = 0; i < d; i++) {
      this.weights[i] = this.rng.nextDouble();
      this.sigma[i] = i < this.driftAttributes ? 1 : 0;
    }
  }

  next(): Example {
    // Cloning a template keeps the record in V8's fast-property mode (adding 10+ keys one by one to {}
    // turns it into a slow dictionary), as records parsed from JSON are.
    const x: Record<string, number> = { ...this.template };
    let sum = 0;
    let sumWeights = 0;
    for (let i = 0; i < this.weights.length; i++) {
      const v = this.rng.nextDouble();
      x[this.names[i]] = v;
      sum += this.weights[i] * v;
      sumWeights += this.weights[i];
    }
    let y = sum >= sumWeights * 0.5 ? 1 : 0;
    if (1 + this.rng.nextInt(100) <= this.noise) y = y === 0 ? 1 : 0;
    for (let i = 0; i < this.driftAttributes; i++) {
      this.weights[i] += this.sigma[i] * this.magnitude;
      if (1 + this.rng.nextInt(100) <= this.sigmaPercentage) this.sigma[i] = -this.sigma[i];
    }
    return { x, y };
  }
}
