/**
 * The embedded view store on DuckDB (`<data-dir>/views.duckdb`): an analytical, columnar file that
 * serves view reads, archives and ad-hoc SQL in the same process, with no service to run.
 *
 * Writes go through one connection, one at a time (a promise chain), each batch in one transaction:
 * the rows are appended to a per-connection TEMP staging table and merged with
 * `INSERT … SELECT … ON CONFLICT (view_key) DO UPDATE`. Appending through DuckDB's appender and merging
 * once is faster than a multi-row `INSERT … VALUES` with parameters for batches of 1–10k rows
 * (bench/views/upsert.ts measures both: `upsertMethod`).
 *
 * The SQL sandbox (`query`) stacks four layers, any one of which blocks the attacks the contract
 * suite tries:
 * 1. the database instance runs with `enable_external_access = false` (no file or network access:
 *    read_csv, COPY, ATTACH, INSTALL/LOAD fail; DuckDB refuses to turn it back on while running) and
 *    extension autoloading off;
 * 2. `sql-guard.ts` rejects anything but one SELECT-like statement and write keywords anywhere;
 * 3. DuckDB extracts the statements (exactly one) and prepares it: its type must be SELECT;
 * 4. it runs on a fresh connection of its own (the store's write connection is never exposed),
 *    is interrupted after `timeoutMs` and read in chunks only up to `maxRows`.
 * `lock_configuration` is not set because each query connection sets its own `search_path` (the app
 * schema); a user cannot reach SET since only SELECT statements run.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from '@duckdb/node-api';
import { isStreamsightError, StreamsightError } from '../errors/index.ts';
import type { LogRecord } from '../log/log.ts';
import { checkReadOnlySql } from './sql-guard.ts';
import {
  ARCHIVE_COLUMNS,
  archiveNotFound,
  archiveRows,
  archiveTableOf,
  CATALOG_SQL,
  checkSqlOptions,
  checkViewDefinition,
  columnsOf,
  conflictClause,
  fitValue,
  fromStored,
  listViewsSql,
  META,
  planRead,
  prepareBatch,
  queryTimeout,
  quoteIdent,
  type StoredTable,
  schemaOf,
  storedRow,
  tableClash,
  tableOf,
  tableRef,
  viewNotFound,
} from './view-schema.ts';
import type {
  ColumnType,
  SqlOptions,
  SqlResult,
  ViewDefinition,
  ViewInfo,
  ViewPage,
  ViewQuery,
  ViewRow,
  ViewStore,
} from './view-store.ts';

export interface DuckDbViewStoreOptions {
  /** The database file, or ':memory:'. */
  path: string;
  /** Open the file read-only (the CLI's `query` when no server runs): every write fails. */
  readOnly?: boolean;
  /** How batches are written (default 'appender'; 'insert' exists for the benchmark). */
  upsertMethod?: 'appender' | 'insert';
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  threads?: number;
}

const SQL_TYPES: Record<ColumnType, string> = {
  text: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  json: 'JSON',
};

interface TableMeta extends StoredTable {
  retentionMs: number | undefined;
  /** Column list of the TEMP staging table, when it exists on the write connection. */
  staged?: string;
}

/**
 * Opens (creating when needed) a DuckDB view store.
 *
 * @example
 * const store = await openDuckDbViewStore({ path: '.streamsight/views.duckdb' });
 * await store.ensureView({ app: 'shop', name: 'revenue' });
 * await store.upsert('shop', 'revenue', [{ viewKey: 'alice', timestamp: Date.now(), value: { total: 42 } }]);
 * const { rows } = await store.query('SELECT * FROM revenue ORDER BY total DESC', { app: 'shop' });
 */
export async function openDuckDbViewStore(options: DuckDbViewStoreOptions): Promise<DuckDbViewStore> {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openDuckDbViewStore: path must be a file path or ":memory:"',
    );
  }
  const method = options.upsertMethod ?? 'appender';
  if (method !== 'appender' && method !== 'insert') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openDuckDbViewStore: upsertMethod must be "appender" or "insert"',
    );
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openDuckDbViewStore: threads must be a positive integer',
    );
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const config: Record<string, string> = {
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
  };
  if (options.readOnly) config.access_mode = 'READ_ONLY';
  if (options.threads !== undefined) config.threads = String(options.threads);
  let instance: DuckDBInstance;
  try {
    if (options.path !== ':memory:' && !options.readOnly)
      mkdirSync(dirname(options.path), { recursive: true });
    instance = await DuckDBInstance.create(options.path, config);
  } catch (cause) {
    throw new StreamsightError(
      'SS_ERR_STORAGE',
      `cannot open the view store ${options.path}: ${message(cause)}`,
      {
        cause,
        details: { path: options.path },
      },
    );
  }
  const conn = await instance.connect();
  const store = new DuckDbViewStore(instance, conn, method, options.readOnly ?? false);
  if (!options.readOnly) {
    await store.run(`CREATE SCHEMA IF NOT EXISTS ${META}`);
    await store.run(
      `CREATE TABLE IF NOT EXISTS ${META}.views (app VARCHAR, name VARCHAR, schema_name VARCHAR,
        table_name VARCHAR, retention_ms BIGINT, PRIMARY KEY (app, name))`,
    );
    await store.run(
      `CREATE TABLE IF NOT EXISTS ${META}.archives (app VARCHAR, topic VARCHAR, schema_name VARCHAR,
        table_name VARCHAR, PRIMARY KEY (app, topic))`,
    );
  }
  return store;
}

/** The DuckDB `ViewStore`; create it with `openDuckDbViewStore`. */
export class DuckDbViewStore implements ViewStore {
  readonly #instance: DuckDBInstance;
  readonly #conn: DuckDBConnection;
  readonly #method: 'appender' | 'insert';
  readonly #readOnly: boolean;
  readonly #views = new Map<string, TableMeta>();
  readonly #archives = new Map<string, TableMeta>();
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    method: 'appender' | 'insert',
    readOnly: boolean,
  ) {
    this.#instance = instance;
    this.#conn = conn;
    this.#method = method;
    this.#readOnly = readOnly;
  }

  /** Runs internal SQL on the write connection, after every earlier write. */
  run(sql: string, params?: (string | number | boolean | null)[]): Promise<void> {
    return this.#exclusive(async () => {
      await this.#conn.run(sql, params);
    });
  }

  async ensureView(def: ViewDefinition): Promise<void> {
    this.#check();
    const { schema, table, retentionMs } = checkViewDefinition(def);
    await this.#exclusive(async () => {
      const clash = await this.#rows(CATALOG_SQL.clash, [schema, table, def.name]);
      if (clash.length > 0) throw tableClash(def, schema, table, clash[0].name);
      await this.#conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await this.#conn.run(
        `CREATE TABLE IF NOT EXISTS ${tableRef(schema, table)} (view_key VARCHAR PRIMARY KEY, updated_at BIGINT NOT NULL)`,
      );
      await this.#conn.run(CATALOG_SQL.registerView, [def.app, def.name, schema, table, retentionMs]);
      this.#views.delete(`${def.app}/${def.name}`);
    });
  }

  async upsert(app: string, view: string, rows: ViewRow[]): Promise<void> {
    this.#check();
    const batch = prepareBatch(rows, (await this.#view(app, view)).columns);
    if (batch.rows.length === 0) return;
    await this.#exclusive(async () => {
      // The cached meta as of now, in write order: the one every later read plans against.
      const meta = await this.#viewNow(app, view);
      for (const c of batch.newColumns) {
        if (meta.columns.has(c.name)) continue;
        await this.#conn.run(
          `ALTER TABLE ${tableRef(meta.schema, meta.table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`,
        );
        meta.columns.set(c.name, c.type);
      }
      await this.#merge(meta, batch.rows, 'update');
    });
  }

  async read(app: string, view: string, query?: ViewQuery): Promise<ViewPage> {
    this.#check();
    const meta = await this.#view(app, view);
    const plan = planRead(meta.schema, meta.table, meta.columns, query);
    const conn = await this.#instance.connect();
    try {
      const page = await conn.runAndReadAll(plan.page, plan.params);
      const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${plan.from}`, plan.params);
      return {
        columns: columnsOf(meta.columns),
        rows: page.getRowObjectsJS().map((r) => storedRow(r, meta.columns)),
        total: Number(count.getRows()[0][0]),
      };
    } finally {
      conn.closeSync();
    }
  }

  async listViews(app?: string): Promise<ViewInfo[]> {
    this.#check();
    const { sql, params } = listViewsSql(app);
    const list = await this.#exclusive(() => this.#rows(sql, params)).catch((err) => {
      // A read-only store over a file no writer has prepared holds no views.
      if (this.#readOnly && /Catalog Error/.test(message(err))) return [];
      throw err;
    });
    const out: ViewInfo[] = [];
    for (const r of list) {
      const meta = await this.#view(String(r.app), String(r.name));
      const n = await this.#exclusive(() =>
        this.#rows(`SELECT count(*) AS n FROM ${tableRef(meta.schema, meta.table)}`),
      );
      out.push({
        app: meta.app,
        name: meta.name,
        table: `${meta.schema}.${meta.table}`,
        columns: columnsOf(meta.columns),
        rows: Number(n[0].n),
      });
    }
    return out;
  }

  async ensureArchive(app: string, topic: string): Promise<void> {
    this.#check();
    const schema = schemaOf(app);
    const table = archiveTableOf(topic);
    await this.#exclusive(async () => {
      await this.#conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await this.#conn.run(
        `CREATE TABLE IF NOT EXISTS ${tableRef(schema, table)} (partition BIGINT NOT NULL,
          "offset" BIGINT NOT NULL, timestamp BIGINT NOT NULL, key VARCHAR, value JSON, headers JSON,
          PRIMARY KEY (partition, "offset"))`,
      );
      await this.#conn.run(CATALOG_SQL.registerArchive, [app, topic, schema, table]);
    });
  }

  async archive(app: string, topic: string, records: LogRecord[]): Promise<void> {
    this.#check();
    if (!Array.isArray(records))
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'archive: records must be an array');
    const key = `${app}/${topic}`;
    let meta = this.#archives.get(key);
    if (!meta) {
      const found = await this.#exclusive(() => this.#rows(CATALOG_SQL.findArchive, [app, topic]));
      if (found.length === 0) throw archiveNotFound(app, topic);
      meta = {
        app,
        name: topic,
        schema: String(found[0].schema_name),
        table: String(found[0].table_name),
        columns: new Map(ARCHIVE_COLUMNS.map((c) => [c.name, c.type])),
        retentionMs: undefined,
      };
      this.#archives.set(key, meta);
    }
    const rows = archiveRows(records);
    if (rows.length === 0) return;
    const m = meta;
    await this.#exclusive(() => this.#merge(m, rows, 'nothing'));
  }

  async query(sql: string, options?: SqlOptions): Promise<SqlResult> {
    this.#check();
    const o = checkSqlOptions(sql, options);
    checkReadOnlySql(sql);
    const { StatementType, JSDuckDBValueConverter } = await import('@duckdb/node-api');
    const conn = await this.#instance.connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, o.timeoutMs);
    try {
      if (o.schema !== undefined) {
        const exists = await conn.runAndReadAll('SELECT 1 FROM duckdb_schemas() WHERE schema_name = $1', [
          o.schema,
        ]);
        // schemaOf() admits only [a-z0-9_], so the name is safe inside the literal.
        if (exists.currentRowCount > 0) await conn.run(`SET search_path = '${o.schema},main'`);
      }
      const extracted = await conn.extractStatements(sql);
      if (extracted.count !== 1)
        throw new StreamsightError('SS_ERR_QUERY_REJECTED', 'only one statement is allowed');
      const prepared = await extracted.prepare(0);
      if (prepared.statementType !== StatementType.SELECT) {
        throw new StreamsightError('SS_ERR_QUERY_REJECTED', 'only SELECT statements are allowed');
      }
      if (prepared.parameterCount !== o.params.length) {
        throw new StreamsightError(
          'SS_ERR_INVALID_QUERY',
          `the statement has ${prepared.parameterCount} parameters, ${o.params.length} given`,
        );
      }
      if (o.params.length > 0) prepared.bind(o.params);
      const result = await prepared.stream();
      const names = result.deduplicatedColumnNames();
      const types = result.columnTypes();
      const columns = names.map((name, i) => ({ name, type: columnTypeOfDuckDb(types[i]) }));
      const rows: Record<string, unknown>[] = [];
      let truncated = false;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const values of chunk.convertRows(JSDuckDBValueConverter)) {
          if (rows.length === o.maxRows) {
            truncated = true;
            break;
          }
          const row: Record<string, unknown> = {};
          // JSON columns come back parsed, as PostgreSQL's driver returns them.
          for (let i = 0; i < names.length; i++)
            row[names[i]] = fromStored(plain(values[i]), columns[i].type);
          rows.push(row);
        }
        if (truncated) break;
      }
      return { columns, rows, truncated };
    } catch (err) {
      throw sqlError(err, timedOut, o.timeoutMs);
    } finally {
      clearTimeout(timer);
      conn.closeSync();
    }
  }

  async enforceRetention(now: number = Date.now()): Promise<void> {
    this.#check();
    const list = await this.#exclusive(() => this.#rows(CATALOG_SQL.retained));
    for (const r of list) {
      await this.run(
        `DELETE FROM ${tableRef(String(r.schema_name), String(r.table_name))} WHERE updated_at < $1`,
        [now - Number(r.retention_ms)],
      );
    }
  }

  async dropApp(app: string): Promise<void> {
    this.#check();
    const schema = schemaOf(app);
    await this.#exclusive(async () => {
      await this.#conn.run(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await this.#conn.run(CATALOG_SQL.dropViews, [app]);
      await this.#conn.run(CATALOG_SQL.dropArchives, [app]);
    });
    for (const map of [this.#views, this.#archives]) {
      for (const [key, meta] of map) if (meta.app === app) map.delete(key);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chain.catch(() => {});
    this.#conn.closeSync();
    this.#instance.closeSync();
  }

  #check(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the view store is closed');
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => {});
    return next.catch((err) => {
      throw isStreamsightError(err)
        ? err
        : new StreamsightError('SS_ERR_STORAGE', `view store: ${message(err)}`, { cause: err });
    });
  }

  async #rows(
    sql: string,
    params: (string | number | boolean | null)[] = [],
  ): Promise<Record<string, unknown>[]> {
    return (await this.#conn.runAndReadAll(sql, params)).getRowObjectsJS();
  }

  /** The view's metadata, loaded once from the catalog; SS_ERR_VIEW_NOT_FOUND when it was never ensured. */
  async #view(app: string, view: string): Promise<TableMeta> {
    const cached = this.#views.get(`${app}/${view}`);
    if (cached) return cached;
    schemaOf(app);
    tableOf(view);
    return this.#exclusive(() => this.#viewNow(app, view));
  }

  /**
   * Inside an exclusive section: the view's cached meta, or its meta read from the catalog and
   * cached. Read and cached in write order, so a lookup queued behind a write that added columns
   * cannot cache the columns from before it (readers would then reject the new columns as unknown).
   */
  async #viewNow(app: string, view: string): Promise<TableMeta> {
    const key = `${app}/${view}`;
    const cached = this.#views.get(key);
    if (cached) return cached;
    let found: Record<string, unknown>[] = [];
    try {
      found = await this.#rows(
        `SELECT schema_name, table_name, retention_ms FROM ${META}.views WHERE app = $1 AND name = $2`,
        [app, view],
      );
    } catch (err) {
      if (!(this.#readOnly && /Catalog Error/.test(message(err)))) throw err;
    }
    if (found.length === 0) throw viewNotFound(app, view);
    const schema = String(found[0].schema_name);
    const table = String(found[0].table_name);
    const cols = await this.#rows(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = $1 AND table_name = $2 ORDER BY column_index`,
      [schema, table],
    );
    const columns = new Map<string, ColumnType>();
    for (const c of cols) columns.set(String(c.column_name), columnTypeOfName(String(c.data_type)));
    const retention = found[0].retention_ms;
    const meta: TableMeta = {
      app,
      name: view,
      schema,
      table,
      columns,
      retentionMs: retention === null ? undefined : Number(retention),
    };
    this.#views.set(key, meta);
    return meta;
  }

  /** Writes flattened rows in one transaction: stage, then merge (update or ignore conflicts). */
  async #merge(
    meta: TableMeta,
    rows: Record<string, unknown>[],
    conflict: 'update' | 'nothing',
  ): Promise<void> {
    const names = [...meta.columns.keys()];
    const target = tableRef(meta.schema, meta.table);
    const list = names.map(quoteIdent).join(', ');
    const onConflict = conflictClause(names, conflict);
    const types = names.map((n) => meta.columns.get(n) as ColumnType);
    await this.#conn.run('BEGIN TRANSACTION');
    try {
      if (this.#method === 'insert') {
        // Chunks keep the parameter count of one statement moderate.
        const per = Math.max(1, Math.floor(2000 / names.length));
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          const params: (string | number | boolean | null)[] = [];
          const tuples = chunk.map((row) => {
            const slots = names.map((n, c) => {
              params.push(fitValue(types[c], row[n]));
              return `$${params.length}`;
            });
            return `(${slots.join(', ')})`;
          });
          await this.#conn.run(
            `INSERT INTO ${target} (${list}) VALUES ${tuples.join(', ')} ${onConflict}`,
            params,
          );
        }
      } else {
        const stage = `stage_${meta.schema}_${meta.table}`.slice(0, 63);
        if (meta.staged !== list) {
          await this.#conn.run(
            `CREATE OR REPLACE TEMP TABLE ${quoteIdent(stage)} AS SELECT ${list} FROM ${target} LIMIT 0`,
          );
          meta.staged = list;
        }
        const appender = await this.#conn.createAppender(stage, 'main', 'temp');
        try {
          for (const row of rows) {
            for (let c = 0; c < names.length; c++) {
              const v = fitValue(types[c], row[names[c]]);
              if (v === null) appender.appendNull();
              else if (types[c] === 'bigint') appender.appendBigInt(BigInt(v as number));
              else if (types[c] === 'double') appender.appendDouble(v as number);
              else if (types[c] === 'boolean') appender.appendBoolean(v as boolean);
              else appender.appendVarchar(v as string);
            }
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
        await this.#conn.run(
          `INSERT INTO ${target} (${list}) SELECT ${list} FROM temp.main.${quoteIdent(stage)} ${onConflict}`,
        );
        await this.#conn.run(`DELETE FROM temp.main.${quoteIdent(stage)}`);
      }
      await this.#conn.run('COMMIT');
    } catch (err) {
      await this.#conn.run('ROLLBACK').catch(() => {});
      // The staging table may be gone with the rolled-back transaction: recreate it next time.
      meta.staged = undefined;
      throw err;
    }
  }
}

function columnTypeOfName(t: string): ColumnType {
  if (t === 'JSON') return 'json';
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT)$/.test(t))
    return 'bigint';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(t)) return 'double';
  if (/^(VARCHAR|TEXT|STRING)/.test(t)) return 'text';
  return /\[|STRUCT|MAP|LIST|UNION/.test(t) ? 'json' : 'text';
}

function columnTypeOfDuckDb(type: DuckDBType): ColumnType {
  return type.alias === 'JSON' ? 'json' : columnTypeOfName(String(type));
}

/** A JS value fit for JSON: bigints as numbers (strings when not exact), nested values converted. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps a DuckDB error of a user query to a coded error. */
function sqlError(err: unknown, timedOut: boolean, timeoutMs: number): StreamsightError {
  if (isStreamsightError(err)) return err;
  const text = message(err);
  if (timedOut || /INTERRUPT/i.test(text)) {
    return queryTimeout(err, timeoutMs);
  }
  if (/Permission Error|read-only|external access/i.test(text)) {
    return new StreamsightError('SS_ERR_QUERY_REJECTED', text.split('\n')[0], { cause: err });
  }
  return new StreamsightError('SS_ERR_INVALID_QUERY', text.split('\n')[0], { cause: err });
}
