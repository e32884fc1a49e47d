/**
 * The embedded lookup table on LMDB: one environment (a folder) holds any number of tables, one named
 * database per app and table (`<app>/<table>`). Reads are memory-mapped and synchronous underneath;
 * `putMany` is one write transaction.
 */

import { mkdirSync } from 'node:fs';
import { type Database, open, type RootDatabase } from 'lmdb';
import { StreamsightError } from '../errors/index.ts';
import { checkKey, checkTableName, checkValue, type LookupTable } from './lookup-table.ts';

export interface LmdbLookupTableOptions {
  /** The LMDB folder (e.g. `<data-dir>/lookups`). */
  path: string;
  app: string;
  table: string;
}

/**
 * Opens (creating when needed) an embedded lookup table.
 *
 * @example
 * const users = await openLmdbLookupTable<{ country: string }>({ path: '.streamsight/lookups', app: 'shop', table: 'users' });
 * await users.put('u1', { country: 'FR' });
 * await users.getMany(['u1', 'u2']); // [{ country: 'FR' }, undefined]
 */
export async function openLmdbLookupTable<V = unknown>(
  options: LmdbLookupTableOptions,
): Promise<LookupTable<V>> {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'openLmdbLookupTable: path must be a folder path');
  }
  checkTableName('app', options.app);
  checkTableName('table', options.table);
  let env: RootDatabase;
  try {
    mkdirSync(options.path, { recursive: true });
    env = open({ path: options.path, maxDbs: 256 });
  } catch (cause) {
    throw new StreamsightError('SS_ERR_STORAGE', `cannot open lookup tables at ${options.path}`, { cause });
  }
  return new LmdbLookupTable<V>(env, env.openDB({ name: `${options.app}/${options.table}` }));
}

class LmdbLookupTable<V> implements LookupTable<V> {
  readonly #env: RootDatabase;
  readonly #db: Database<V, string>;
  #closed = false;

  constructor(env: RootDatabase, db: Database) {
    this.#env = env;
    this.#db = db as unknown as Database<V, string>;
  }

  async get(key: string): Promise<V | undefined> {
    this.#check();
    checkKey(key);
    return this.#db.get(key);
  }

  async getMany(keys: string[]): Promise<(V | undefined)[]> {
    this.#check();
    if (!Array.isArray(keys))
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'getMany: keys must be an array');
    for (const k of keys) checkKey(k);
    return keys.map((k) => this.#db.get(k));
  }

  async put(key: string, value: V): Promise<void> {
    this.#check();
    checkKey(key);
    checkValue(value);
    await this.#write(() => this.#db.put(key, value));
  }

  async putMany(entries: Iterable<[string, V]>): Promise<void> {
    this.#check();
    const list = [...entries];
    for (const [k, v] of list) {
      checkKey(k);
      checkValue(v);
    }
    await this.#write(() =>
      this.#db.transaction(() => {
        for (const [k, v] of list) this.#db.put(k, v);
      }),
    );
  }

  async delete(key: string): Promise<void> {
    this.#check();
    checkKey(key);
    await this.#write(() => this.#db.remove(key));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#env.close();
  }

  #check(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the lookup table is closed');
  }

  async #write(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (cause) {
      throw new StreamsightError('SS_ERR_STORAGE', `lookup table write failed: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
}
