/**
 * Window specifications. A window is the half-open event-time interval [start, end).
 *
 * Tumbling and hopping windows are evaluated on panes (slices): the window operator keeps one
 * accumulator per key and pane of `gcd(size, every)` ms, and merges the panes of a window when it
 * fires. A record therefore updates one accumulator instead of `size / every` of them, and the state
 * written at each checkpoint shrinks by the same factor.
 */

import { StreamsightError } from '../errors/index.ts';
import { type Duration, toMillis } from './duration.ts';

export interface TumblingWindow {
  readonly kind: 'tumbling';
  readonly size: number;
  readonly every: number;
}

export interface HoppingWindow {
  readonly kind: 'hopping';
  readonly size: number;
  readonly every: number;
}

export interface SessionWindow {
  readonly kind: 'session';
  readonly gap: number;
}

export type WindowSpec = TumblingWindow | HoppingWindow | SessionWindow;

/** A fired window's result: the key, the window and the aggregate value. */
export interface WindowResult<K, R> {
  key: K;
  start: number;
  end: number;
  value: R;
  /** False for early (speculative) updates of a window that is still open. */
  final: boolean;
}

/**
 * Fixed-size, non-overlapping windows aligned to the epoch.
 *
 * @example
 * stream.keyBy((b) => b.auction).window(tumbling({ size: '10s' }))
 */
export function tumbling(options: { size: Duration }): TumblingWindow {
  const size = positive(toMillis(options.size, 'tumbling.size'), 'tumbling.size');
  return { kind: 'tumbling', size, every: size };
}

/**
 * Fixed-size windows that start every `every` ms, so each record belongs to `size / every` windows.
 *
 * @example
 * stream.keyBy((b) => b.auction).window(hopping({ size: '10s', every: '2s' }))
 */
export function hopping(options: { size: Duration; every: Duration }): HoppingWindow {
  const size = positive(toMillis(options.size, 'hopping.size'), 'hopping.size');
  const every = positive(toMillis(options.every, 'hopping.every'), 'hopping.every');
  if (every > size) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `hopping: every (${every} ms) exceeds size (${size} ms)`,
    );
  }
  return { kind: 'hopping', size, every };
}

/** Sliding windows are hopping windows (the name Spark and the DESIGN guide use). */
export const sliding = hopping;

/**
 * Per-key activity sessions: a session ends after `gap` ms without a record for the key.
 *
 * @example
 * stream.keyBy((b) => b.bidder).window(session({ gap: '10s' }))
 */
export function session(options: { gap: Duration }): SessionWindow {
  return { kind: 'session', gap: positive(toMillis(options.gap, 'session.gap'), 'session.gap') };
}

function positive(ms: number, option: string): number {
  if (ms <= 0 || !Number.isInteger(ms)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `${option} must be a positive whole number of ms`);
  }
  return ms;
}

/** Greatest common divisor: the pane size of a hopping window. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Start of the aligned interval of length `step` containing `t` (works for negative t). */
export function alignDown(t: number, step: number): number {
  return t - (((t % step) + step) % step);
}
