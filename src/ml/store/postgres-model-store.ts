/**
 * The PostgreSQL model store, for scaled-out deployments where every worker and server must see the
 * same versions. One table (default `streamsight_model_versions`), keyed by (name, version); `put` is
 * `INSERT … ON CONFLICT DO UPDATE`, so a replayed write overwrites the same version, as the
 * `ModelStore` contract requires. Every statement is parameterised. `pg` is imported only when this
 * store is opened, so the embedded default never loads it.
 *
 * Layout (v1):
 *   name text, version integer, kind text, created_at double precision (ms since the epoch),
 *   metrics jsonb, info jsonb, model bytea, format smallint = 1, PRIMARY KEY (name, version)
 */

import type { Pool } from 'pg';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import {
  checkModelName,
  checkModelVersion,
  checkStoredModel,
  type ModelStore,
  type ModelVersionInfo,
  type StoredModel,
} from './model-store.ts';

export interface PostgresModelStoreOptions {
  /** A PostgreSQL connection string, e.g. `postgres://user@127.0.0.1:5432/db`. */
  url: string;
  /** Table name: a plain SQL identifier (default `streamsight_model_versions`). */
  table?: string;
}

const FORMAT = 1;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects to PostgreSQL and creates the table when missing.
 *
 * @example
 * const store = await openPostgresModelStore({ url: process.env.STREAMSIGHT_POSTGRES_URL! });
 * await store.put({ name: 'sea', version: 1, kind: 'hoeffding-tree', createdAt: Date.now(),
 *   metrics: {}, info: {}, model: tree.serialize() });
 */
export async function openPostgresModelStore(
  options: PostgresModelStoreOptions,
): Promise<PostgresModelStore> {
  if (typeof options?.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openPostgresModelStore: url must be a postgres:// URL',
      {
        details: { option: 'url' },
      },
    );
  }
  const table = options.table ?? 'streamsight_model_versions';
  if (!IDENTIFIER.test(table)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `openPostgresModelStore: table must match ${IDENTIFIER}`,
      {
        details: { option: 'table', value: table },
      },
    );
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: options.url, max: 4 });
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
        name text NOT NULL, version integer NOT NULL, kind text NOT NULL,
        created_at double precision NOT NULL, metrics jsonb NOT NULL, info jsonb NOT NULL,
        model bytea NOT NULL, format smallint NOT NULL DEFAULT ${FORMAT},
        PRIMARY KEY (name, version))`,
    );
  } catch (cause) {
    await pool.end();
    throw storageError(`cannot prepare table ${table}`, cause, { table });
  }
  return new PostgresModelStore(pool, table);
}

/** The PostgreSQL-backed {@link ModelStore}; create it with {@link openPostgresModelStore}. */
export class PostgresModelStore implements ModelStore {
  readonly table: string;
  readonly #pool: Pool;
  #closing: Promise<void> | undefined;

  /** Use {@link openPostgresModelStore}. */
  constructor(pool: Pool, table: string) {
    this.#pool = pool;
    this.table = table;
  }

  async put(model: StoredModel): Promise<void> {
    this.#assertOpen();
    const { name, version, kind, createdAt, metrics, info } = checkStoredModel(model);
    await this.#query(
      `INSERT INTO ${this.table} (name, version, kind, created_at, metrics, info, model, format)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${FORMAT})
       ON CONFLICT (name, version) DO UPDATE SET kind = EXCLUDED.kind, created_at = EXCLUDED.created_at,
         metrics = EXCLUDED.metrics, info = EXCLUDED.info, model = EXCLUDED.model, format = EXCLUDED.format`,
      [
        name,
        version,
        kind,
        createdAt,
        JSON.stringify(metrics),
        JSON.stringify(info),
        Buffer.from(model.model),
      ],
      `cannot store model ${name} v${version}`,
    );
  }

  async get(name: string, version: number): Promise<StoredModel | undefined> {
    this.#assertOpen();
    const rows = await this.#query(
      `SELECT name, version, kind, created_at, metrics, info, model, format FROM ${this.table} WHERE name = $1 AND version = $2`,
      [checkModelName(name), checkModelVersion(version)],
      `cannot read model ${name} v${version}`,
    );
    return rows.length === 0 ? undefined : toStored(rows[0]);
  }

  async latest(name: string): Promise<StoredModel | undefined> {
    this.#assertOpen();
    const rows = await this.#query(
      `SELECT name, version, kind, created_at, metrics, info, model, format FROM ${this.table}
       WHERE name = $1 ORDER BY version DESC LIMIT 1`,
      [checkModelName(name)],
      `cannot read model ${name}`,
    );
    return rows.length === 0 ? undefined : toStored(rows[0]);
  }

  async list(name?: string): Promise<ModelVersionInfo[]> {
    this.#assertOpen();
    const columns = 'name, version, kind, created_at, metrics, info, format';
    // COLLATE "C": byte order, the order the embedded store lists names in.
    const rows =
      name === undefined
        ? await this.#query(
            `SELECT ${columns} FROM ${this.table} ORDER BY name COLLATE "C", version`,
            [],
            'cannot list models',
          )
        : await this.#query(
            `SELECT ${columns} FROM ${this.table} WHERE name = $1 ORDER BY version`,
            [checkModelName(name)],
            `cannot list model ${name}`,
          );
    return rows.map(toInfo);
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  async #query(sql: string, params: unknown[], what: string): Promise<Row[]> {
    try {
      return (await this.#pool.query(sql, params)).rows as Row[];
    } catch (cause) {
      if (isStreamsightError(cause)) throw cause;
      throw storageError(what, cause, { table: this.table });
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new StreamsightError('SS_ERR_CLOSED', `the PostgreSQL model store (${this.table}) is closed`);
    }
  }
}

interface Row {
  name: string;
  version: number;
  kind: string;
  created_at: number;
  metrics: Record<string, unknown>;
  info: Record<string, unknown>;
  model?: Buffer;
  format: number;
}

function toInfo(row: Row): ModelVersionInfo {
  if (row.format !== FORMAT) {
    throw new StreamsightError(
      'SS_ERR_STORAGE',
      `model ${row.name} v${row.version}: unknown row format ${row.format}`,
      {
        details: { name: row.name, version: row.version, format: row.format },
      },
    );
  }
  return {
    name: row.name,
    version: row.version,
    kind: row.kind,
    createdAt: row.created_at,
    metrics: row.metrics,
    info: row.info,
  };
}

function toStored(row: Row): StoredModel {
  return { ...toInfo(row), model: new Uint8Array(row.model!) };
}

function storageError(what: string, cause: unknown, details: Record<string, unknown>): StreamsightError {
  // Connection failures may pass; constraint and syntax errors will not.
  const retriable =
    typeof (cause as { code?: unknown })?.code === 'string' &&
    /^(08|57P)/.test((cause as { code: string }).code);
  return new StreamsightError(
    'SS_ERR_STORAGE',
    `PostgreSQL model store: ${what}: ${(cause as Error)?.message}`,
    {
      cause,
      retriable,
      details,
    },
  );
}
