/**
 * Reading fields out of decoded file records (JSON values or CSV rows): the key, the event time and
 * the grouping value of a replayed record. Pure functions on the per-record path, so nothing here
 * allocates beyond the strings it returns.
 */

/** A decimal number as written in CSV and JSON text: `-12`, `3.5`, `.5`, `1e3`. */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/** A date-time without a zone (`2014-10-23 03:26:20`), which `Date.parse` would read as local time. */
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
/** Below this magnitude a numeric time is in seconds when the unit is 'auto' (1e11 ms is March 1973). */
const AUTO_SECONDS_BELOW = 1e11;

/** Follows `path` (property names or array indexes) from `value`; undefined when a step is missing. */
export function getField(value: unknown, path: readonly string[]): unknown {
  for (let i = 0; i < path.length; i++) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[path[i]];
  }
  return value;
}

/**
 * A field value as key or group text: strings as they are, numbers and booleans printed, objects as
 * JSON. Undefined for a missing, null or empty value, which the caller reports as malformed.
 */
export function fieldText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? undefined : JSON.stringify(value);
    default:
      return undefined;
  }
}

/**
 * An event time in integer ms since the epoch, or NaN when `value` is not a time.
 *
 * Numbers and numeric strings are read in `unit` (`'auto'`: seconds below 1e11, else milliseconds).
 * Other strings go through `Date.parse`, except that a date-time without a zone is read as UTC, so that
 * a replay does not depend on the machine's time zone.
 */
export function parseTime(value: unknown, unit: 'ms' | 's' | 'auto'): number {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!DECIMAL.test(text)) {
      return Date.parse(ZONELESS_DATE_TIME.test(text) ? `${text.replace(' ', 'T')}Z` : text);
    }
    n = Number(text);
  } else {
    return Number.NaN;
  }
  if (!Number.isFinite(n)) return Number.NaN;
  const seconds = unit === 's' || (unit === 'auto' && Math.abs(n) < AUTO_SECONDS_BELOW);
  return Math.round(seconds ? n * 1000 : n);
}

/**
 * csv-parse `cast` function: decimal numbers become numbers. Everything else stays text, and so do
 * integers beyond 2^53 (ids such as tweet ids would silently change) and the header.
 */
export function castDecimal(value: string, context: { header: boolean }): string | number {
  if (context.header || !DECIMAL.test(value)) return value;
  const n = Number(value);
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? value : n;
}
