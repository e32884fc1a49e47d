/** Durations in options: milliseconds as a number, or a string such as '250ms', '10s', '5m', '2h', '1d'. */

import { StreamsightError } from '../errors/index.ts';

export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Converts a duration option to milliseconds; throws SS_ERR_INVALID_OPTION naming `option`.
 *
 * @example
 * toMillis('10s', 'size') // 10000
 */
export function toMillis(value: Duration | string, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
  }
  throw new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `${option}: expected a duration such as 500, '250ms', '10s', '5m', '1h', got ${JSON.stringify(value)}`,
    { details: { option, value } },
  );
}
