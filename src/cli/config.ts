/**
 * Configuration of the CLI, resolved once: flag, then environment variable, then default.
 * Every value is validated here with a coded error naming where it came from.
 */

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';
import type { ViewStore } from '../views/view-store.ts';

/** Which log the CLI uses: the embedded one under dataDir, or Kafka brokers. */
export type LogConfig = { kind: 'embedded' } | { kind: 'kafka'; url: string };

/** Where views live: DuckDB under dataDir, or a PostgreSQL database. */
export type ViewsConfig = { kind: 'embedded' } | { kind: 'postgres'; url: string };

export interface Config {
  /** Folder of the embedded log and state (flag --data-dir, env STREAMSIGHT_DATA_DIR, default ./.streamsight). */
  dataDir: string;
  /** Worker threads for `run` (flag --workers, env STREAMSIGHT_WORKERS, default one per core; 0 = run in the main thread). */
  workers: number;
  /** The log (flag --log, env STREAMSIGHT_LOG: `embedded` (default) or `kafka://host:port[,host:port]`). */
  log: LogConfig;
  /** The view store (flag --views, env STREAMSIGHT_VIEWS: `embedded` (default) or `postgres://...`). */
  views: ViewsConfig;
}

export interface ConfigFlags {
  dataDir?: string;
  workers?: string;
  log?: string;
  views?: string;
}

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const log = parseLogSpec(
    flags.log ?? env.STREAMSIGHT_LOG,
    flags.log !== undefined ? '--log' : 'STREAMSIGHT_LOG',
  );
  const dataDir = resolve(flags.dataDir ?? env.STREAMSIGHT_DATA_DIR ?? '.streamsight');
  const workersText = flags.workers ?? env.STREAMSIGHT_WORKERS;
  const source = flags.workers !== undefined ? '--workers' : 'STREAMSIGHT_WORKERS';
  const workers =
    workersText === undefined ? availableParallelism() : parseCount(workersText, source, 0, 256);
  const views = parseViewsSpec(
    flags.views ?? env.STREAMSIGHT_VIEWS,
    flags.views !== undefined ? '--views' : 'STREAMSIGHT_VIEWS',
  );
  return { dataDir, workers, log, views };
}

/** Parses a whole number in [min, max]; SS_ERR_INVALID_ARGUMENT naming `what` otherwise. */
export function parseCount(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `${what}: expected a whole number in ${min}..${max}, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/**
 * Parses a log spec: unset, empty or `embedded` → the embedded log; `kafka://host:port[,host:port]` →
 * Kafka. Anything else is SS_ERR_INVALID_OPTION naming where it came from.
 *
 * @example
 * parseLogSpec('kafka://127.0.0.1:9092', '--log'); // { kind: 'kafka', url: 'kafka://127.0.0.1:9092' }
 */
export function parseLogSpec(spec: string | undefined, source: string): LogConfig {
  if (spec === undefined || spec === '' || spec === 'embedded') return { kind: 'embedded' };
  if (/^kafka:\/\/[^\s,]+:\d+(,[^\s,]+:\d+)*\/?$/.test(spec)) return { kind: 'kafka', url: spec };
  throw new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `${source}=${spec}: expected "embedded" or kafka://host:port[,host:port]`,
    { details: { source } },
  );
}

/**
 * Opens the configured log. The Kafka adapter is imported only here, only when configured, so the
 * embedded default never loads the Kafka client.
 *
 * @example
 * const log = await openConfiguredLog(resolveConfig({ log: 'kafka://127.0.0.1:9092' }), 'worker');
 */
export async function openConfiguredLog(config: Config, clientId = 'streamsight'): Promise<Log> {
  if (config.log.kind === 'kafka') {
    const { openKafkaLog } = await import('../log/kafka/index.ts');
    return openKafkaLog({ brokers: config.log.url, clientId });
  }
  const [{ mkdir }, { join }, { openEmbeddedLog }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('../log/index.ts'),
  ]);
  await mkdir(config.dataDir, { recursive: true });
  return openEmbeddedLog({ path: join(config.dataDir, 'log') });
}

/**
 * Parses a view-store spec: unset, empty or `embedded` → DuckDB at `<data-dir>/views.duckdb`;
 * `postgres://…` → PostgreSQL. Anything else is SS_ERR_INVALID_OPTION naming where it came from.
 *
 * @example
 * parseViewsSpec('postgres://postgres@127.0.0.1:5432/test', '--views'); // { kind: 'postgres', url: … }
 */
export function parseViewsSpec(spec: string | undefined, source: string): ViewsConfig {
  if (spec === undefined || spec === '' || spec === 'embedded') return { kind: 'embedded' };
  if (/^postgres(ql)?:\/\/\S+$/.test(spec)) return { kind: 'postgres', url: spec };
  throw new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `${source}=${spec}: expected "embedded" or postgres://user@host:port/database`,
    { details: { source } },
  );
}

/**
 * Opens the configured view store. PostgreSQL (and `pg`) load only when configured.
 *
 * @example
 * const store = await openConfiguredViewStore(resolveConfig({ views: 'postgres://127.0.0.1/test' }));
 */
export async function openConfiguredViewStore(config: Config): Promise<ViewStore> {
  if (config.views.kind === 'postgres') {
    const { openPostgresViewStore } = await import('../views/postgres-view-store.ts');
    return openPostgresViewStore({ url: config.views.url });
  }
  const [{ mkdir }, { join }, { openDuckDbViewStore }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('../views/duckdb-view-store.ts'),
  ]);
  await mkdir(config.dataDir, { recursive: true });
  return openDuckDbViewStore({ path: join(config.dataDir, 'views.duckdb') });
}
