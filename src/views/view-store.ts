/**
 * The `ViewStore` seam: where views (a pipeline's materialized results) and topic archives live for
 * reads, paging, live channels and batch SQL. DuckDB is the embedded default (`duckdb-view-store.ts`);
 * PostgreSQL serves scaled-out deployments (`postgres-view-store.ts`). Both pass
 * `test/views/view-store-contract.ts`.
 *
 * Layout in SQL (both stores): one schema per app, one table per view, one table per archived topic
 * (`<topic>_archive`); names are lower-cased with `-` and `.` → `_` (a leading digit gets a `_`), so
 * they work unquoted in SQL. The schema `streamsight_meta` lists views (with retention) and archives.
 * A view table has:
 *
 *   view_key   TEXT PRIMARY KEY  -- the upsert id (`viewKey` in dataflow/sink.ts): key, plus @window start
 *   updated_at BIGINT            -- the record timestamp (ms) of the latest upsert
 *   ...value columns             -- the value's fields, flattened: nested objects join names with `_`
 *                                    (a WindowResult gives key, window_start, window_end, value or
 *                                    value_<field>..., final); arrays and deeper objects are JSON
 *
 * Column types follow the first rows seen (text, double, bigint, boolean, json); a later field that
 * was not seen before is added as a column. Window bounds and timestamps are BIGINT epoch ms.
 *
 * Upserts are idempotent by `view_key`: a checkpoint replayed after a crash rewrites the same rows,
 * so a view never double counts.
 */

import { isStreamsightError } from '../errors/index.ts';
import type { LogRecord } from '../log/log.ts';

export type ColumnType = 'text' | 'double' | 'bigint' | 'boolean' | 'json';

export interface ViewColumn {
  name: string;
  type: ColumnType;
}

export interface ViewDefinition {
  app: string;
  /** The view name as given to `toView` (kebab-case allowed). */
  name: string;
  /** Delete rows whose `updated_at` is older than this (ms). Unset: keep forever. */
  retentionMs?: number;
}

/** One upsert: the view key and the value (flattened into columns by the store). */
export interface ViewRow {
  viewKey: string;
  timestamp: number;
  value: unknown;
}

export interface ViewQuery {
  /** Equality filters on columns (unknown columns are a SS_ERR_INVALID_QUERY error). */
  where?: Record<string, string | number | boolean>;
  /** Only rows with updated_at (or window_start, when windowed) in [from, to). */
  from?: number;
  to?: number;
  orderBy?: string;
  desc?: boolean;
  /** Default 100, at most 10,000. */
  limit?: number;
  offset?: number;
}

export interface ViewPage {
  columns: ViewColumn[];
  rows: Record<string, unknown>[];
  /** Rows matching the filters, ignoring limit and offset. */
  total: number;
}

export interface ViewInfo {
  app: string;
  name: string;
  /** `<schema>.<table>` to use in SQL. */
  table: string;
  columns: ViewColumn[];
  rows: number;
}

export interface SqlOptions {
  /** Positional parameters ($1, $2, ...). */
  params?: (string | number | boolean | null)[];
  /** Schema searched first for unqualified names (an app's schema). */
  app?: string;
  /** Cut the result at this many rows (default 10,000) and say so in `truncated`. */
  maxRows?: number;
  /** Cancel the statement after this long (default 5,000 ms): SS_ERR_QUERY_TIMEOUT. */
  timeoutMs?: number;
}

export interface SqlResult {
  columns: ViewColumn[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/**
 * One app's views, read the way its store reads them (`ViewStore.read` with the app fixed): what an
 * app's status lines (`report`) get.
 */
export type ViewReader = (view: string, query?: ViewQuery) => Promise<ViewPage>;

/**
 * The reader of one app's views in `store`. A view gets its columns with its first rows, so until
 * then a query naming them (SS_ERR_INVALID_QUERY) reads as no rows.
 *
 * @example
 * const lines = await report(appViewReader(store, 'meetup-rsvp'));
 */
export function appViewReader(store: ViewStore, app: string): ViewReader {
  return (view, query) =>
    store.read(app, view, query).catch((err: unknown) => {
      if (isStreamsightError(err, 'SS_ERR_INVALID_QUERY')) return { columns: [], rows: [], total: 0 };
      throw err;
    });
}

export interface ViewStore {
  /** Creates the view's table if needed. Idempotent. */
  ensureView(def: ViewDefinition): Promise<void>;
  /** Idempotent upserts (latest row per view key wins; later rows in the array win). */
  upsert(app: string, view: string, rows: ViewRow[]): Promise<void>;
  read(app: string, view: string, query?: ViewQuery): Promise<ViewPage>;
  listViews(app?: string): Promise<ViewInfo[]>;
  /** Creates the archive table of a topic. Idempotent. */
  ensureArchive(app: string, topic: string): Promise<void>;
  /**
   * Archives raw records, idempotently by (partition, offset). Columns: partition, "offset",
   * timestamp (ms), key (text), value (JSON when the value parses as JSON, else text).
   */
  archive(app: string, topic: string, records: LogRecord[]): Promise<void>;
  /**
   * Runs one read-only SQL statement (SELECT / WITH ... SELECT). Anything else — several statements,
   * writes, DDL, file or network access — fails with SS_ERR_QUERY_REJECTED; nothing is changed.
   */
  query(sql: string, options?: SqlOptions): Promise<SqlResult>;
  /** Deletes rows past each view's retention. */
  enforceRetention(now?: number): Promise<void>;
  /** Deletes every view and archive of an app (its schema). Idempotent. */
  dropApp(app: string): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
