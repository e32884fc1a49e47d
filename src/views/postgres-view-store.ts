/**
 * The PostgreSQL view store, for scaled-out deployments: every worker writes views to it and every
 * server reads them, so servers stay stateless. `pg` and `pg-copy-streams` load only when it opens.
 *
 * Writes: one upsert batch is one transaction on one pooled connection —
 * `COPY` the rows into a TEMP staging table (`ON COMMIT DROP`), then
 * `INSERT … SELECT … ON CONFLICT (view_key) DO UPDATE`. COPY moves a 10k-row batch in one round trip
 * without a parameter per value; the merge makes a replayed batch harmless. New columns are added with
 * `ADD COLUMN IF NOT EXISTS` before the transaction, so concurrent writers agree.
 *
 * The read-only SQL sandbox (`query`), each layer on its own enough for the contract's attacks:
 * 1. `sql-guard.ts`: one SELECT-like statement, no write keywords, no functions that escape
 *    (set_config, server files, dblink, SQL-in-a-string);
 * 2. the extended protocol (`queryMode: 'extended'`): PostgreSQL refuses several statements;
 * 3. `BEGIN READ ONLY` with `SET LOCAL statement_timeout`, always rolled back;
 * 4. `SET LOCAL ROLE streamsight_query` when that role exists or can be created: a NOLOGIN role
 *    with USAGE and SELECT on the app schemas only, so even a superuser connection queries without
 *    file access or write rights.
 * Row caps wrap the statement as `SELECT * FROM (<sql>) q LIMIT maxRows + 1`.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
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
  listViewsSql,
  META,
  numeric,
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
  ViewColumn,
  ViewDefinition,
  ViewInfo,
  ViewPage,
  ViewQuery,
  ViewRow,
  ViewStore,
} from './view-store.ts';

export interface PostgresViewStoreOptions {
  /** A PostgreSQL connection string, e.g. `postgres://user@127.0.0.1:5432/db`. */
  url: string;
  /** Pool size (default 4). */
  maxConnections?: number;
  /**
   * The role user SQL runs as (default `streamsight_query`, created when missing and allowed);
   * `false` runs it as the connecting user (the other layers still apply).
   */
  queryRole?: string | false;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

const SQL_TYPES: Record<ColumnType, string> = {
  text: 'text',
  double: 'double precision',
  bigint: 'bigint',
  boolean: 'boolean',
  json: 'jsonb',
};

/**
 * Connects to PostgreSQL and prepares the metadata schema.
 *
 * @example
 * const store = await openPostgresViewStore({ url: process.env.STREAMSIGHT_POSTGRES_URL! });
 * await store.ensureView({ app: 'shop', name: 'revenue' });
 * const { rows } = await store.query('SELECT * FROM revenue', { app: 'shop' });
 */
export async function openPostgresViewStore(options: PostgresViewStoreOptions): Promise<PostgresViewStore> {
  if (typeof options?.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openPostgresViewStore: url must be a postgres:// URL',
      {
        details: { option: 'url' },
      },
    );
  }
  const max = options.maxConnections ?? 4;
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openPostgresViewStore: maxConnections must be in 1..100',
    );
  }
  const role = options.queryRole ?? 'streamsight_query';
  if (role !== false && (typeof role !== 'string' || !IDENT.test(role))) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `openPostgresViewStore: queryRole must match ${IDENT}`,
    );
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: options.url, max });
  pool.on('error', () => {}); // an idle client's lost connection surfaces on the next query
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${META}`);
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${META}.views (app text, name text, schema_name text NOT NULL,
        table_name text NOT NULL, retention_ms bigint, PRIMARY KEY (app, name))`,
    );
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${META}.archives (app text, topic text, schema_name text NOT NULL,
        table_name text NOT NULL, PRIMARY KEY (app, topic))`,
    );
  } catch (cause) {
    await pool.end().catch(() => {});
    throw pgError(cause, 'cannot prepare the view store');
  }
  const queryRole = role === false ? undefined : await prepareRole(pool, role);
  if (queryRole) await grantRead(pool, queryRole, META);
  return new PostgresViewStore(pool, queryRole);
}

/** Creates the query role when missing; returns it only when this connection may switch to it. */
async function prepareRole(pool: Pool, role: string): Promise<string | undefined> {
  await pool
    .query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF; END $$`,
    )
    .catch(() => {});
  await pool.query(`GRANT ${role} TO CURRENT_USER`).catch(() => {});
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${role}`);
    return role;
  } catch {
    return undefined;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

async function grantRead(pool: Pool, role: string, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  await pool.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
  await pool.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role}`);
  await pool.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${role}`);
}

/** The PostgreSQL `ViewStore`; create it with `openPostgresViewStore`. */
export class PostgresViewStore implements ViewStore {
  readonly #pool: Pool;
  readonly #role: string | undefined;
  readonly #views = new Map<string, StoredTable>();
  /** Bumped whenever cached metadata is dropped: a lookup that raced a drop does not cache. */
  #viewsGeneration = 0;
  readonly #archives = new Map<string, StoredTable>();
  #closed = false;

  constructor(pool: Pool, role: string | undefined) {
    this.#pool = pool;
    this.#role = role;
  }

  /** The role user SQL runs as, or undefined when it runs as the connecting user. */
  get queryRole(): string | undefined {
    return this.#role;
  }

  async ensureView(def: ViewDefinition): Promise<void> {
    this.#check();
    const { schema, table, retentionMs } = checkViewDefinition(def);
    await this.#run(async (c) => {
      const clash = await c.query(CATALOG_SQL.clash, [schema, table, def.name]);
      if (clash.rows.length > 0) throw tableClash(def, schema, table, clash.rows[0].name);
      await this.#ensureSchema(c, schema);
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${tableRef(schema, table)} (view_key text PRIMARY KEY, updated_at bigint NOT NULL)`,
      );
      await c.query(CATALOG_SQL.registerView, [def.app, def.name, schema, table, retentionMs]);
    });
    this.#forgetView(def.app, def.name);
  }

  async upsert(app: string, view: string, rows: ViewRow[]): Promise<void> {
    this.#check();
    const meta = await this.#view(app, view);
    const batch = prepareBatch(rows, meta.columns);
    if (batch.rows.length === 0) return;
    if (batch.newColumns.length > 0) {
      await this.#run(async (c) => {
        for (const col of batch.newColumns) {
          await c.query(
            `ALTER TABLE ${tableRef(meta.schema, meta.table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(col.name)} ${SQL_TYPES[col.type]}`,
          );
        }
      });
      // Another writer may have added a column first with another type: the catalog decides.
      this.#forgetView(app, view);
      const fresh = await this.#view(app, view);
      await this.#merge(fresh, batch.rows, 'update');
      return;
    }
    await this.#merge(meta, batch.rows, 'update');
  }

  async read(app: string, view: string, query?: ViewQuery): Promise<ViewPage> {
    this.#check();
    const meta = await this.#view(app, view);
    const plan = planRead(meta.schema, meta.table, meta.columns, query);
    const [page, count] = await this.#run(async (c) => [
      await c.query(plan.page, plan.params),
      await c.query(`SELECT count(*)::bigint AS n FROM ${plan.from}`, plan.params),
    ]);
    return {
      columns: columnsOf(meta.columns),
      rows: page.rows.map((r) => storedRow(r, meta.columns)),
      total: Number(count.rows[0].n),
    };
  }

  async listViews(app?: string): Promise<ViewInfo[]> {
    this.#check();
    const { sql, params } = listViewsSql(app);
    const list = await this.#run((c) => c.query(sql, params));
    const out: ViewInfo[] = [];
    for (const r of list.rows) {
      const meta = await this.#view(r.app, r.name);
      const n = await this.#run((c) =>
        c.query(`SELECT count(*)::bigint AS n FROM ${tableRef(meta.schema, meta.table)}`),
      );
      out.push({
        app: meta.app,
        name: meta.name,
        table: `${meta.schema}.${meta.table}`,
        columns: columnsOf(meta.columns),
        rows: Number(n.rows[0].n),
      });
    }
    return out;
  }

  async ensureArchive(app: string, topic: string): Promise<void> {
    this.#check();
    const schema = schemaOf(app);
    const table = archiveTableOf(topic);
    await this.#run(async (c) => {
      await this.#ensureSchema(c, schema);
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${tableRef(schema, table)} (partition bigint NOT NULL,
          "offset" bigint NOT NULL, timestamp bigint NOT NULL, key text, value jsonb, headers jsonb,
          PRIMARY KEY (partition, "offset"))`,
      );
      await c.query(CATALOG_SQL.registerArchive, [app, topic, schema, table]);
    });
  }

  async archive(app: string, topic: string, records: LogRecord[]): Promise<void> {
    this.#check();
    if (!Array.isArray(records))
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'archive: records must be an array');
    const key = `${app}/${topic}`;
    let meta = this.#archives.get(key);
    if (!meta) {
      const found = await this.#run((c) => c.query(CATALOG_SQL.findArchive, [app, topic]));
      if (found.rows.length === 0) throw archiveNotFound(app, topic);
      meta = {
        app,
        name: topic,
        schema: found.rows[0].schema_name,
        table: found.rows[0].table_name,
        columns: new Map(ARCHIVE_COLUMNS.map((c) => [c.name, c.type])),
      };
      this.#archives.set(key, meta);
    }
    const rows = archiveRows(records);
    if (rows.length > 0) await this.#merge(meta, rows, 'nothing');
  }

  async query(sql: string, options?: SqlOptions): Promise<SqlResult> {
    this.#check();
    const o = checkSqlOptions(sql, options);
    checkReadOnlySql(sql);
    // A trailing `;` would end the wrapped subquery early.
    const body = sql.replace(/;\s*$/, '');
    const client = await this.#connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.ceil(o.timeoutMs)}`);
      if (o.schema !== undefined)
        await client.query(`SET LOCAL search_path = ${quoteIdent(o.schema)}, public`);
      if (this.#role) await client.query(`SET LOCAL ROLE ${this.#role}`);
      // `queryMode` (pg ≥ 8.16) forces the extended protocol even without parameters; @types/pg lacks it.
      const config = {
        text: `SELECT * FROM (\n${body}\n) AS streamsight_query LIMIT ${o.maxRows + 1}`,
        values: o.params,
        queryMode: 'extended',
      } as QueryConfig;
      const result: QueryResult = await client.query(config);
      const columns: ViewColumn[] = result.fields.map((f) => ({
        name: f.name,
        type: pgColumnType(f.dataTypeID),
      }));
      const bigints = result.fields
        .filter((f) => f.dataTypeID === 20 || f.dataTypeID === 1700)
        .map((f) => f.name);
      const rows = result.rows.slice(0, o.maxRows).map((r: Record<string, unknown>) => {
        for (const name of bigints) if (typeof r[name] === 'string') r[name] = numeric(r[name] as string);
        return r;
      });
      return { columns, rows, truncated: result.rows.length > o.maxRows };
    } catch (err) {
      throw sqlError(err, o.timeoutMs);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  async enforceRetention(now: number = Date.now()): Promise<void> {
    this.#check();
    const list = await this.#run((c) => c.query(CATALOG_SQL.retained));
    for (const r of list.rows) {
      await this.#run((c) =>
        c.query(`DELETE FROM ${tableRef(r.schema_name, r.table_name)} WHERE updated_at < $1`, [
          now - Number(r.retention_ms),
        ]),
      );
    }
  }

  async dropApp(app: string): Promise<void> {
    this.#check();
    const schema = schemaOf(app);
    await this.#run(async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await c.query(CATALOG_SQL.dropViews, [app]);
      await c.query(CATALOG_SQL.dropArchives, [app]);
    });
    for (const map of [this.#views, this.#archives]) {
      for (const [key, meta] of map) if (meta.app === app) map.delete(key);
    }
    this.#viewsGeneration++;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #check(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the view store is closed');
  }

  async #connect(): Promise<PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (cause) {
      throw pgError(cause, 'cannot reach PostgreSQL');
    }
  }

  /** Runs `fn` on a pooled connection; errors other than coded ones become SS_ERR_STORAGE/CONNECTION. */
  async #run<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await fn(client);
    } catch (err) {
      throw pgError(err, 'view store');
    } finally {
      client.release();
    }
  }

  async #ensureSchema(c: PoolClient, schema: string): Promise<void> {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    if (this.#role) {
      const s = quoteIdent(schema);
      await c.query(`GRANT USAGE ON SCHEMA ${s} TO ${this.#role}`);
      await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${this.#role}`);
      await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${this.#role}`);
    }
  }

  async #view(app: string, view: string): Promise<StoredTable> {
    const key = `${app}/${view}`;
    const cached = this.#views.get(key);
    if (cached) return cached;
    schemaOf(app);
    tableOf(view);
    const generation = this.#viewsGeneration;
    const meta = await this.#run(async (c) => {
      const found = await c.query(
        `SELECT schema_name, table_name FROM ${META}.views WHERE app = $1 AND name = $2`,
        [app, view],
      );
      if (found.rows.length === 0) throw viewNotFound(app, view);
      const { schema_name: schema, table_name: table } = found.rows[0];
      const cols = await c.query(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      );
      const columns = new Map<string, ColumnType>();
      for (const col of cols.rows) columns.set(col.column_name, pgTypeName(col.data_type));
      return { app, name: view, schema, table, columns } satisfies StoredTable;
    });
    // A column added while this lookup read the catalog may be missing from it: cache only when
    // nothing was dropped meanwhile, or readers would reject that column as unknown.
    if (generation === this.#viewsGeneration) this.#views.set(key, meta);
    return meta;
  }

  #forgetView(app: string, view: string): void {
    this.#views.delete(`${app}/${view}`);
    this.#viewsGeneration++;
  }

  /** COPY into a TEMP staging table, then merge, in one transaction. */
  async #merge(
    meta: StoredTable,
    rows: Record<string, unknown>[],
    conflict: 'update' | 'nothing',
  ): Promise<void> {
    const { from: copyFrom } = await import('pg-copy-streams');
    const names = [...meta.columns.keys()];
    const types = names.map((n) => meta.columns.get(n) as ColumnType);
    const target = tableRef(meta.schema, meta.table);
    const list = names.map(quoteIdent).join(', ');
    const onConflict = conflictClause(names, conflict);
    await this.#run(async (c) => {
      await c.query('BEGIN');
      try {
        await c.query(
          `CREATE TEMP TABLE streamsight_stage ON COMMIT DROP AS SELECT ${list} FROM ${target} LIMIT 0`,
        );
        const lines = copyText(rows, names, types);
        await pipeline(
          Readable.from(lines),
          c.query(copyFrom(`COPY streamsight_stage (${list}) FROM STDIN`)),
        );
        await c.query(`INSERT INTO ${target} (${list}) SELECT ${list} FROM streamsight_stage ${onConflict}`);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }
}

/** COPY text format, in chunks of about 64 KiB: tab-separated, `\N` for NULL, backslash escapes. */
function* copyText(rows: Record<string, unknown>[], names: string[], types: ColumnType[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    for (let c = 0; c < names.length; c++) {
      if (c > 0) chunk += '\t';
      const v = fitValue(types[c], row[names[c]]);
      chunk += v === null ? '\\N' : escapeCopy(String(v));
    }
    chunk += '\n';
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function escapeCopy(s: string): string {
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}

function pgTypeName(t: string): ColumnType {
  if (t === 'jsonb' || t === 'json' || t === 'ARRAY') return 'json';
  if (t === 'boolean') return 'boolean';
  if (t === 'bigint' || t === 'integer' || t === 'smallint') return 'bigint';
  if (t === 'double precision' || t === 'real' || t === 'numeric') return 'double';
  return 'text';
}

/** Column type of a result field by type OID. */
function pgColumnType(oid: number): ColumnType {
  switch (oid) {
    case 16:
      return 'boolean';
    case 20:
    case 21:
    case 23:
      return 'bigint';
    case 700:
    case 701:
    case 1700:
      return 'double';
    case 114:
    case 3802:
      return 'json';
    default:
      return 'text';
  }
}

function pgError(err: unknown, context: string): StreamsightError {
  if (isStreamsightError(err)) return err;
  const e = err as { code?: string; message?: string };
  const text = e?.message ?? String(err);
  // Node socket errors and PostgreSQL's connection classes (08xxx, 57P0x shutdown).
  if (
    /^(ECONN|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EPIPE)/.test(e?.code ?? '') ||
    /^(08|57P0)/.test(e?.code ?? '')
  ) {
    return new StreamsightError('SS_ERR_CONNECTION', `${context}: ${text}`, { cause: err, retriable: true });
  }
  return new StreamsightError('SS_ERR_STORAGE', `${context}: ${text}`, {
    cause: err,
    details: { pgCode: e?.code },
  });
}

/** Maps a PostgreSQL error of a user query to a coded error. */
function sqlError(err: unknown, timeoutMs: number): StreamsightError {
  if (isStreamsightError(err)) return err;
  const e = err as { code?: string; message?: string };
  const text = e?.message ?? String(err);
  if (e?.code === '57014') {
    return queryTimeout(err, timeoutMs);
  }
  // 25006 read-only transaction, 42501 insufficient privilege.
  if (e?.code === '25006' || e?.code === '42501') {
    return new StreamsightError('SS_ERR_QUERY_REJECTED', text, { cause: err, details: { pgCode: e.code } });
  }
  if (/^(08|57P0)/.test(e?.code ?? '') || /^(ECONN|ENOTFOUND|ETIMEDOUT)/.test(e?.code ?? '')) {
    return new StreamsightError('SS_ERR_CONNECTION', `PostgreSQL: ${text}`, { cause: err, retriable: true });
  }
  return new StreamsightError('SS_ERR_INVALID_QUERY', text, { cause: err, details: { pgCode: e?.code } });
}
