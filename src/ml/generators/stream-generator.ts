/** The base of every synthetic stream: an endless iterable of labelled examples. */

import type { Features, Label } from '../learner.ts';

/** One labelled example. */
export interface Example {
  x: Features;
  y: Label;
}

/**
 * An endless, seeded stream of examples; `take(n)` bounds it.
 *
 * @example
 * for (const { x, y } of new SeaGenerator().take(1000)) learner.learnOne(x, y);
 */
export abstract class StreamGenerator implements Iterable<Example> {
  /** The next example. */
  abstract next(): Example;

  *[Symbol.iterator](): Iterator<Example> {
    for (;;) yield this.next();
  }

  /** The next `n` examples. */
  *take(n: number): Generator<Example> {
    for (let i = 0; i < n; i++) yield this.next();
  }
}
