/**
 * `streamsight query [--app X] "SQL" [--param v ...] [--json]`: one read-only SQL statement over the
 * views and archives.
 *
 * While a server runs it holds the DuckDB file (DuckDB allows one writing process), so the query goes
 * through it: `<data-dir>/server.json` (written by the server, mode 0600) names its URL and an API
 * key, and the statement is POSTed to `/api/v1/query`. When there is no such file or the server does
 * not answer, the command opens `<data-dir>/views.duckdb` read-only and runs the statement itself,
 * with the same sandbox. Bad SQL exits with 1 and the coded message; bad flags with 2.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { type ErrorCode, ErrorCodes, StreamsightError } from '../../errors/index.ts';
import { openDuckDbViewStore } from '../../views/duckdb-view-store.ts';
import { schemaOf } from '../../views/view-schema.ts';
import type { SqlResult } from '../../views/view-store.ts';
import { parseCount } from '../config.ts';
import { configOf, printTable } from './shared.ts';

type Param = string | number | boolean | null;

interface QueryFlags {
  app?: string;
  param: string[];
  json?: boolean;
  maxRows: string;
  timeout: string;
}

export function queryCommand(): Command {
  return new Command('query')
    .description('run one read-only SQL statement over the views (through the server when it runs)')
    .argument('<sql>', 'the statement; unqualified names resolve in the app schema')
    .option('--app <app>', 'the app whose schema is searched first')
    .addOption(
      new Option(
        '--param <value>',
        'a value for $1, $2, ... (repeat; numbers, true, false and null are typed)',
      )
        .default([])
        .argParser((v: string, prev: string[]) => [...prev, v]),
    )
    .option('--json', 'print the rows as JSON')
    .option('--max-rows <n>', 'at most this many rows (direct mode)', '10000')
    .option('--timeout <ms>', 'cancel the statement after this long (direct mode)', '5000')
    .action(async (sql: string, opts: QueryFlags, command: Command) => {
      const config = configOf(command);
      if (opts.app !== undefined) schemaOf(opts.app);
      const maxRows = parseCount(opts.maxRows, '--max-rows', 1, 1_000_000);
      const timeoutMs = parseCount(opts.timeout, '--timeout', 1, 600_000);
      const params = opts.param.map(typedParam);
      const result =
        (await viaServer(config.dataDir, sql, params, opts.app, timeoutMs)) ??
        (await direct(config.dataDir, sql, params, opts.app, maxRows, timeoutMs));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result.rows)}\n`);
      } else {
        const names = result.columns.map((c) => c.name);
        const rows: Array<Array<string | number>> = [names.length > 0 ? names : ['(no columns)']];
        for (const r of result.rows) rows.push(names.map((n) => cell(r[n])));
        printTable(rows);
        process.stdout.write(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`);
      }
      if (result.truncated) process.stderr.write(`note: the result was cut at ${result.rows.length} rows\n`);
    });
}

/** `--param` text to a typed value: numbers, booleans and null by their spelling, else the text. */
export function typedParam(text: string): Param {
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  return text;
}

function cell(v: unknown): string | number {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return v;
  if (typeof v === 'object') return v instanceof Date ? v.toISOString() : JSON.stringify(v);
  return String(v);
}

/** The server's answer, or undefined when no server runs (no server.json, or it does not answer). */
async function viaServer(
  dataDir: string,
  sql: string,
  params: Param[],
  app: string | undefined,
  timeoutMs: number,
): Promise<SqlResult | undefined> {
  let server: { url?: unknown; key?: unknown };
  try {
    server = JSON.parse(await readFile(join(dataDir, 'server.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof server?.url !== 'string' || typeof server.key !== 'string') return undefined;
  let response: Response;
  try {
    response = await fetch(new URL('/api/v1/query', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
      body: JSON.stringify(app === undefined ? { sql, params } : { sql, params, app }),
      signal: AbortSignal.timeout(timeoutMs + 5000),
    });
  } catch {
    return undefined; // a stale server.json: the server is gone
  }
  const body = (await response.json().catch(() => undefined)) as
    | (SqlResult & { error?: { code?: string; message?: string } })
    | undefined;
  if (!response.ok || body === undefined) {
    const code = body?.error?.code;
    throw new StreamsightError(
      code !== undefined && code in ErrorCodes ? (code as ErrorCode) : 'SS_ERR_CONNECTION',
      body?.error?.message ?? `the server answered ${response.status}`,
    );
  }
  return body;
}

async function direct(
  dataDir: string,
  sql: string,
  params: Param[],
  app: string | undefined,
  maxRows: number,
  timeoutMs: number,
): Promise<SqlResult> {
  const path = join(dataDir, 'views.duckdb');
  // No store yet (no app has run): an empty in-memory one still answers `SELECT 1` and says what is missing.
  const store = await openDuckDbViewStore(existsSync(path) ? { path, readOnly: true } : { path: ':memory:' });
  try {
    return await store.query(sql, { params, app, maxRows, timeoutMs });
  } finally {
    await store.close();
  }
}
