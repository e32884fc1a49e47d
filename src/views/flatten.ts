/**
 * Flattening a view's value into SQL columns, shared by both view stores and the live channels so a
 * row looks the same wherever it is read.
 *
 * Rules (see view-store.ts):
 * - every row has `view_key` (the upsert id) and `updated_at` (the record timestamp, ms);
 * - a plain object value gives one column per field; a field holding a plain object gives one column
 *   per inner field, named `<outer>_<inner>`; anything deeper, and every array, is one JSON column;
 * - a window result's `start` / `end` become `window_start` / `window_end`, so `value: { n, sum }`
 *   gives `value_n`, `value_sum` next to `key`, `window_start`, `window_end`, `final`;
 * - a value that is not a plain object (a number, a string, an array) is one column `value`;
 * - a field named `view_key` or `updated_at` becomes `value_view_key` / `value_updated_at`;
 * - names are made SQL-safe: characters other than letters, digits and `_` become `_`, a leading
 *   digit gets a `_` prefix, names are cut at 63 characters (PostgreSQL's limit);
 * - arrays and deeper objects stay structures in the flattened row (live channels send them as they
 *   are); stores write them to JSON columns;
 * - `undefined` fields are left out; `Date`s become epoch ms; `bigint`s become numbers when exact,
 *   else strings; non-finite numbers become null.
 */

/** The reserved columns every view row has. */
export const VIEW_KEY_COLUMN = 'view_key';
export const UPDATED_AT_COLUMN = 'updated_at';

/**
 * Flattens one view row into columns.
 *
 * @example
 * flattenRow('item-7@60000', 61_000, { key: 'item-7', start: 60_000, end: 120_000, value: { n: 3 }, final: true });
 * // { view_key: 'item-7@60000', updated_at: 61000, key: 'item-7', window_start: 60000,
 * //   window_end: 120000, value_n: 3, final: true }
 */
export function flattenRow(viewKey: string, timestamp: number, value: unknown): Record<string, unknown> {
  const row: Record<string, unknown> = { [VIEW_KEY_COLUMN]: viewKey, [UPDATED_AT_COLUMN]: timestamp };
  if (!isPlainObject(value)) {
    const v = scalar(value);
    if (v !== undefined) row.value = v;
    return row;
  }
  const windowed = isWindowResult(value);
  for (const field of Object.keys(value)) {
    const v = value[field];
    if (v === undefined) continue;
    let name = field;
    if (windowed && field === 'start') name = 'window_start';
    else if (windowed && field === 'end') name = 'window_end';
    name = columnName(name);
    if (name === VIEW_KEY_COLUMN || name === UPDATED_AT_COLUMN) name = `value_${name}`;
    if (isPlainObject(v)) {
      for (const inner of Object.keys(v)) {
        const iv = v[inner];
        if (iv === undefined) continue;
        put(row, columnName(`${name}_${inner}`), scalar(iv));
      }
    } else {
      put(row, name, scalar(v));
    }
  }
  return row;
}

/** A SQL-safe column name for a field name (see the rules above). */
export function columnName(field: string): string {
  let name = field.replace(/[^A-Za-z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = `_${name}`;
  return name.slice(0, 63);
}

/** True for the window results of dataflow/windows.ts (numeric start and end). */
function isWindowResult(v: Record<string, unknown>): boolean {
  return typeof v.start === 'number' && typeof v.end === 'number' && 'value' in v;
}

function put(row: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined) return;
  // Two fields that sanitise to one name (`a-b` and `a_b`) keep both values: the later gets a suffix.
  let n = name;
  for (let i = 2; n in row; i++) n = `${name.slice(0, 60)}_${i}`;
  row[n] = value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A column value: scalars as they are; arrays and objects stay structures (stores write them as JSON). */
function scalar(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      if (v === null) return null;
      if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : null;
      return v;
  }
}

/** JSON text of a nested value for a JSON column (bigints as strings). */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
}
