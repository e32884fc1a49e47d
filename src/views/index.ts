/**
 * Views: where a pipeline's materialized results live for reads, live channels and SQL, and lookup
 * tables for enrichment. The embedded implementations (DuckDB, LMDB) are exported here; PostgreSQL and
 * Redis load only when imported from their own files (`./postgres-view-store.ts`,
 * `./redis-lookup-table.ts`), so `import 'streamsight'` never loads `pg` or `redis`.
 *
 * @example
 * import { materializeViews, openDuckDbViewStore } from './views/index.ts';
 * const store = await openDuckDbViewStore({ path: '.streamsight/views.duckdb' });
 * const materializer = await materializeViews(app, store, { log });
 */

export { type BatchJob, batchJobsOf, scheduleBatchJobs } from './batch-jobs.ts';
export { DuckDbViewStore, type DuckDbViewStoreOptions, openDuckDbViewStore } from './duckdb-view-store.ts';
export { columnName, flattenRow, UPDATED_AT_COLUMN, VIEW_KEY_COLUMN } from './flatten.ts';
export { type LmdbLookupTableOptions, openLmdbLookupTable } from './lmdb-lookup-table.ts';
export type { LookupTable } from './lookup-table.ts';
export { type MaterializeOptions, type Materializer, materializeViews } from './materialize.ts';
export { checkReadOnlySql } from './sql-guard.ts';
export { archiveTableOf, schemaOf, tableOf } from './view-schema.ts';
export type {
  ColumnType,
  SqlOptions,
  SqlResult,
  ViewColumn,
  ViewDefinition,
  ViewInfo,
  ViewPage,
  ViewQuery,
  ViewReader,
  ViewRow,
  ViewStore,
} from './view-store.ts';
export { appViewReader } from './view-store.ts';
