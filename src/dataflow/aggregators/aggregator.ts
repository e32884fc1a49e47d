/**
 * Aggregators are combinable: `merge` joins two partial accumulators. That lets the engine keep
 * per-pane partials for hopping windows, merge sessions, and pre-aggregate before a repartition.
 * Accumulators must survive a msgpack round-trip (plain numbers, strings, arrays, objects, Uint8Array)
 * because they are checkpointed and shipped between tasks.
 */

export interface Aggregator<T, A, R> {
  /** A fresh accumulator. */
  init(): A;
  /** Adds one value; may mutate `acc` and return it. */
  add(acc: A, value: T): A;
  /** Combines two accumulators; may mutate and return `a`; must not keep references into `b`. */
  merge(a: A, b: A): A;
  /** The result for a window or key. */
  result(acc: A): R;
}

/** The value type an aggregator produces. */
export type AggregatorResult<G> = G extends Aggregator<any, any, infer R> ? R : never;
