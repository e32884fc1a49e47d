/**
 * SEA concepts (Street & Kim 2001), as MOA's `SEAGenerator`: three attributes uniform in [0, 10),
 * class 0 ("groupA") iff attrib1 + attrib2 ≤ θ, with θ = 8, 9, 7, 9.5 for functions 1–4; attrib3 is
 * noise. With probability `noisePercentage`% the label is flipped.
 */

import { checkInteger } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { type Example, StreamGenerator } from './stream-generator.ts';

const THRESHOLDS = [8, 9, 7, 9.5];

/** Options of `SeaGenerator` (MOA defaults). */
export interface SeaOptions {
  /** Concept 1–4 (1). */
  function?: number;
  /** Seed of the instance random stream (1). */
  seed?: number;
  /** Percentage of labels flipped (10). */
  noisePercentage?: number;
  /** Alternate the classes, rejecting examples of the other class (false). */
  balanceClasses?: boolean;
}

/**
 * SEA stream; rows equal MOA's for the same seed.
 *
 * @example
 * const sea = new SeaGenerator({ function: 2, seed: 1 });
 * sea.next(); // { x: { attrib1, attrib2, attrib3 }, y: 0 | 1 }
 */
export class SeaGenerator extends StreamGenerator {
  private readonly rng: JavaRandom;
  private readonly threshold: number;
  private readonly noise: number;
  private readonly balance: boolean;
  private nextClassShouldBeZero = false;

  constructor(options: SeaOptions = {}) {
    super();
    this.threshold = THRESHOLDS[checkInteger('SeaGenerator', 'function', options.function ?? 1, 1, 4) - 1];
    this.noise = checkInteger('SeaGenerator', 'noisePercentage', options.noisePercentage ?? 10, 0, 100);
    this.rng = new JavaRandom(checkInteger('SeaGenerator', 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53));
    this.balance = options.balanceClasses ?? false;
  }

  next(): Example {
    let a1: number;
    let a2: number;
    let a3: number;
    let group: number;
    for (;;) {
      a1 = 10 * this.rng.nextDouble();
      a2 = 10 * this.rng.nextDouble();
      a3 = 10 * this.rng.nextDouble();
      group = a1 + a2 <= this.threshold ? 0 : 1;
      if (!this.balance) break;
      if (this.nextClassShouldBeZero === (group === 0)) {
        this.nextClassShouldBeZero = !this.nextClassShouldBeZero;
        break;
      }
    }
    if (1 + this.rng.nextInt(100) <= this.noise) group = group === 0 ? 1 : 0;
    return { x: { attrib1: a1, attrib2: a2, attrib3: a3 }, y: group };
  }
}
