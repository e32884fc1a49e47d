/**
 * What both view stores share: SQL names for apps, views and archived topics, the catalog statements,
 * the columns a batch of upserts needs, input validation of definitions, rows and reads, the SQL of a
 * page read and of a merge's conflict clause, and the conversion of stored values back to JS.
 * Identifiers reach SQL only through `quoteIdent`, which accepts nothing but plain names.
 */

import { StreamsightError } from '../errors/index.ts';
import type { LogRecord } from '../log/log.ts';
import { flattenRow, UPDATED_AT_COLUMN, VIEW_KEY_COLUMN } from './flatten.ts';
import type { ColumnType, ViewColumn, ViewDefinition, ViewQuery, ViewRow } from './view-store.ts';

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

/** The schema of the catalog: `views` (with retention) and `archives`, each row naming its table. */
export const META = 'streamsight_meta';

/** Catalog statements both stores run as they are (`$n` parameters work in DuckDB and PostgreSQL). */
export const CATALOG_SQL = {
  /** Another view of the same name after `schemaOf`/`tableOf`: $1 schema, $2 table, $3 name. */
  clash: `SELECT name FROM ${META}.views WHERE schema_name = $1 AND table_name = $2 AND name <> $3`,
  /** $1 app, $2 name, $3 schema, $4 table, $5 retention (ms or null). */
  registerView: `INSERT INTO ${META}.views VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app, name) DO UPDATE SET retention_ms = excluded.retention_ms`,
  /** $1 app, $2 topic, $3 schema, $4 table. */
  registerArchive: `INSERT INTO ${META}.archives VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
  /** $1 app, $2 topic. */
  findArchive: `SELECT schema_name, table_name FROM ${META}.archives WHERE app = $1 AND topic = $2`,
  retained: `SELECT schema_name, table_name, retention_ms FROM ${META}.views WHERE retention_ms IS NOT NULL`,
  /** $1 app. */
  dropViews: `DELETE FROM ${META}.views WHERE app = $1`,
  /** $1 app. */
  dropArchives: `DELETE FROM ${META}.archives WHERE app = $1`,
} as const;

/** The views of one app ($1), or of all apps when `app` is undefined, with the parameters. */
export function listViewsSql(app: string | undefined): { sql: string; params: string[] } {
  if (app !== undefined) schemaOf(app);
  return {
    sql: `SELECT app, name FROM ${META}.views ${app === undefined ? '' : 'WHERE app = $1'} ORDER BY app, name`,
    params: app === undefined ? [] : [app],
  };
}

/** A view or archive table as a store caches it: names, and the columns with their types. */
export interface StoredTable {
  app: string;
  /** The view, or the archived topic. */
  name: string;
  schema: string;
  table: string;
  columns: Map<string, ColumnType>;
}

/** `"schema"."table"`. */
export function tableRef(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A checked view definition: its schema and table, and its retention as the catalog stores it. */
export function checkViewDefinition(def: ViewDefinition): {
  schema: string;
  table: string;
  retentionMs: number | null;
} {
  const schema = schemaOf(def?.app);
  const table = tableOf(def.name);
  const retention = def.retentionMs;
  if (
    retention !== undefined &&
    (typeof retention !== 'number' || !Number.isFinite(retention) || retention <= 0)
  ) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `view ${def.name}: retentionMs must be a positive number`,
    );
  }
  return { schema, table, retentionMs: retention === undefined ? null : Math.trunc(retention) };
}

/** The error of a view another view already holds the table of. */
export function tableClash(
  def: ViewDefinition,
  schema: string,
  table: string,
  other: unknown,
): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `view ${def.name} would share table ${schema}.${table} with view ${String(other)}`,
  );
}

/** The error of a read or write of a view the catalog does not list. */
export function viewNotFound(app: string, view: string): StreamsightError {
  return new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `app ${app} has no view ${view}`, {
    details: { app, view },
  });
}

/** The error of an archive write to a topic whose archive was never ensured. */
export function archiveNotFound(app: string, topic: string): StreamsightError {
  return new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `topic ${topic} of app ${app} has no archive`, {
    details: { app, topic },
  });
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

/** The columns of an archive table, keyed by (partition, offset). */
export const ARCHIVE_COLUMNS: ViewColumn[] = [
  { name: 'partition', type: 'bigint' },
  { name: 'offset', type: 'bigint' },
  { name: 'timestamp', type: 'bigint' },
  { name: 'key', type: 'text' },
  { name: 'value', type: 'json' },
  { name: 'headers', type: 'json' },
];

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

/** A page read: `SELECT * FROM <from> ORDER BY … LIMIT … OFFSET …` and the `from` its count reuses. */
export interface ReadPlan {
  /** `"schema"."table"` with the WHERE clause, when there is one. */
  from: string;
  /** The whole statement of the page. */
  page: string;
  /** The parameters of both, `$1`… in the WHERE clause. */
  params: (string | number | boolean)[];
}

/** Checks a read against the view's columns and builds its SQL: filters, time bounds, order and page. */
export function planRead(
  schema: string,
  table: string,
  columns: Map<string, ColumnType>,
  query: ViewQuery | undefined,
): ReadPlan {
  const q = checkViewQuery(query, columns);
  const params: (string | number | boolean)[] = [];
  const conds: string[] = [];
  for (const [name, value] of q.where) {
    const v = fitValue(columns.get(name) as ColumnType, value);
    if (v === null) {
      throw new StreamsightError('SS_ERR_INVALID_QUERY', `where.${name} does not fit the column's type`, {
        details: { column: name },
      });
    }
    params.push(v);
    conds.push(`${quoteIdent(name)} = $${params.length}`);
  }
  if (q.from !== undefined) {
    params.push(q.from);
    conds.push(`${quoteIdent(q.timeColumn)} >= $${params.length}`);
  }
  if (q.to !== undefined) {
    params.push(q.to);
    conds.push(`${quoteIdent(q.timeColumn)} < $${params.length}`);
  }
  const from = `${tableRef(schema, table)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
  const order = `${quoteIdent(q.orderBy)} ${q.desc ? 'DESC' : 'ASC'} NULLS LAST, view_key`;
  return {
    from,
    page: `SELECT * FROM ${from} ORDER BY ${order} LIMIT ${q.limit} OFFSET ${q.offset}`,
    params,
  };
}

/**
 * The conflict clause of a merge into a table of these columns: a view row replaces the one of its
 * key; an archive record already there (same partition and offset) is kept.
 */
export function conflictClause(names: string[], conflict: 'update' | 'nothing'): string {
  return conflict === 'update'
    ? `ON CONFLICT (view_key) DO UPDATE SET ${names
        .filter((n) => n !== 'view_key')
        .map((n) => `${quoteIdent(n)} = excluded.${quoteIdent(n)}`)
        .join(', ')}`
    : 'ON CONFLICT (partition, "offset") DO NOTHING';
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

/** The columns of a table, in their order. */
export function columnsOf(columns: Map<string, ColumnType>): ViewColumn[] {
  return [...columns].map(([name, type]) => ({ name, type }));
}

/** A row read back from a view table: `fromStored` on each value, bigints sent as text made numbers. */
export function storedRow(
  r: Record<string, unknown>,
  columns: Map<string, ColumnType>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in r) {
    const type = columns.get(name);
    const v = r[name];
    out[name] = type === 'bigint' && typeof v === 'string' ? numeric(v) : fromStored(v, type);
  }
  return out;
}

/** Numeric text as a number, unless it is an integer past 2^53 (kept as text, exact). */
export function numeric(s: string): number | string {
  const n = Number(s);
  return Number.isFinite(n) && (!/^-?\d+$/.test(s) || Number.isSafeInteger(n)) ? n : s;
}

/** The error of a user query the engine cancelled at its time limit. */
export function queryTimeout(cause: unknown, timeoutMs: number): StreamsightError {
  return new StreamsightError(
    'SS_ERR_QUERY_TIMEOUT',
    `the query ran past ${timeoutMs} ms and was cancelled`,
    {
      cause,
      details: { timeoutMs },
    },
  );
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
