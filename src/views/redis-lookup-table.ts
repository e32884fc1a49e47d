/**
 * The Redis lookup table, for scaled-out deployments where every worker and server reads the same
 * table. Keys are `ss:<app>:<table>:<key>`; values are JSON strings (readable with redis-cli).
 * `getMany` is one MGET and `putMany` one MSET per 1,000 keys, pipelined, so a batch costs one round
 * trip, not one per key. `redis` is imported only when a table is opened.
 */

import { StreamsightError } from '../errors/index.ts';
import { checkKey, checkTableName, checkValue, type LookupTable } from './lookup-table.ts';

export interface RedisLookupTableOptions {
  /** A Redis URL, e.g. `redis://127.0.0.1:6379`. */
  url: string;
  app: string;
  table: string;
}

interface RedisLike {
  get(key: string): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<unknown>;
  mSet(entries: [string, string][]): Promise<unknown>;
  del(key: string): Promise<number>;
  close(): Promise<void>;
  multi(): { mSet(entries: [string, string][]): unknown; execAsPipeline(): Promise<unknown> };
}

const CHUNK = 1000;

/**
 * Connects to Redis and returns one table.
 *
 * @example
 * const users = await openRedisLookupTable({ url: 'redis://127.0.0.1:6379', app: 'shop', table: 'users' });
 * await users.putMany([['u1', { country: 'FR' }], ['u2', { country: 'DE' }]]);
 */
export async function openRedisLookupTable<V = unknown>(
  options: RedisLookupTableOptions,
): Promise<LookupTable<V>> {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'openRedisLookupTable: url must be a redis:// URL');
  }
  checkTableName('app', options.app);
  checkTableName('table', options.table);
  const { createClient } = await import('redis');
  // No endless reconnect loop at open: fail fast with SS_ERR_CONNECTION, retry later if you wish.
  const client = createClient({
    url: options.url,
    socket: { reconnectStrategy: (retries) => (retries > 3 ? false : 200) },
  });
  client.on('error', () => {}); // surfaced on the command that fails
  try {
    await client.connect();
  } catch (cause) {
    throw new StreamsightError('SS_ERR_CONNECTION', `cannot reach Redis at ${redactUrl(options.url)}`, {
      cause,
      retriable: true,
    });
  }
  return new RedisLookupTable<V>(client as unknown as RedisLike, `ss:${options.app}:${options.table}:`);
}

class RedisLookupTable<V> implements LookupTable<V> {
  readonly #client: RedisLike;
  readonly #prefix: string;
  #closed = false;

  constructor(client: RedisLike, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<V | undefined> {
    this.#check();
    checkKey(key);
    return decode(await this.#call(() => this.#client.get(this.#prefix + key)));
  }

  async getMany(keys: string[]): Promise<(V | undefined)[]> {
    this.#check();
    if (!Array.isArray(keys))
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'getMany: keys must be an array');
    for (const k of keys) checkKey(k);
    const out: (V | undefined)[] = [];
    for (let i = 0; i < keys.length; i += CHUNK) {
      const values = await this.#call(() =>
        this.#client.mGet(keys.slice(i, i + CHUNK).map((k) => this.#prefix + k)),
      );
      for (const v of values) out.push(decode(v));
    }
    return out;
  }

  async put(key: string, value: V): Promise<void> {
    this.#check();
    checkKey(key);
    checkValue(value);
    await this.#call(() => this.#client.set(this.#prefix + key, JSON.stringify(value)));
  }

  async putMany(entries: Iterable<[string, V]>): Promise<void> {
    this.#check();
    const list: [string, string][] = [];
    for (const [k, v] of entries) {
      checkKey(k);
      checkValue(v);
      list.push([this.#prefix + k, JSON.stringify(v)]);
    }
    if (list.length === 0) return;
    const multi = this.#client.multi();
    for (let i = 0; i < list.length; i += CHUNK) multi.mSet(list.slice(i, i + CHUNK));
    await this.#call(() => multi.execAsPipeline());
  }

  async delete(key: string): Promise<void> {
    this.#check();
    checkKey(key);
    await this.#call(() => this.#client.del(this.#prefix + key));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close().catch(() => {});
  }

  #check(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the lookup table is closed');
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new StreamsightError('SS_ERR_CONNECTION', `Redis: ${(cause as Error).message}`, {
        cause,
        retriable: true,
      });
    }
  }
}

function decode<V>(text: string | null): V | undefined {
  return text === null ? undefined : (JSON.parse(text) as V);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
