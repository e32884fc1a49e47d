/**
 * Rates over a sliding window from periodically sampled counters (topic end offsets, records in and
 * out of pipelines). Samples are kept for the window only, so memory is bounded by
 * `windowMs / intervalMs` samples per counter.
 */

export class RateWindow {
  readonly #windowMs: number;
  readonly #samples: Array<{ at: number; values: Map<string, number> }> = [];

  constructor(windowMs = 10_000) {
    this.#windowMs = windowMs;
  }

  /** Records the counters' current values. */
  add(at: number, values: Map<string, number>): void {
    this.#samples.push({ at, values });
    // Keep one sample at or before the window's start so the rate spans the whole window.
    while (this.#samples.length > 2 && this.#samples[1].at <= at - this.#windowMs) this.#samples.shift();
  }

  /** Per-second growth of a counter over the window (0 until two samples exist). */
  rate(name: string): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || first === last) return 0;
    const a = first.values.get(name);
    const b = last.values.get(name);
    if (a === undefined || b === undefined || last.at <= first.at) return 0;
    return Math.max(0, ((b - a) * 1000) / (last.at - first.at));
  }

  /** The latest sampled value of a counter. */
  latest(name: string): number | undefined {
    return this.#samples[this.#samples.length - 1]?.values.get(name);
  }
}
