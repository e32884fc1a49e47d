/**
 * The `Clock` seam: where paced components (file replay, simulators, processing-time timers) read the
 * time and wait. Production code uses `systemClock`; tests pass a `ManualClock`, whose sleeps return at
 * once and are recorded, so pacing is checked exactly and no test sleeps for real.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { StreamsightError } from '../errors/index.ts';

/** A source of time and a way to wait for it. */
export interface Clock {
  /** Milliseconds since the epoch, never decreasing (may be fractional). */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with SS_ERR_ABORTED as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock. `now()` is monotonic (`performance.timeOrigin + performance.now()`), so pacing is not
 * thrown off when the wall clock is adjusted.
 *
 * @example
 * await systemClock.sleep(100, AbortSignal.timeout(1000));
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  async sleep(ms, signal) {
    try {
      await sleepFor(ms, undefined, { signal });
    } catch (err) {
      if (signal?.aborted) throw abortedError(signal);
      throw err;
    }
  },
};

/**
 * A clock that only moves when told: `sleep(ms)` records `ms` in `sleeps`, advances the time by `ms`
 * and resolves at once.
 *
 * @example
 * const clock = new ManualClock();
 * await replayFile(log, { path, topics: 'events', format: 'jsonl', mode: { type: 'block', recordsPerBlock: 10, intervalMs: 1000 }, clock });
 * assert.deepEqual(clock.sleeps, [1000, 1000]);
 */
export class ManualClock implements Clock {
  /** Every sleep requested, in order. */
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the time forward without a sleep (for example to simulate slow work). */
  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    this.sleeps.push(ms);
    this.#now += ms;
    return Promise.resolve();
  }
}

/** The SS_ERR_ABORTED error for an aborted signal, with the abort reason as its cause. */
export function abortedError(signal: AbortSignal): StreamsightError {
  return new StreamsightError('SS_ERR_ABORTED', 'the operation was aborted', { cause: signal.reason });
}
