/**
 * What both view stores share: SQL names for apps, views and archived topics, the columns a batch of
 * upserts needs, input validation of rows and reads, and the conversion of stored values back to JS.
 * Identifiers reach SQL only through `quoteIdent`, which accepts nothing but plain names.
 */

import { StreamsightError } from '../errors/index.ts';
import type { LogRecord } from '../log/log.ts';
import { flattenRow, UPDATED_AT_COLUMN, VIEW_KEY_COLUMN } from './flatten.ts';
import type { ColumnType, ViewColumn, ViewQuery, ViewRow } from './view-store.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema of an app: lower case, `-` and `.` → `_`, prefixed with `_` when it starts with a digit. */
export function schemaOf(app: string): string {
  return sqlName('app', app);
}

/** The table of a view in its app's schema. */
export function tableOf(view: string): string {
  return sqlName('view', view);
}

/** The table holding a topic's raw archive: `<topic>_archive`. */
export function archiveTableOf(topic: string): string {
  return `${sqlName('topic', topic).slice(0, 55)}_archive`;
}

function sqlName(kind: string, name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${kind} name ${JSON.stringify(name)} must match ${NAME}`,
      {
        details: { [kind]: name },
      },
    );
  }
  const s = name.toLowerCase().replace(/[-.]/g, '_');
  return (/^[0-9]/.test(s) ? `_${s}` : s).slice(0, 63);
}

/** `"name"` for a plain identifier; anything else is a programming error here, never user text. */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_QUERY',
      `${JSON.stringify(name)} is not a valid column or table name`,
    );
  }
  return `"${name}"`;
}

/** The type a first value gives a column (undefined for null: decided by a later value). */
export function columnTypeOf(name: string, value: unknown): ColumnType | undefined {
  if (name === UPDATED_AT_COLUMN || name === 'window_start' || name === 'window_end') return 'bigint';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'object':
      return value === null ? undefined : 'json';
    default:
      return undefined;
  }
}

/** A value converted to fit its column (a value of another type is coerced, or NULL when it cannot be). */
export function fitValue(type: ColumnType, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'text':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'double': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      return Number.isFinite(n) ? n : null;
    }
    case 'bigint': {
      const n = typeof value === 'number' ? Math.trunc(value) : Number.NaN;
      return Number.isSafeInteger(n) ? n : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'json':
      return JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? null;
  }
}

/** The reserved columns of every view table. */
export const BASE_COLUMNS: ViewColumn[] = [
  { name: VIEW_KEY_COLUMN, type: 'text' },
  { name: UPDATED_AT_COLUMN, type: 'bigint' },
];

/** A batch ready to write: one flattened row per view key (the last wins), and columns not yet known. */
export interface PreparedBatch {
  rows: Record<string, unknown>[];
  newColumns: ViewColumn[];
}

/**
 * Validates, deduplicates (later rows win, as the upsert contract says) and flattens a batch, and
 * lists the columns the table lacks. A column seen only with nulls waits for a typed value.
 */
export function prepareBatch(rows: ViewRow[], known: Map<string, ColumnType>): PreparedBatch {
  if (!Array.isArray(rows)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'upsert: rows must be an array');
  }
  const latest = new Map<string, ViewRow>();
  for (const r of rows) {
    if (typeof r?.viewKey !== 'string' || typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        'upsert: every row needs a string viewKey and a finite timestamp',
        { details: { viewKey: r?.viewKey, timestamp: r?.timestamp } },
      );
    }
    latest.delete(r.viewKey); // re-insert so the Map keeps the order of last writes
    latest.set(r.viewKey, r);
  }
  const flat: Record<string, unknown>[] = [];
  const added = new Map<string, ColumnType>();
  for (const r of latest.values()) {
    const row = flattenRow(r.viewKey, Math.trunc(r.timestamp), r.value);
    flat.push(row);
    for (const name in row) {
      if (known.has(name) || added.has(name)) continue;
      const type = columnTypeOf(name, row[name]);
      if (type !== undefined) added.set(name, type);
    }
  }
  return { rows: flat, newColumns: [...added].map(([name, type]) => ({ name, type })) };
}

/** A validated read: page bounds, and filters and order on known columns only. */
export interface CheckedQuery {
  where: [string, string | number | boolean][];
  timeColumn: string;
  from: number | undefined;
  to: number | undefined;
  orderBy: string;
  desc: boolean;
  limit: number;
  offset: number;
}

export function checkViewQuery(query: ViewQuery | undefined, columns: Map<string, ColumnType>): CheckedQuery {
  const q = query ?? {};
  if (typeof q !== 'object') throw invalid('the query must be an object');
  const where: [string, string | number | boolean][] = [];
  if (q.where !== undefined) {
    if (q.where === null || typeof q.where !== 'object') throw invalid('where must be an object');
    for (const [name, value] of Object.entries(q.where)) {
      if (!columns.has(name)) throw invalid(`unknown column ${JSON.stringify(name)} in where`, name);
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw invalid(`where.${name} must be a string, number or boolean`, name);
      }
      where.push([name, value]);
    }
  }
  for (const bound of ['from', 'to'] as const) {
    if (q[bound] !== undefined && (typeof q[bound] !== 'number' || !Number.isFinite(q[bound]))) {
      throw invalid(`${bound} must be a finite number (epoch ms)`);
    }
  }
  const orderBy = q.orderBy ?? VIEW_KEY_COLUMN;
  if (typeof orderBy !== 'string' || !columns.has(orderBy)) {
    throw invalid(`unknown column ${JSON.stringify(orderBy)} in orderBy`, String(orderBy));
  }
  if (q.desc !== undefined && typeof q.desc !== 'boolean') throw invalid('desc must be a boolean');
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw invalid('limit must be an integer in 1..10000');
  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer');
  return {
    where,
    timeColumn: columns.has('window_start') ? 'window_start' : UPDATED_AT_COLUMN,
    from: q.from,
    to: q.to,
    orderBy,
    desc: q.desc ?? false,
    limit,
    offset,
  };
}

function invalid(message: string, column?: string): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_QUERY',
    message,
    column === undefined ? {} : { details: { column } },
  );
}

/** A value read back from a store: bigints as numbers (strings when not exact), JSON columns parsed. */
export function fromStored(value: unknown, type: ColumnType | undefined): unknown {
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (type === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Validates SQL options shared by both stores. */
export function checkSqlOptions(
  sql: unknown,
  options: { params?: unknown; maxRows?: unknown; timeoutMs?: unknown; app?: unknown } | undefined,
): {
  params: (string | number | boolean | null)[];
  maxRows: number;
  timeoutMs: number;
  schema: string | undefined;
} {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new StreamsightError('SS_ERR_INVALID_QUERY', 'the SQL text must be a non-empty string');
  }
  if (sql.length > 100_000)
    throw new StreamsightError('SS_ERR_INVALID_QUERY', 'the SQL text is longer than 100,000 characters');
  const o = options ?? {};
  const params = o.params ?? [];
  if (!Array.isArray(params) || params.length > 1000) {
    throw new StreamsightError('SS_ERR_INVALID_QUERY', 'params must be an array of at most 1000 values');
  }
  for (const p of params) {
    if (p !== null && !['string', 'number', 'boolean'].includes(typeof p)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_QUERY',
        'each param must be a string, number, boolean or null',
      );
    }
    if (typeof p === 'number' && !Number.isFinite(p)) {
      throw new StreamsightError('SS_ERR_INVALID_QUERY', 'numeric params must be finite');
    }
  }
  const maxRows = o.maxRows ?? 10_000;
  if (!Number.isInteger(maxRows) || (maxRows as number) < 1 || (maxRows as number) > 1_000_000) {
    throw new StreamsightError('SS_ERR_INVALID_QUERY', 'maxRows must be an integer in 1..1000000');
  }
  const timeoutMs = o.timeoutMs ?? 5_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new StreamsightError('SS_ERR_INVALID_QUERY', 'timeoutMs must be a number in 1..600000');
  }
  const schema = o.app === undefined ? undefined : schemaOf(o.app as string);
  return {
    params: params as (string | number | boolean | null)[],
    maxRows: maxRows as number,
    timeoutMs,
    schema,
  };
}

/** Archive rows of log records, one per (partition, offset). */
export function archiveRows(records: LogRecord[]): Record<string, unknown>[] {
  const seen = new Map<string, Record<string, unknown>>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for (const r of records) {
    if (!Number.isInteger(r?.partition) || !Number.isInteger(r.offset)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        'archive: every record needs an integer partition and offset',
      );
    }
    seen.set(`${r.partition}:${r.offset}`, {
      partition: r.partition,
      offset: r.offset,
      timestamp: Math.trunc(r.timestamp),
      key: r.key === null ? null : new TextDecoder().decode(r.key),
      value: r.value === null ? null : archivedValue(r.value, utf8),
      headers: r.headers ?? {},
    });
  }
  return [...seen.values()];
}

/** The value as JSON: parsed when it is JSON text, else the text, else base64 of the bytes. */
function archivedValue(bytes: Uint8Array, utf8: { decode(b: Uint8Array): string }): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
