/**
 * The `LookupTable` seam: a key → value table for enrichment joins that pipelines and servers read
 * by key (user profiles, IP reputation, item metadata). The embedded implementation is LMDB
 * (`lmdb-lookup-table.ts`); scaled out, Redis (`redis-lookup-table.ts`, loaded only when opened).
 * Both pass `test/views/lookup-table-contract.ts`.
 *
 * Values are JSON-compatible (objects, arrays, strings, finite numbers, booleans, null); a missing
 * key reads as `undefined`. Writes are idempotent overwrites: the last write of a key wins, also
 * within one `putMany`.
 */

import { StreamsightError } from '../errors/index.ts';

export interface LookupTable<V = unknown> {
  get(key: string): Promise<V | undefined>;
  /** Values in the order of `keys` (undefined for missing keys), in one round trip. */
  getMany(keys: string[]): Promise<(V | undefined)[]>;
  put(key: string, value: V): Promise<void>;
  /** Writes all entries (one transaction embedded, one pipelined command on Redis). */
  putMany(entries: Iterable<[string, V]>): Promise<void>;
  delete(key: string): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

const TABLE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Validates an app or table name (they become key prefixes or database names). */
export function checkTableName(kind: 'app' | 'table', name: string): void {
  if (typeof name !== 'string' || !TABLE.test(name)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `lookup table: ${kind} must match ${TABLE}`, {
      details: { [kind]: name },
    });
  }
}

/** Keys are non-empty strings of at most 1000 characters (LMDB's key limit is 1978 bytes). */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1000) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'lookup table: keys must be strings of 1..1000 characters',
      {
        details: { key: typeof key === 'string' ? key.slice(0, 100) : String(key) },
      },
    );
  }
}

/** Values must be JSON-compatible; `undefined` (and functions, symbols) are refused. */
export function checkValue(value: unknown): void {
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  ) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'lookup table: values must be JSON-compatible (not undefined)',
    );
  }
}
